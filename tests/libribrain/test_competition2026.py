"""The 2026 word task and competition: vocabularies, word matching, holdout order, submission bytes and the
score — against pnpl 0.2.0 (test-only dependency) on files generated here."""

import os
from pathlib import Path

import numpy as np
import pytest

from openended.libribrain import competition2026 as C
from openended.libribrain.layout import DataError, Event
from openended.libribrain.submission import SubmissionError
from openended.libribrain.words import (
    PRIMARY_VOCABULARY,
    SECONDARY_VOCABULARY,
    normalize_word,
    word_samples,
)

os.environ.setdefault("PNPL_REMOTE_CONSTANTS_DISABLED", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def test_vocabularies_are_pnpls():
    sub = pytest.importorskip("pnpl.competition.submission")
    assert list(PRIMARY_VOCABULARY) == list(sub.PRIMARY_VOCAB)
    assert list(SECONDARY_VOCABULARY) == list(sub.SECONDARY_VOCAB)
    assert PRIMARY_VOCABULARY[34] == "it\u2019s"


def test_words_match_the_vocabulary_after_normalisation():
    assert normalize_word(" It's, ") == "it\u2019s" and normalize_word("\u201cThe") == "the"
    events = [
        Event("word", "The", 1.0, 0.2),
        Event("word", "Holmes", 1.3, 0.3),  # not in the vocabulary: left out of classification
        Event("phoneme", "dh_B", 1.0, 0.05),
        Event("word", "it's.", 2.0, 0.2),
        Event("silence", "", 2.5, 0.5),
    ]
    onsets, labels, left_out = word_samples(events)
    assert onsets.tolist() == [1.0, 2.0] and labels.tolist() == [1, 34] and left_out == 1
    onsets, labels, _ = word_samples(events, keywords=["holmes"])
    assert onsets.tolist() == [1.0, 1.3, 2.0] and labels.tolist() == [0, 1, 0]


def _holdout(root, subject, rng, n_sent=3, n_word=4, channels=5):
    sentences = [rng.normal(size=(channels, 250 * k + 300)).astype(np.float32) for k in (1, 2, 3)[:n_sent]]
    # onsets that round half to even (0.502 s · 250 = 125.5 → 126; 0.498 s → 124.5 → 124)
    onsets = [[0.0, 0.502], [0.1, 0.498, 1.2], [0.004, 1.0, 1.5, 2.0]][:n_sent]
    words = rng.normal(size=(n_word, channels, 251)).astype(np.float32)
    C.write_holdout(root, subject, sentences, onsets, words)
    return sentences, onsets, words


def test_holdout_windows_and_order_match_pnpl(tmp_path):
    comp = pytest.importorskip("pnpl.competition")
    rng = np.random.default_rng(0)
    made = {s: _holdout(tmp_path, s, rng) for s in (3, 1)}
    ours = list(C.iter_holdout(tmp_path, [3, 1]))
    assert [(p.subject, p.source) for p in ours] == [
        (1, "sentence"),
        (1, "word"),
        (3, "sentence"),
        (3, "word"),
    ]
    assert ours[0].starts.tolist() == [0, 126, 25, 124, 300, 1, 250, 375, 500]
    sentences, _, words = made[1]
    np.testing.assert_array_equal(ours[0].windows[1], sentences[0][:, 126:376])
    np.testing.assert_array_equal(ours[1].windows, words[:, :, :250])  # word epochs cut to 250 samples
    theirs = comp.LibriBrainCompetitionHoldout(subjects=[1, 3], data_path=str(tmp_path), download=False)
    assert len(theirs) == sum(len(p.windows) for p in ours)
    flat = np.concatenate([p.windows for p in ours])
    for i in range(len(theirs)):
        window, meta = theirs[i]
        np.testing.assert_array_equal(np.asarray(window), flat[i])
        assert meta["index"] == i


def test_holdout_errors_name_the_file(tmp_path):
    rng = np.random.default_rng(1)
    with pytest.raises(DataError, match=r"subj00_holdout01_sentence\.npz: holdout file not found"):
        list(C.iter_holdout(tmp_path, [0]))
    C.write_holdout(
        tmp_path, 0, [rng.normal(size=(2, 300)).astype(np.float32)], [[0.5]], np.zeros((0, 2, 250))
    )
    with pytest.raises(DataError, match=r"sentence 0, word slot 0: window \[125, 375\) lies outside"):
        C.read_part(tmp_path, 0, "sentence")
    path = C.holdout_path(tmp_path, 0, "word")
    np.savez(path, meg=np.array([object()], dtype=object), sfreq=250.0)
    with pytest.raises(DataError, match="without pickle"):
        C.read_part(tmp_path, 0, "word")


def test_submission_is_byte_identical_to_pnpls_writer(tmp_path):
    sub = pytest.importorskip("pnpl.competition.submission")
    rng = np.random.default_rng(2)
    primary, secondary = rng.dirichlet(np.ones(50), size=7), rng.dirichlet(np.ones(50), size=7)
    primary[0, 3] = 1e-9  # formatting of tiny and exact values
    ours = C.write_submission(tmp_path / "ours.csv", np.arange(7), primary, secondary)
    theirs = sub.write_submission(tmp_path / "theirs.csv", np.arange(7), primary, secondary)
    assert ours.read_bytes() == Path(theirs).read_bytes()
    assert ours.read_bytes().split(b"\r\n")[0].decode().split(",")[35] == "it\u2019s"
    back = C.read_submission(ours, expected=7)
    np.testing.assert_allclose(back, primary, atol=5e-7)
    ours51 = C.write_submission(tmp_path / "o51.csv", np.arange(7), primary)
    theirs51 = sub.write_submission(tmp_path / "t51.csv", np.arange(7), primary)
    assert ours51.read_bytes() == Path(theirs51).read_bytes()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda rows: rows.__setitem__(0, rows[0].replace("it\u2019s", "it's")), 'column 36 is "it\'s"'),
        (lambda rows: rows.__setitem__(2, rows[2].replace("0.", "nan", 1)), "line 3, column 'is'"),
        (lambda rows: rows.__setitem__(3, "1" + rows[3][1:]), "line 4, column 'index': 1 is repeated"),
        (lambda rows: rows.pop(), "2 prediction rows, the holdout has 3"),
        (lambda rows: rows.__setitem__(1, rows[1] + ",0.1"), "line 2: 102 fields"),
    ],
)
def test_a_bad_submission_is_an_error_naming_line_and_column(tmp_path, edit, message):
    path = C.write_submission(
        tmp_path / "s.csv", np.arange(3), np.full((3, 50), 0.02), np.full((3, 50), 0.02)
    )
    rows = path.read_bytes().decode("utf-8").split("\r\n")[:-1]
    edit(rows)
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))
    with pytest.raises(SubmissionError, match=message.replace("(", r"\(")):
        C.read_submission(path, expected=3)


def test_balanced_accuracy_agrees_with_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    labels = rng.choice([0, 1, 2, 7, 40], size=300, p=[0.5, 0.2, 0.1, 0.1, 0.1])
    probs = rng.random((300, 50))
    probs[np.arange(300)[:150], labels[:150]] += 2.0  # half right
    expected = metrics.balanced_accuracy_score(labels, probs.argmax(1))
    assert C.balanced_accuracy(probs, labels) == pytest.approx(expected)
    majority = np.zeros((300, 50))
    majority[:, 0] = 1
    assert C.balanced_accuracy(majority, labels) == pytest.approx(1 / 5)  # majority = chance under this score


def test_answers_round_trip(tmp_path):
    labels = np.array([3, 0, 34, 49])
    path = C.write_answers(tmp_path / "a.csv", labels)
    np.testing.assert_array_equal(C.read_answers(path), labels)
