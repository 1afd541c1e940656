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


def test_datasets_standardize_with_train_statistics_and_drop_windows_past_the_end(synthetic_root):
    train = SpeechDataset(synthetic_root, "train")
    val = SpeechDataset(synthetic_root, "validation", stats=train.stats)
    assert val.stats is train.stats and len(train.keys) == SPEC.train_runs
    x, y = train[0]
    assert x.shape == (306, 200) and y.shape == (200,)
    # the first window lies in the silent lead-in
    assert train.centre_labels[0] == 0 and train.centre_labels.mean() > 0.5
    everything = np.concatenate([np.asarray(r.data) for r in train.recordings], axis=1)
    np.testing.assert_allclose(everything.mean(1), 0, atol=0.02)
    # a phoneme window that would run past the end of its run is dropped and counted, never padded
    ph = PhonemeDataset(synthetic_root, "validation", tmin=0.0, tmax=2.0, stats=train.stats)
    full = PhonemeDataset(synthetic_root, "validation", tmin=0.0, tmax=0.1, stats=train.stats)
    n_run = ph.recordings[0].data.shape[1]
    late = int(np.sum(full.event_onsets * 250.0 + ph.n_times > n_run))
    assert late > 0 and ph.dropped == late and len(ph) == len(full) - late
    assert np.all(ph.starts + ph.n_times <= n_run)
    xs, _ = ph.batch([len(ph) - 1])
    np.testing.assert_array_equal(xs[0], ph[len(ph) - 1][0])


def test_windows_before_the_first_sample_are_dropped_in_every_task(synthetic_root):
    """tmin far before the first onsets: the windows that would start before sample 0 are dropped (pnpl
    clamps them to 0, where they hold data from after their onset)."""
    sp = SpeechDataset(synthetic_root, "validation", tmin=-0.4, tmax=0.4, stride=25, stats=None)
    assert sp.dropped == 4 and sp.label_starts[0] == 100  # label windows at 0, 25, 50, 75 lack data
    assert np.all(sp.starts == sp.label_starts - 100)  # -0.4 s at 250 Hz, the same rule as phonemes
    ph = PhonemeDataset(synthetic_root, "validation", tmin=-2.5, tmax=-2.0, stats=None)
    assert ph.dropped > 0 and np.all(ph.starts >= 0)
    np.testing.assert_array_equal(ph.starts, np.floor(ph.event_onsets * 250 - 625 + 1e-6).astype(int))


def test_one_rounding_rule_for_tmin_across_tasks(synthetic_root):
    """tmin = -0.15 s is -37.5 samples: both tasks start 38 samples before the onset."""
    sp = SpeechDataset(synthetic_root, "validation", tmin=-0.15, tmax=0.5, stats=None)
    assert np.all(sp.starts == sp.label_starts - 38)
    ph = PhonemeDataset(synthetic_root, "validation", tmin=-0.15, tmax=0.5, stats=None)
    on = np.round(ph.event_onsets * 250).astype(int)
    exact = np.isclose(ph.event_onsets * 250, on, atol=1e-6)
    assert exact.any() and np.all(ph.starts[exact] == on[exact] - 38)


def test_speech_labels_past_the_last_sample_are_cut(tmp_path):
    """Events that run past the recording (pnpl's files can hold 10,376 labels for 10,000 samples): no label
    and no window without data; the labels end at the last sample."""
    from openended.libribrain.layout import write_run

    key = ("0", "1", "Sherlock1", "1")
    rng = np.random.default_rng(0)
    events = [
        {"kind": "silence", "segment": "", "timemeg": 0.0, "duration": 1.0},
        {"kind": "word", "segment": "a", "timemeg": 1.0, "duration": 38.0},  # the data end at 40 s
        {"kind": "silence", "segment": "", "timemeg": 39.0, "duration": 2.5},
    ]
    write_run(tmp_path, key, rng.normal(size=(4, 10_000)).astype(np.float32), 250.0, events)
    ds = SpeechDataset(tmp_path, keys=[key], tmax=0.8)
    assert len(ds.run_labels[0]) == 10_000
    assert np.all(ds.starts + ds.n_times <= 10_000) and len(ds) == 10_000 // 200
    assert ds.labels.shape == (50, 200)


def test_resolve_keys_keeps_present_runs_and_names_missing_ones(synthetic_root):
    assert resolve_keys(synthetic_root, "validation") == [("0", "11", "Sherlock1", "2")]
    present, absent = ("0", "1", "Sherlock1", "1"), ("0", "99", "Sherlock1", "1")
    with pytest.raises(DataError, match=r"1 of 2 runs missing .*0/99/Sherlock1/1"):
        resolve_keys(synthetic_root, keys=[present, absent])  # a missing requested run is an error
    skipped: list = []
    assert resolve_keys(synthetic_root, keys=[present, absent], missing_runs="skip", skipped=skipped) == [
        present
    ]
    assert skipped == [absent]
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


def test_a_folders_own_partitions_define_what_a_partition_means(tmp_path):
    from openended.libribrain.dataset import partition_keys
    from openended.libribrain.layout import write_partitions
    from openended.libribrain.manifest import SelectionError

    own = ("0", "1", "MyTask", "1")
    write_partitions(tmp_path, {"train": [own, ("0", "1", "TIMIT", "1")], "validation": []})
    assert partition_keys("train", tmp_path) == [own, ("0", "1", "TIMIT", "1")]
    assert partition_keys("train", tmp_path, corpus="timit") == [("0", "1", "TIMIT", "1")]
    with pytest.raises(SelectionError, match="no validation run"):
        partition_keys("validation", tmp_path)
    (tmp_path / "partitions.json").write_text("[1, 2]")
    with pytest.raises(DataError, match=r"partitions\.json: expected"):
        partition_keys("train", tmp_path)


def test_runs_are_read_lazily_when_their_statistics_are_known(synthetic_root, monkeypatch, tmp_path):
    """No run is held whole at construction: statistics that must be computed are read block by block,
    and with statistics known (given, or cached from an earlier construction) no run is read at all.
    Single windows come from the file, equal to the whole run's, until LAZY_WINDOWS of them have been
    read; then the run is read whole."""
    from openended.libribrain import dataset as D

    monkeypatch.setenv("OPENENDED_CACHE", str(tmp_path))  # nothing cached yet
    eager = PhonemeDataset(synthetic_root, "validation", tmin=0.0, tmax=0.4)
    assert not any(r.loaded for r in eager.recordings)  # statistics computed, data not kept
    for i in range(len(eager)):
        eager[i]  # each run is read whole once LAZY_WINDOWS of its windows were asked for
    assert all(r.loaded for r in eager.recordings)
    lazy = PhonemeDataset(synthetic_root, "validation", tmin=0.0, tmax=0.4, stats=eager.stats)
    rec = lazy.recordings[0]
    assert not rec.loaded
    for i in range(0, 40, 3):
        np.testing.assert_allclose(lazy[i][0], eager[i][0], atol=1e-6)
    assert not rec.loaded and rec.window_reads == 14
    for i in range(D.LAZY_WINDOWS):
        lazy[i]
    assert rec.loaded
    np.testing.assert_allclose(np.asarray(rec.data), np.asarray(eager.recordings[0].data), atol=1e-6)

    # a third construction finds the statistics computed by the first: nothing computes them again
    def no(*a, **k):
        raise AssertionError("statistics recomputed")

    monkeypatch.setattr(D, "meg_stats", no)
    again = PhonemeDataset(synthetic_root, "validation", tmin=0.0, tmax=0.4)
    assert not again.recordings[0].loaded
    np.testing.assert_allclose(again.stats.means, eager.stats.means)


def test_the_statistics_cache_is_owner_only_and_misses_a_changed_file(tmp_path, monkeypatch):
    import os
    import stat

    from openended.libribrain.layout import h5_path, write_run
    from openended.libribrain.standardize import ChannelStats, _cache_file, cached_run_stats, store_run_stats

    monkeypatch.setenv("OPENENDED_CACHE", str(tmp_path / "cache"))
    key = ("0", "1", "Sherlock1", "1")
    data = np.random.default_rng(0).normal(size=(3, 500)).astype(np.float32)
    write_run(tmp_path, key, data, 250.0, [])
    path = h5_path(tmp_path, key)
    store_run_stats(path, ChannelStats.of(data))
    assert stat.S_IMODE(os.stat(_cache_file(path)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(_cache_file(path).parent).st_mode) == 0o700
    assert cached_run_stats(path, 3) is not None and cached_run_stats(path, 4) is None
    write_run(tmp_path, key, data + 1, 250.0, [])  # rewritten: another size or time, another key
    os.utime(path, ns=(1, 1))
    assert cached_run_stats(path, 3) is None
