"""The PNPL 2026 competition: tracks, the holdout files, the submission CSV and its score.

**Tracks**: *deep* = subject 0 (80 h of training data), *broad* = subjects 1–39 (cross-subject: 1–32 have a
little released data, 33–39 none) — pnpl 0.2.0 ``competition/holdout.py``.

**Holdout** (per subject, ``COMPETITION_HOLDOUT/subj{XX}_holdout01_sentence.npz`` and
``subj{XX}_holdout2_word.npz``): sentence-epoched MEG (``meg`` N × 306 × T, zero-padded;
``sentence_n_times``; ``word_onsets_s`` N × W, seconds from the sentence start, NaN-padded; ``word_mask``;
``sfreq``) and isolated word epochs (``meg`` N × 306 × S spanning ``tmin``..``tmax`` = 0..1 s). A
classification example is a 1 s window: from ``round(onset · sfreq)`` (Python's rounding, halves to even)
in a sentence for each valid word slot, or the first ``round(sfreq)`` samples of a word epoch. **Canonical
order** (the submission's ``index``): subjects ascending, the sentence file before the word file, sentences
and their valid words in stored order, then word epochs in stored order. Files are read with
``allow_pickle=False`` (pnpl passes ``True``, which lets a crafted file run code); a window that does not fit
in its sentence is an error, as in pnpl.

**Submission**: ``index``, the 50 primary words, then the 50 secondary words prefixed ``moses_``; one row per
example in canonical order, probabilities written ``{:.6f}``, lines ending ``\\r\\n`` (Python's ``csv``
default), UTF-8 without a byte-order mark — byte-identical to pnpl's ``write_submission``. **Score**: balanced
accuracy (mean per-class recall over the classes present in the labels) of the argmax of the primary
columns; the secondary columns are not scored. pnpl ships no scorer: the rule is its own description
(``competition/submission.py``), and :func:`balanced_accuracy` agrees with scikit-learn's
``balanced_accuracy_score``.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from openended.libribrain.layout import DataError
from openended.libribrain.submission import SubmissionError
from openended.libribrain.words import PRIMARY_VOCABULARY, SECONDARY_PREFIX, SECONDARY_VOCABULARY

TRACKS: dict[str, tuple[int, ...]] = {"deep": (0,), "broad": tuple(range(1, 40))}
HOLDOUT_SUBDIR = "COMPETITION_HOLDOUT"
SOURCES = ("sentence", "word")
_SUFFIX = {"sentence": "holdout01_sentence", "word": "holdout2_word"}
WINDOW_SECONDS = 1.0
FLOAT_FORMAT = "{:.6f}"


def holdout_path(root: str | os.PathLike, subject: int, source: str) -> Path:
    if source not in SOURCES:
        raise ValueError(f"source must be sentence or word, got {source!r}")
    return Path(root) / HOLDOUT_SUBDIR / f"subj{int(subject):02d}_{_SUFFIX[source]}.npz"


def track_subjects(track: str) -> tuple[int, ...]:
    try:
        return TRACKS[track]
    except KeyError:
        raise DataError(f"track must be deep or broad, got {track!r}") from None


@dataclass(frozen=True)
class HoldoutPart:
    """The examples of one subject and source, in canonical order."""

    subject: int
    source: str
    windows: np.ndarray  # (n, channels, window) float32
    epochs: np.ndarray  # (n,) sentence or epoch number in the file
    slots: np.ndarray  # (n,) word slot within the sentence (-1 for word epochs)
    starts: np.ndarray  # (n,) first sample of the window within its epoch


def _open(path: Path) -> np.lib.npyio.NpzFile:
    if not path.is_file():
        raise DataError(f"{path}: holdout file not found")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise DataError(f"{path}: not a readable .npz holdout file ({err})") from err


def _member(d: np.lib.npyio.NpzFile, path: Path, name: str) -> np.ndarray:
    if name not in d.files:
        raise DataError(f"{path}: lacks the array {name!r} (has {', '.join(d.files)})")
    try:
        return np.asarray(d[name])
    except ValueError as err:  # an object array, refused without pickle
        raise DataError(f"{path}: array {name!r} cannot be read without pickle ({err})") from err


def read_part(root: str | os.PathLike, subject: int, source: str) -> HoldoutPart:
    path = holdout_path(root, subject, source)
    with _open(path) as d:
        sfreq = float(_member(d, path, "sfreq"))
        win = round(sfreq * WINDOW_SECONDS)
        meg = _member(d, path, "meg")
        if meg.ndim != 3:
            raise DataError(f"{path}: 'meg' must be epochs × channels × samples, got shape {meg.shape}")
        if source == "word":
            if meg.shape[2] < win:
                raise DataError(f"{path}: word epochs have {meg.shape[2]} samples, a window needs {win}")
            n = meg.shape[0]
            return HoldoutPart(
                subject, source, np.ascontiguousarray(meg[:, :, :win], dtype=np.float32),
                np.arange(n), np.full(n, -1), np.zeros(n, np.int64),
            )  # fmt: skip
        mask = _member(d, path, "word_mask").astype(bool)
        onsets = _member(d, path, "word_onsets_s").astype(np.float64)
        n_times = _member(d, path, "sentence_n_times").astype(np.int64)
    epochs, slots, starts = [], [], []
    for si in range(mask.shape[0]):
        for wi in np.nonzero(mask[si])[0]:
            onset = float(onsets[si, wi])
            start = round(onset * sfreq) if math.isfinite(onset) else -1  # Python's round, as pnpl
            if start < 0 or start + win > int(n_times[si]) or start + win > meg.shape[2]:
                raise DataError(
                    f"{path}: sentence {si}, word slot {wi}: window [{start}, {start + win}) lies outside "
                    f"the sentence's {int(n_times[si])} samples"
                )
            epochs.append(si)
            slots.append(int(wi))
            starts.append(start)
    windows = np.empty((len(starts), meg.shape[1], win), np.float32)
    for j, (si, start) in enumerate(zip(epochs, starts, strict=True)):
        windows[j] = meg[si, :, start : start + win]
    return HoldoutPart(subject, source, windows, np.asarray(epochs), np.asarray(slots), np.asarray(starts))


def iter_holdout(
    root: str | os.PathLike, subjects: Sequence[int], sources: Sequence[str] = SOURCES
) -> Iterator[HoldoutPart]:
    """The holdout's examples one subject and source at a time, in canonical order (a whole track does not
    fit in memory at once: ~0.3 MB per example)."""
    for subject in sorted(int(s) for s in subjects):
        for source in SOURCES:
            if source in sources:
                yield read_part(root, subject, source)


def write_holdout(
    root: str | os.PathLike,
    subject: int,
    sentences: Sequence[np.ndarray],
    sentence_onsets: Sequence[Sequence[float]],
    words: np.ndarray,
    sfreq: float = 250.0,
    extra_end_s: float = 1.0,
    seed: int = 0,
) -> tuple[Path, Path]:
    """Write a subject's holdout in the competition's layout (emulating it on a test run): sentences
    (each channels × samples) with their word onsets (s from the sentence start; every slot valid), and word
    epochs (n × channels × S). The stored order is as given: shuffle before calling, as the organisers did."""
    p_sent, p_word = holdout_path(root, subject, "sentence"), holdout_path(root, subject, "word")
    p_sent.parent.mkdir(parents=True, exist_ok=True)
    n_ch = words.shape[1] if len(words) else sentences[0].shape[0]
    longest = max((s.shape[1] for s in sentences), default=0)
    slots = max((len(o) for o in sentence_onsets), default=0)
    meg = np.zeros((len(sentences), n_ch, longest), np.float32)
    onsets = np.full((len(sentences), slots), np.nan)
    mask = np.zeros((len(sentences), slots), bool)
    sample_mask = np.zeros((len(sentences), longest), bool)
    for i, (s, o) in enumerate(zip(sentences, sentence_onsets, strict=True)):
        meg[i, :, : s.shape[1]] = s
        sample_mask[i, : s.shape[1]] = True
        onsets[i, : len(o)] = o
        mask[i, : len(o)] = True
    np.savez(
        p_sent, meg=meg, sentence_n_times=np.array([s.shape[1] for s in sentences], np.int64),
        sentence_sample_mask=sample_mask, word_onsets_s=onsets, word_mask=mask, sfreq=np.float64(sfreq),
        sentence_extra_end_s=np.float64(extra_end_s), shuffle_seed=np.int64(seed),
    )  # fmt: skip
    np.savez(
        p_word, meg=np.asarray(words, np.float32), sfreq=np.float64(sfreq), tmin=np.float64(0.0),
        tmax=np.float64(words.shape[2] / sfreq if len(words) else WINDOW_SECONDS),
        shuffle_seed=np.int64(seed),
    )  # fmt: skip
    return p_sent, p_word


# -- submission -----------------------------------------------------------------------------------


def header(secondary: bool = True) -> list[str]:
    cols = ["index", *PRIMARY_VOCABULARY]
    return cols + [SECONDARY_PREFIX + w for w in SECONDARY_VOCABULARY] if secondary else cols


def _check_block(name: str, probs: np.ndarray, n: int, width: int) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape != (n, width):
        raise SubmissionError(f"{name}: expected shape ({n}, {width}), got {probs.shape}")
    if not np.isfinite(probs).all():
        raise SubmissionError(f"{name}: NaN or infinite probabilities")
    if (probs < 0).any():
        raise SubmissionError(f"{name}: negative probabilities")
    return probs


def write_submission(
    path: str | os.PathLike,
    indices: np.ndarray | Sequence[int],
    primary: np.ndarray,
    secondary: np.ndarray | None = None,
    normalize: bool = False,
) -> Path:
    """The submission CSV, byte for byte as pnpl 0.2.0's ``write_submission`` writes it."""
    idx = np.asarray(indices)
    if idx.ndim != 1:
        raise SubmissionError(f"indices must be one-dimensional, got shape {idx.shape}")
    blocks = [_check_block("primary", primary, len(idx), len(PRIMARY_VOCABULARY))]
    if secondary is not None:
        blocks.append(_check_block("secondary", secondary, len(idx), len(SECONDARY_VOCABULARY)))
    if normalize:
        for b in blocks:
            sums = b.sum(axis=1, keepdims=True)
            if (sums <= 0).any():
                raise SubmissionError("cannot normalize a row whose probabilities sum to 0")
            b /= sums
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header(secondary is not None))
        values = np.concatenate(blocks, axis=1)
        for i, row in zip(idx, values, strict=True):
            writer.writerow([int(i), *(FLOAT_FORMAT.format(v) for v in row)])
    return path


def _csv_rows(path: Path, reader: Any) -> list[Any]:
    """Every row of a UTF-8 CSV file through ``reader`` (``csv.reader`` or ``csv.DictReader``); a missing or
    undecodable file is a :class:`SubmissionError` naming it."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(reader(f))
    except FileNotFoundError:
        raise SubmissionError(f"{path}: not found") from None
    except UnicodeDecodeError as err:
        raise SubmissionError(f"{path}: not UTF-8 text ({err})") from None


def read_submission(path: str | os.PathLike, expected: int | None = None) -> np.ndarray:
    """The primary probabilities of a submission, rows in index order, after the checks the competition
    makes: the exact header, indices 0…N−1 each once, N rows (``expected``), finite non-negative numbers.
    Every problem names the file, line and column."""
    path = Path(path)
    rows = _csv_rows(path, csv.reader)
    if not rows:
        raise SubmissionError(f"{path}: empty file")
    head = [c.lstrip("\ufeff") if i == 0 else c for i, c in enumerate(rows[0])]
    if head not in (header(True), header(False)):
        wrong = next(
            (
                f"column {i + 1} is {got!r}, expected {want!r}"
                for i, (got, want) in enumerate(zip(head, header(len(head) > 51), strict=False))
                if got != want
            ),
            f"{len(head)} columns, expected 101 (or 51 without the secondary words)",
        )
        raise SubmissionError(f"{path}, line 1: header: {wrong}")
    body = rows[1:]
    if expected is not None and len(body) != expected:
        raise SubmissionError(f"{path}: {len(body)} prediction rows, the holdout has {expected}")
    n = len(body)
    probs = np.empty((n, len(PRIMARY_VOCABULARY)))
    seen = np.zeros(n, bool)
    for line, row in enumerate(body, start=2):
        if len(row) != len(head):
            raise SubmissionError(f"{path}, line {line}: {len(row)} fields, expected {len(head)}")
        try:
            i = int(row[0])
        except ValueError:
            raise SubmissionError(
                f"{path}, line {line}, column 'index': {row[0]!r} is not an integer"
            ) from None
        if not 0 <= i < n or seen[i]:
            why = "repeated" if 0 <= i < n else f"outside 0…{n - 1}"
            raise SubmissionError(f"{path}, line {line}, column 'index': {i} is {why}")
        seen[i] = True
        for col, text in enumerate(row[1:], start=1):
            try:
                v = float(text)
            except ValueError:
                v = math.nan
            if not math.isfinite(v) or v < 0:
                raise SubmissionError(
                    f"{path}, line {line}, column {head[col]!r}: {text!r} is not a finite non-negative number"
                )
            if col <= len(PRIMARY_VOCABULARY):
                probs[i, col - 1] = v
    return probs


def balanced_accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean recall over the classes present in ``labels`` of the argmax of ``probs`` (ties: the first)."""
    labels = np.asarray(labels)
    if len(labels) == 0 or len(probs) != len(labels):
        raise SubmissionError(f"{len(probs)} predictions for {len(labels)} labels")
    pred = np.asarray(probs).argmax(axis=1)
    return float(np.mean([np.mean(pred[labels == c] == c) for c in np.unique(labels)]))


def write_answers(path: str | os.PathLike, labels: np.ndarray) -> Path:
    """Labels of an emulated holdout as ``index,word`` (the primary word of each example)."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["index", "word"])
        w.writerows([i, PRIMARY_VOCABULARY[int(c)]] for i, c in enumerate(labels))
    return path


def read_answers(path: str | os.PathLike) -> np.ndarray:
    index = {w: i for i, w in enumerate(PRIMARY_VOCABULARY)}
    path = Path(path)
    rows = _csv_rows(path, csv.DictReader)
    labels = np.empty(len(rows), np.int64)
    seen = np.zeros(len(rows), bool)
    for line, row in enumerate(rows, start=2):
        try:
            i, word = int(row["index"]), row["word"]
        except (KeyError, TypeError, ValueError):
            raise SubmissionError(f"{path}, line {line}: expected columns index,word") from None
        if word not in index or not 0 <= i < len(rows) or seen[i]:
            raise SubmissionError(f"{path}, line {line}: bad row {row}")
        labels[i], seen[i] = index[word], True
    return labels
