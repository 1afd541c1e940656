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
    assert failed.returncode == 2 and "prediction rows, the holdout has" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1  # one line, no traceback


def test_a_bad_events_row_is_one_cli_line_naming_file_line_and_column(synthetic_root, tmp_path):
    """An events TSV with a decimal comma: training stops with one line naming the file, the line and the
    column, and leaves no run directory; with bad_rows=skip it trains and counts the skipped row."""
    import shutil

    from openended.libribrain.dataset import partition_keys
    from openended.libribrain.layout import events_path

    from .conftest import SPEC

    root = tmp_path / "data"
    shutil.copytree(synthetic_root, root)
    train_key = partition_keys("train", root)[0]
    path = events_path(root, train_key)
    lines = path.read_text().splitlines()
    cells = lines[5].split("\t")
    cells[2] = cells[2].replace(".", ",")
    lines[5] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n")
    cmd = [sys.executable, "-m", "openended", "libribrain", "train", "--data-root", str(root),
           "--epochs", "1", "--runs-root", str(tmp_path / "runs"), "--no-report"]  # fmt: skip
    failed = subprocess.run([*cmd, "--name", "bad"], capture_output=True, text=True)
    assert failed.returncode == 2, failed.stderr
    err = failed.stderr.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "line 6" in err[0] and "'timemeg'" in err[0]
    assert not (tmp_path / "runs" / "bad").exists()
    done = subprocess.run(
        [*cmd, "--name", "skip", "--bad-rows", "skip", "--stride", "100"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    data = next(
        json.loads(line)
        for line in (tmp_path / "runs" / "skip" / "metrics.jsonl").read_text().splitlines()
        if '"data"' in line
    )
    assert data["skipped_rows"] == 1 and data["train_runs"] == SPEC.train_runs
    assert "line 6" in done.stderr  # the skip is logged
