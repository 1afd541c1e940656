"""The 2026 word task on synthetic LibriBrain100-format data: word windows against pnpl 0.2.0, the deep and
broad baselines against chance and the majority class, and the submit / evaluate commands."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from openended.core.commands import execute
from openended.libribrain import competition2026 as C
from openended.libribrain.cli import EXPERIMENT
from openended.libribrain.config import LibriBrainConfig, SyntheticConfig
from openended.libribrain.dataset import WordDataset
from openended.libribrain.synthetic import SyntheticSpec, make_synthetic
from openended.libribrain.words import normalize_word

from .helpers import final

os.environ.setdefault("PNPL_REMOTE_CONSTANTS_DISABLED", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def lb100_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("lb100")
    make_synthetic(root, SyntheticSpec(train_runs=2, run_s=30.0, seed=5, broad_subjects=3))
    return root


def test_word_windows_match_pnpl(lb100_root):
    from pnpl.datasets import LibriBrain100Word

    keys = [("0", "11", "Sherlock1", "2"), ("2", "11", "Sherlock1", "1")]
    ours = WordDataset(lb100_root, keys=keys, tmax=0.5, per_subject=False)
    theirs = LibriBrain100Word(
        str(lb100_root), include_run_keys=keys, download=False, include_info=True,
        channel_means=ours.stats.means, channel_stds=ours.stats.stds,
    )  # fmt: skip
    # pnpl makes every word a sample (ids: its sorted raw words); ours keeps the vocabulary's words
    in_vocab = [i for i, s in enumerate(theirs.samples) if normalize_word(str(s[5])) in C.PRIMARY_VOCABULARY]
    assert len(in_vocab) == len(ours) + ours.dropped and len(ours) > 20
    j = 0
    for i in in_vocab:
        x, _, info = theirs[i]
        if x.shape[1] < ours.n_times:
            continue
        assert float(info["onset"]) == pytest.approx(ours.event_onsets[j], abs=1e-5)
        pnpl_start = int(float(ours.event_onsets[j]) * 250.0)
        rec = ours.recordings[int(ours.run_index[j])].data
        np.testing.assert_allclose(x.numpy(), rec[:, pnpl_start : pnpl_start + ours.n_times], atol=1e-4)
        j += 1
    assert j == len(ours)
    assert set(ours.sample_subjects) == {"0", "2"}


def test_per_subject_standardisation_and_held_out_subjects_get_their_own(lb100_root):
    keys = [("0", "11", "Sherlock1", "2"), ("1", "11", "Sherlock1", "1")]
    ds = WordDataset(lb100_root, keys=keys)
    assert set(ds.subject_stats) == {"0", "1"} and ds.stats is None
    for rec in ds.recordings:  # each subject's data is centred on its own statistics
        assert np.abs(np.asarray(rec.data).mean(axis=1)).mean() < 0.05
    other = WordDataset(lb100_root, keys=[("3", "12", "Sherlock1", "1")], stats=ds.subject_stats)
    assert other.subject_stats["3"] is not ds.subject_stats["0"]


@pytest.mark.parametrize("track", ["deep", "broad"])
def test_word_baselines_beat_chance_and_majority(tmp_path, track):
    cfg = LibriBrainConfig(task="word", track=track, epochs=6, synthetic=SyntheticConfig(train_runs=4))
    path = execute(EXPERIMENT, cfg, root=tmp_path, name=track, report=True)
    f = final(path)
    # balanced accuracy: chance and the majority class are both 1 / the classes present
    assert f["test/balanced_accuracy"] > f["test/chance_balanced_accuracy"] + 0.1
    assert f["test/balanced_accuracy"] > f["test/naive_balanced_accuracy"] + 0.1
    assert f["test/accuracy"] > f["test/naive_accuracy"]
    if track == "broad":
        data = json.loads((path / "config.json").read_text())
        assert data["held_out_subjects"] == 2
        assert {k for k in f if "balanced_accuracy_subject_" in k and k.startswith("test/")} == {
            "test/balanced_accuracy_subject_3",
            "test/balanced_accuracy_subject_4",
        }
    assert "balanced accuracy" in (path / "report.html").read_text()


def test_submit_and_evaluate_words(tmp_path):
    cfg = LibriBrainConfig(task="word", epochs=2, synthetic=SyntheticConfig(train_runs=2, run_s=30.0))
    run = execute(EXPERIMENT, cfg, root=tmp_path, name="w", report=False)
    cmd = [sys.executable, "-m", "openended", "libribrain"]
    out = tmp_path / "emulated.csv"
    subprocess.run([*cmd, "submit", str(run), "--out", str(out)], check=True, capture_output=True)
    done = subprocess.run(
        [*cmd, "evaluate", str(out), "--answers", str(out.with_suffix(".answers.csv")), "--task", "word"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert 0 <= json.loads(done.stdout)["balanced_accuracy"] <= 1
    # a 2026-format holdout of subject 0: the submission has one row per example, in canonical order
    rng = np.random.default_rng(0)
    sentences = [
        rng.normal(size=(306, 600)).astype(np.float32),
        rng.normal(size=(306, 400)).astype(np.float32),
    ]
    C.write_holdout(tmp_path / "h", 0, sentences, [[0.0, 1.2], [0.5]], rng.normal(size=(4, 306, 251)))
    sub = tmp_path / "deep.csv"
    subprocess.run(
        [*cmd, "submit", str(run), "--holdout-dir", str(tmp_path / "h"), "--out", str(sub)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert C.read_submission(sub, expected=3 + 4).shape == (7, 50)
    missing = subprocess.run(
        [*cmd, "submit", str(run), "--holdout-dir", str(tmp_path / "h"), "--track", "broad",
         "--out", str(sub)], capture_output=True, text=True,
    )  # fmt: skip
    assert (
        missing.returncode == 2 and "subj01_holdout01_sentence.npz: holdout file not found" in missing.stderr
    )
