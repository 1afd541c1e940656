"""The two tasks as sample lists: window rule, speech labels, window enumerations, phoneme samples."""

import numpy as np
import pytest

from openended.libribrain import tasks as T
from openended.libribrain.constants import PHONEME_TO_ID
from openended.libribrain.layout import Event


def test_window_rule_truncates_and_is_half_open():
    assert T.window_length(0.0, 0.5, 250.0) == 125  # MNE's inclusive Epochs would give 126
    assert T.window_length(0.0, 0.8, 250.0) == 200
    assert T.window_start(0.05, -0.1, 250.0) == -13  # before the run: such a window is dropped
    assert T.window_start(1.0, -0.1, 250.0) == 225
    assert T.window_start(0.7, 0.1, 250.0) == 200  # (0.7 + 0.1) · 250 is 199.99999999999997 in floating point
    assert T.window_start(1.0, -0.15, 250.0) == 212  # 250 - 37.5, floored
    assert T.inside(np.array([-1, 0, 75]), 25, 100).tolist() == [False, True, True]
    assert T.inside(np.array([76]), 25, 100).tolist() == [False]
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
