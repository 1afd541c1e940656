"""The baselines trained on synthetic data (fixed seeds): each beats the majority/chance predictors by a
margin, signal averaging improves phoneme F1, the best epoch is the one evaluated, and a run resumes."""

import numpy as np
import pytest

from openended.core.commands import execute
from openended.core.runs import read_metrics
from openended.libribrain.cli import EXPERIMENT
from openended.libribrain.config import LibriBrainConfig, SyntheticConfig
from openended.libribrain.train import baselines

from .helpers import final


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


def test_naive_and_chance_baselines_by_hand():
    # majority class 0 everywhere: F1 of class 0 = 2·3 / (4 + 3) = 6/7, class 1 never predicted: 0
    b = baselines(np.array([0, 0, 0, 1]), 2)
    assert b["naive_f1_macro"] == pytest.approx((6 / 7 + 0.0) / 2) and 0.0 <= b["chance_f1_macro"] <= 1.0
    # accuracy 3/4; balanced accuracy: recall 1 on class 0, 0 on class 1
    assert b["naive_accuracy"] == pytest.approx(0.75) and b["naive_balanced_accuracy"] == pytest.approx(0.5)
    # one class only: the class-prior random predictor is the majority predictor; absent classes count 0
    one = baselines(np.array([1, 1, 1]), 3)
    assert one["naive_f1_macro"] == pytest.approx(1 / 3) and one["chance_f1_macro"] == pytest.approx(1 / 3)
    assert one["naive_balanced_accuracy"] == pytest.approx(1.0)
