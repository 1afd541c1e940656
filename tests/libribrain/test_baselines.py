"""The baselines on synthetic data (fixed seeds): each beats the majority/chance predictors by a margin, and
signal averaging improves phoneme F1. Also the submit → evaluate round trip and resume."""

import json
import subprocess
import sys

import pytest

from openended.core.commands import execute
from openended.core.runs import read_metrics
from openended.libribrain.cli import EXPERIMENT
from openended.libribrain.config import LibriBrainConfig, SyntheticConfig


def final(path):
    return next(r for r in reversed(read_metrics(path)) if r.get("event") == "final")


@pytest.fixture(scope="module")
def speech_run(tmp_path_factory):
    # gain 1.5: at the default 0.8 six epochs end at the edge of learning, where rounding differences between
    # CPUs' kernels decided the test (3 of 5 seeds passed); the claim under test is that the model learns a
    # clear planted signal, not how little it needs
    synthetic = SyntheticConfig(train_runs=3, speech_gain=1.5)
    cfg = LibriBrainConfig(task="speech", stride=25, epochs=6, synthetic=synthetic)
    return execute(EXPERIMENT, cfg, root=tmp_path_factory.mktemp("runs"), name="speech")


def test_speech_reference_beats_the_naive_baseline(speech_run):
    f = final(speech_run)
    # the planted speech response is strong (1.5 x the noise scale on 23 sensors): expect a clear margin
    assert f["test/f1_macro"] > f["test/naive_f1_macro"] + 0.15
    assert f["test/f1_macro"] > f["test/chance_f1_macro"] + 0.15
    html = (speech_run / "report.html").read_text()
    assert "confusion" in html and "Published holdout F1-macro" in html


def test_the_epoch_with_the_best_validation_loss_is_the_one_evaluated(speech_run):
    epochs = [r for r in read_metrics(speech_run) if "train/loss" in r]
    best = min(r["validation/loss"] for r in epochs)
    assert final(speech_run)["validation/loss"] == pytest.approx(best, rel=1e-6)


def test_phoneme_reference_learns_and_averaging_helps(tmp_path):
    cfg = LibriBrainConfig(
        task="phoneme", group=10, eval_group=10, epochs=15, synthetic=SyntheticConfig(train_runs=8)
    )
    f = final(execute(EXPERIMENT, cfg, root=tmp_path, name="phoneme", report=False))
    # single trials: the oracle itself is at ≈0.38; averages of 10 are separable (oracle ≈0.93)
    assert f["test_avg/f1_macro"] > f["test/f1_macro"]
    assert f["test_avg/f1_macro"] > f["test_avg/chance_f1_macro"] + 0.05
    assert f["test/f1_macro"] > f["test/naive_f1_macro"]


def test_seanet_trains_on_speech(tmp_path):
    cfg = LibriBrainConfig(
        task="speech", model="seanet", stride=50, epochs=1, synthetic=SyntheticConfig(train_runs=1, run_s=30)
    )
    f = final(execute(EXPERIMENT, cfg, root=tmp_path, name="seanet", report=False))
    assert 0.0 <= f["test/f1_macro"] <= 1.0


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


def test_an_interrupted_run_resumes_from_its_checkpoint(tmp_path):
    cfg = LibriBrainConfig(
        task="speech", stride=100, epochs=2, synthetic=SyntheticConfig(train_runs=1, run_s=20)
    )
    path = execute(EXPERIMENT, cfg, root=tmp_path, name="r", report=False)
    rows = [r for r in read_metrics(path) if "train/loss" in r]
    assert [r["step"] for r in rows] == [1, 2]
    # pretend the run died after epoch 1: drop the last checkpoint, resume, and get epoch 2 back
    (path / "checkpoints" / "step_000000002.npz").unlink()
    again = execute(EXPERIMENT, resume=path, report=False)
    rows = [r for r in read_metrics(again) if "train/loss" in r]
    assert [r["step"] for r in rows] == [1, 2]
