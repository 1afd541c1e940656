import numpy as np
import pytest

from openended.libribrain import tasks as T
from openended.libribrain.constants import PHONEME_TO_ID, RUN_KEYS, SENSORS_SPEECH_MASK
from openended.libribrain.dataset import (
    AveragedDataset,
    PhonemeDataset,
    SpeechDataset,
    average_groups,
    partition_keys,
)
from openended.libribrain.layout import DataError, Event, h5_path, read_events, read_meg
from openended.libribrain.standardize import ChannelStats
from openended.libribrain.synthetic import SyntheticSpec, synthesize_run, templates

from .conftest import SPEC


def test_competition_constants():
    assert len(RUN_KEYS) == 90 and len(set(RUN_KEYS)) == 90
    assert len(partition_keys("train")) == 88
    assert partition_keys("validation") == [("0", "11", "Sherlock1", "2")]
    assert len(SENSORS_SPEECH_MASK) == 23 and len(PHONEME_TO_ID) == 39
    with pytest.raises(ValueError, match="partition"):
        partition_keys("holdout")


def test_window_rule_truncates_and_is_half_open():
    assert T.window_length(0.0, 0.5, 250.0) == 125  # MNE's inclusive Epochs would give 126
    assert T.window_length(0.0, 0.8, 250.0) == 200
    assert T.window_start(0.05, -0.1, 250.0) == 0  # clamped at the start of the run
    assert T.window_start(1.0, -0.1, 250.0) == 225
    with pytest.raises(ValueError):
        T.window_length(0.5, 0.5, 250.0)


def test_speech_labels_by_hand():
    ev = [
        Event("word", "a", 0.4, 0.2),  # samples 40..60 at 100 Hz
        Event("silence", "", 0.6, 0.1),  # 60..70
        Event("word", "b", 0.7, 0.3),  # 70..100
    ]
    labels = T.speech_labels(ev, 100.0)
    assert len(labels) == 101  # last event end + 1
    assert labels[:40].sum() == 0 and labels[40:60].all() and labels[60:70].sum() == 0 and labels[70:].all()
    words_only = T.speech_labels([Event("word", "a", 0.1, 0.1)], 100.0)
    assert words_only.tolist() == [0] * 10 + [1] * 10 + [0]
    assert T.speech_labels([Event("phoneme", "ah_S", 0.1, 0.1)], 100.0) is None


def test_window_enumerations_differ_only_in_the_last_window():
    labels = np.ones(1000, np.int8)
    assert T.speech_window_starts(labels, 200).tolist() == [0, 200, 400, 600, 800]
    assert T.speech_window_starts(labels, 200, enumeration="pnpl-0.2").tolist() == [0, 200, 400, 600]
    assert len(T.speech_window_starts(labels, 200, stride=300)) == len(
        T.speech_window_starts(labels, 200, stride=300, enumeration="pnpl-0.2")
    )


def test_silence_oversampling_keeps_silent_and_transition_windows():
    labels = np.array([1] * 400 + [0] * 200 + [1] * 400, np.int8)
    starts = T.oversampled_window_starts(labels, 100, 10)
    fractions = [labels[s : s + 100].mean() for s in starts]
    assert len(starts) > len(T.speech_window_starts(labels, 100))
    assert all(f == 1 or f == 0 or 0.3 < f < 0.5 for f in fractions)
    assert any(f == 0 for f in fractions) and any(0.3 < f < 0.5 for f in fractions)


def test_phoneme_samples_skip_sil_oov_and_unknown_symbols():
    ev = [
        Event("phoneme", "ah_B", 1.0, 0.1),
        Event("phoneme", "sil", 1.1, 0.1),
        Event("phoneme", "oov_S", 1.2, 0.1),
        Event("phoneme", "h#_S", 1.3, 0.1),
        Event("word", "zh", 1.4, 0.1),
        Event("phoneme", "zh_E", 1.5, 0.1),
    ]
    onsets, labels = T.phoneme_samples(ev)
    assert onsets.tolist() == [1.0, 1.5] and labels.tolist() == [PHONEME_TO_ID["ah"], 38]


def test_pooled_statistics_equal_those_of_the_concatenation():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 2, (3, 100)), rng.normal(-1, 1, (3, 300))
    pooled = ChannelStats.pooled([ChannelStats.of(a), ChannelStats.of(b)])
    both = np.concatenate([a, b], axis=1)
    np.testing.assert_allclose(pooled.means, both.mean(1))
    np.testing.assert_allclose(pooled.stds, both.std(1))
    z = pooled.apply(both.astype(np.float32) * 100, clip=10.0)
    assert z.max() <= 10.0 and z.min() >= -10.0


def test_average_groups_follow_the_competition_order():
    labels = np.array([0, 1, 0, 0, 1, 2, 0])
    groups = average_groups(labels, 2)
    assert [g.tolist() for g in groups] == [[0, 2], [1, 4], [3, 6], [5]]
    assert [g.tolist() for g in average_groups(labels, 2, drop_remaining=True)] == [[0, 2], [1, 4], [3, 6]]


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
