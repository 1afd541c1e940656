"""The libribrain commands: submit a trained run's holdout predictions, then evaluate them."""

import json
import subprocess
import sys

from .helpers import final


def test_submit_then_evaluate(speech_run, tmp_path):
    out = tmp_path / "speech.csv"
    cmd = [sys.executable, "-m", "openended", "libribrain"]
    subprocess.run([*cmd, "submit", str(speech_run), "--out", str(out), "--stride", "10"], check=True)
    answers = out.with_suffix(".answers.csv")
    done = subprocess.run(
        [*cmd, "evaluate", str(out), "--answers", str(answers), "--task", "speech"],
        check=True,
        capture_output=True,
        text=True,
    )
    score = json.loads(done.stdout)
    assert score["f1_macro"] > final(speech_run)["test/naive_f1_macro"]
    bad = tmp_path / "bad.csv"
    bad.write_text("idx,speech_prob\n0,0.5\n")
    failed = subprocess.run(
        [*cmd, "evaluate", str(bad), "--answers", str(answers), "--task", "speech"],
        capture_output=True,
        text=True,
    )
    assert failed.returncode != 0 and "prediction rows, the holdout has" in failed.stderr
