import numpy as np
import pytest
from sklearn.metrics import f1_score

from openended.libribrain import submission as S


def test_roundtrip_of_both_formats(tmp_path):
    speech = np.array([0.1, 0.9, 0.5])
    S.write_speech(tmp_path / "s.csv", speech, expected=3)
    assert (tmp_path / "s.csv").read_text().splitlines()[0] == "idx,speech_prob"
    np.testing.assert_allclose(S.read_submission(tmp_path / "s.csv", "speech", expected=3), speech)
    probs = np.random.default_rng(0).dirichlet(np.ones(39), size=4)
    S.write_phoneme(tmp_path / "p.csv", probs)
    header = (tmp_path / "p.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "segment_idx" and header[1] == "phoneme_1" and header[-1] == "phoneme_39"
    np.testing.assert_allclose(S.read_submission(tmp_path / "p.csv", "phoneme"), probs)


@pytest.mark.parametrize(
    ("text", "expected", "message"),
    [
        ("idx,speech_prob\n0,0.5\n1,0.5\n", 3, "2 prediction rows, the holdout has 3"),
        ("idx,speech_prob\n0,0.5\n1,nan\n", 2, "NaN or infinite probability in prediction row 1"),
        ("index,prob\n0,0.5\n", 1, "wrong header"),
        ("idx,speech_prob\n0,0.5\n2,0.5\n", 2, "must run 0, 1, 2"),
        ("idx,speech_prob\n0,1.5\n", 1, "outside \\[0, 1\\]"),
        ("idx,speech_prob\n0,0.5,1\n", 1, "3 columns, expected 2"),
        ("idx,speech_prob\n0,abc\n", 1, "not a number"),
        ("", 1, "empty file"),
    ],
)
def test_malformed_speech_submissions_are_rejected_by_name(tmp_path, text, expected, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(S.SubmissionError, match=message):
        S.read_submission(path, "speech", expected=expected)


def test_phoneme_rows_must_be_distributions(tmp_path):
    probs = np.full((2, 39), 1 / 39)
    probs[1, 0] += 0.5
    with pytest.raises(S.SubmissionError, match=r"row 1 sums to 1\.5"):
        S.write_phoneme(tmp_path / "p.csv", probs)
    with pytest.raises(S.SubmissionError, match="39 columns"):
        S.write_phoneme(tmp_path / "p.csv", np.full((2, 38), 1 / 38))


def test_f1_macro_conventions_match_sklearn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 30, 300)  # classes 30..38 absent
    pred = np.where(rng.uniform(size=300) < 0.5, y, rng.integers(0, 30, 300))
    assert S.f1_macro(y, pred, 39, absent="skip") == pytest.approx(f1_score(y, pred, average="macro"))
    zero = f1_score(y, pred, average="macro", labels=np.arange(39), zero_division=0)
    assert S.f1_macro(y, pred, 39, absent="zero") == pytest.approx(zero)
    assert S.f1_macro(y, pred, 39, "zero") < S.f1_macro(y, pred, 39, "skip")
    probs = np.eye(39)[pred]
    assert S.score_phoneme(probs, y) == pytest.approx(zero)


def test_speech_threshold_is_explicit():
    labels = np.array([0, 0, 1, 1])
    probs = np.array([0.2, 0.4, 0.45, 0.9])
    assert S.score_speech(probs, labels, threshold=0.5) < 1.0
    assert S.score_speech(probs, labels, threshold=0.42) == 1.0
