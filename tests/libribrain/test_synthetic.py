"""The synthetic dataset: released file format, planted signal, determinism."""

import numpy as np
import pytest

from openended.libribrain.dataset import AveragedDataset, PhonemeDataset, SpeechDataset
from openended.libribrain.layout import DataError, h5_path, read_events, read_meg
from openended.libribrain.synthetic import SyntheticSpec, synthesize_run, templates

from .conftest import SPEC


def test_synthetic_files_are_in_the_released_format(synthetic_root):
    key = ("0", "1", "Sherlock1", "1")
    data, sfreq = read_meg(h5_path(synthetic_root, key))
    assert data.shape[0] == 306 and data.dtype == np.float32 and sfreq == 250.0
    events = read_events(
        synthetic_root / "Sherlock1/derivatives/events/sub-0_ses-1_task-Sherlock1_run-1_events.tsv"
    )
    kinds = {e.kind for e in events}
    assert kinds == {"word", "phoneme", "silence"}
    segments = {e.segment for e in events if e.kind == "phoneme"}
    assert {"sil"} <= segments and any(s.endswith("_B") for s in segments)
    with pytest.raises(DataError, match="missing"):
        SpeechDataset(synthetic_root, keys=[("0", "99", "Sherlock1", "1")])


def test_averaging_raises_the_planted_phoneme_signal(synthetic_root):
    """What the planted signal predicts: a matched filter with the true templates is far better on averages
    of 10 trials than on single trials (the synthetic module's docstring quotes these numbers)."""
    ds = PhonemeDataset(synthetic_root, "validation")
    tpl = templates(SPEC).reshape(39, -1) * SPEC.phoneme_gain

    def oracle_accuracy(d):
        x, y = d.batch(np.arange(len(d)))
        pred = (x.reshape(len(x), -1) @ tpl.T - 0.5 * (tpl**2).sum(1)).argmax(1)
        return float(np.mean(pred == y))

    single, averaged = oracle_accuracy(ds), oracle_accuracy(AveragedDataset(ds, 10))
    assert 1 / 39 < single < 0.7 and averaged > 0.8 and averaged > single + 0.3


def test_synthetic_runs_are_deterministic():
    spec = SyntheticSpec(run_s=8.0)
    a, ea = synthesize_run(spec, ("0", "1", "Sherlock1", "1"))
    b, eb = synthesize_run(spec, ("0", "1", "Sherlock1", "1"))
    c, _ = synthesize_run(spec, ("0", "2", "Sherlock1", "1"))
    np.testing.assert_array_equal(a, b)
    assert ea == eb and not np.array_equal(a[:, :100], c[:, :100])
