"""The datasets over runs: averaging groups, standardization with train statistics, padding."""

import numpy as np
import pytest

from openended.libribrain.dataset import PhonemeDataset, SpeechDataset, average_groups, resolve_keys
from openended.libribrain.layout import DataError

from .conftest import SPEC


def test_average_groups_follow_the_competition_order():
    labels = np.array([0, 1, 0, 0, 1, 2, 0])
    groups = average_groups(labels, 2)
    assert [g.tolist() for g in groups] == [[0, 2], [1, 4], [3, 6], [5]]
    assert [g.tolist() for g in average_groups(labels, 2, drop_remaining=True)] == [[0, 2], [1, 4], [3, 6]]


def test_datasets_standardize_with_train_statistics_and_pad_the_end(synthetic_root):
    train = SpeechDataset(synthetic_root, "train")
    val = SpeechDataset(synthetic_root, "validation", stats=train.stats)
    assert val.stats is train.stats and len(train.keys) == SPEC.train_runs
    x, y = train[0]
    assert x.shape == (306, 200) and y.shape == (200,)
    # the first window lies in the silent lead-in
    assert train.centre_labels[0] == 0 and train.centre_labels.mean() > 0.5
    everything = np.concatenate([np.asarray(r.data) for r in train.recordings], axis=1)
    np.testing.assert_allclose(everything.mean(1), 0, atol=0.02)
    # a phoneme window that runs past the end of its run is zero-padded, not shorter
    ph = PhonemeDataset(synthetic_root, "validation", tmin=0.0, tmax=2.0, stats=train.stats)
    last = int(np.argmax(ph.starts))
    rec = ph.recordings[int(ph.run_index[last])]
    assert ph.starts[last] + ph.n_times > rec.data.shape[1]
    xs, _ = ph.batch([last])
    assert xs.shape == (1, 306, 500) and np.all(xs[0, :, rec.data.shape[1] - ph.starts[last] :] == 0)
    np.testing.assert_array_equal(xs[0], ph[last][0])


def test_resolve_keys_keeps_present_runs_and_names_missing_ones(synthetic_root):
    assert resolve_keys(synthetic_root, "validation") == [("0", "11", "Sherlock1", "2")]
    present, absent = ("0", "1", "Sherlock1", "1"), ("0", "99", "Sherlock1", "1")
    assert resolve_keys(synthetic_root, keys=[present, absent]) == [present]
    with pytest.raises(DataError, match=r"1 of 2 runs missing .*0/99/Sherlock1/1"):
        resolve_keys(synthetic_root, keys=[present, absent], require_all=True)
    with pytest.raises(DataError, match="1 of 1 runs missing"):
        resolve_keys(synthetic_root, keys=[absent])  # never all of them
    with pytest.raises(ValueError, match="exactly one"):
        resolve_keys(synthetic_root)


def test_average_groups_follow_a_given_order_and_reject_empty_groups():
    labels = np.array([0, 0, 1, 0])
    groups = average_groups(labels, 2, order=np.array([3, 2, 1, 0]))
    # walked 3, 2, 1, 0: label 0 closes [3, 1]; leftovers per label in first-seen order: label 0, then 1
    assert [g.tolist() for g in groups] == [[3, 1], [0], [2]]
    with pytest.raises(ValueError, match="at least 1"):
        average_groups(labels, 0)
