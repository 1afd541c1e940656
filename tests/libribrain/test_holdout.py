"""The holdout procedure: per-time-point speech probabilities and the answers files."""

import numpy as np

from openended.libribrain.constants import PHONEMES
from openended.libribrain.holdout import read_answers, speech_timepoint_probs, write_answers


def centre(window):
    """A "model" whose prediction is the window's centre sample of channel 0."""
    return lambda x: x[:, 0, window // 2]


def test_every_time_point_is_scored_by_the_window_centred_on_it():
    data = np.array([[0.0, 0.0, 4.0, 0.0, 0.0]])
    np.testing.assert_allclose(speech_timepoint_probs(centre(4), data, 4), data[0])
    np.testing.assert_allclose(speech_timepoint_probs(centre(3), data, 3), data[0])  # odd windows too


def test_strided_windows_are_interpolated_and_the_last_point_is_always_scored():
    data = np.array([[0.0, 0.0, 4.0, 0.0, 0.0, 8.0]])
    seen = []
    # windows at 0, 2, 4 and the last time point 5; linear in between
    probs = speech_timepoint_probs(centre(4), data, 4, stride=2, batch=3, progress=seen.append)
    np.testing.assert_allclose(probs, [0.0, 2.0, 4.0, 2.0, 0.0, 8.0])
    assert seen == [3, 1]


def test_answers_round_trip_and_phoneme_symbols_are_read_as_ids(tmp_path):
    path = write_answers(tmp_path / "a.csv", "phoneme", np.array([2, 0, 38]))
    assert path.read_text().splitlines()[0] == "segment_idx,phoneme_label"
    np.testing.assert_array_equal(read_answers(path), [2, 0, 38])
    speech = write_answers(tmp_path / "s.csv", "speech", np.array([0, 1, 1]))
    assert speech.read_text().splitlines() == ["idx,speech_label", "0,0", "1,1", "2,1"]
    symbols = tmp_path / "sym.csv"
    symbols.write_text("segment_idx,phoneme_label\n0,ah_B\n1,zh\n")
    np.testing.assert_array_equal(read_answers(symbols), [PHONEMES.index("ah"), PHONEMES.index("zh")])
