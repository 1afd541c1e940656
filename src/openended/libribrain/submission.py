"""Competition submissions: the two CSV formats, a validator, and F1-macro scoring with its conventions.

- Speech: ``idx,speech_prob``, one row per holdout time point (560,638 for the 2025 holdout), ``idx`` =
  ``0..N-1`` (the start of the window in the competition's stride-1 enumeration), probabilities in [0, 1].
- Phoneme: ``segment_idx,phoneme_1,…,phoneme_39``, one row per averaged holdout segment (2,382), column
  ``phoneme_k`` = class id ``k - 1`` of the alphabetical 39; each row a probability distribution.

Scoring (:func:`f1_macro`): the mean over a *fixed class set* of per-class F1. Speech: classes {silence,
speech}, a time point is speech when its probability is ≥ ``threshold`` (0.5; the competition did not publish
its threshold). Phoneme: argmax over the 39 columns; ``absent="zero"`` counts a class absent from both
labels and predictions as F1 = 0 over all 39 (pnpl's ``evaluate_submission``), ``absent="skip"`` leaves it
out (scikit-learn's and torchmetrics' default). On a holdout where every class occurs they agree.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import numpy as np

from openended.core.errors import UserError
from openended.libribrain.constants import PHONEME_CLASSES

SPEECH_HEADER = ("idx", "speech_prob")
PHONEME_HEADER = ("segment_idx", *(f"phoneme_{k}" for k in range(1, PHONEME_CLASSES + 1)))


class SubmissionError(UserError, ValueError):
    """A submission file that the competition would reject; the message names the problem."""


def write_speech(path: str | os.PathLike, probs: np.ndarray, expected: int | None = None) -> Path:
    probs = np.asarray(probs, dtype=np.float64).reshape(-1)
    _check_speech(probs, expected, str(path))
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(SPEECH_HEADER)
        w.writerows((i, repr(float(p))) for i, p in enumerate(probs))
    return Path(path)


def write_phoneme(path: str | os.PathLike, probs: np.ndarray, expected: int | None = None) -> Path:
    probs = np.asarray(probs, dtype=np.float64)
    _check_phoneme(probs, expected, str(path))
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(PHONEME_HEADER)
        w.writerows([i, *map(repr, map(float, row))] for i, row in enumerate(probs))
    return Path(path)


def read_submission(path: str | os.PathLike, task: str, expected: int | None = None) -> np.ndarray:
    """Parse and validate a submission; returns speech probabilities ``(N,)`` or phoneme ``(N, 39)``."""
    header = SPEECH_HEADER if task == "speech" else PHONEME_HEADER if task == "phoneme" else None
    if header is None:
        raise ValueError(f"task must be 'speech' or 'phoneme', got {task!r}")
    name = str(path)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise SubmissionError(f"{name}: empty file")
    if tuple(c.strip() for c in rows[0]) != header:
        shown = ",".join(rows[0][:4]) + ("…" if len(rows[0]) > 4 else "")
        raise SubmissionError(
            f"{name}: wrong header {shown!r}; a {task} submission starts with "
            f"{','.join(header[:3])}{'…' if len(header) > 3 else ''} ({len(header)} columns)"
        )
    body = rows[1:]
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise SubmissionError(f"{name}, line {line}: {len(row)} columns, expected {len(header)}")
    try:
        values = np.array([[float(c) for c in row] for row in body], dtype=np.float64).reshape(len(body), -1)
    except ValueError as err:
        raise SubmissionError(f"{name}: a value is not a number ({err})") from err
    idx = values[:, 0]
    if len(idx) and not np.array_equal(idx, np.arange(len(idx))):
        first = int(np.argmax(idx != np.arange(len(idx))))
        raise SubmissionError(f"{name}, line {first + 2}: {header[0]} must run 0, 1, 2, … in order")
    probs = values[:, 1:]
    if task == "speech":
        probs = probs[:, 0]
        _check_speech(probs, expected, name)
    else:
        _check_phoneme(probs, expected, name)
    return probs


def _check_count(n: int, expected: int | None, name: str) -> None:
    if expected is not None and n != expected:
        raise SubmissionError(f"{name}: {n} prediction rows, the holdout has {expected}")


def _check_finite_unit(probs: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(probs)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise SubmissionError(f"{name}: NaN or infinite probability in prediction row {row} (line {row + 2})")
    out = (probs < 0) | (probs > 1)
    if out.any():
        row = int(np.argwhere(out)[0][0])
        raise SubmissionError(f"{name}: probability outside [0, 1] in prediction row {row} (line {row + 2})")


def _check_speech(probs: np.ndarray, expected: int | None, name: str) -> None:
    _check_count(len(probs), expected, name)
    _check_finite_unit(probs, name)


def _check_phoneme(probs: np.ndarray, expected: int | None, name: str) -> None:
    if probs.ndim != 2 or probs.shape[1] != PHONEME_CLASSES:
        raise SubmissionError(
            f"{name}: phoneme predictions need {PHONEME_CLASSES} columns, got {probs.shape}"
        )
    _check_count(len(probs), expected, name)
    _check_finite_unit(probs, name)
    sums = probs.sum(axis=1)
    off = np.abs(sums - 1) > 1e-3
    if off.any():
        row = int(np.argmax(off))
        raise SubmissionError(
            f"{name}: prediction row {row} sums to {sums[row]:.4f}; each row must be a probability "
            "distribution"
        )


def f1_per_class(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-class F1 and whether the class occurs in labels or predictions."""
    y_true, y_pred = np.asarray(y_true).astype(np.int64), np.asarray(y_pred).astype(np.int64)
    tp = np.bincount(y_true[y_true == y_pred], minlength=n_classes).astype(np.float64)
    pred = np.bincount(y_pred, minlength=n_classes).astype(np.float64)
    true = np.bincount(y_true, minlength=n_classes).astype(np.float64)
    denom = pred + true
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    return f1[:n_classes], (denom > 0)[:n_classes]


def f1_macro(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, absent: str = "zero") -> float:
    if absent not in ("zero", "skip"):
        raise ValueError(f"absent must be 'zero' or 'skip', got {absent!r}")
    f1, present = f1_per_class(y_true, y_pred, n_classes)
    if absent == "skip":
        return float(f1[present].mean()) if present.any() else math.nan
    return float(f1.mean())


def score_speech(probs: np.ndarray, labels: np.ndarray, threshold: float = 0.5) -> float:
    """F1-macro over {silence, speech} of thresholded per-time-point probabilities."""
    return f1_macro(np.asarray(labels), (np.asarray(probs) >= threshold).astype(np.int64), 2, absent="zero")


def score_phoneme(probs: np.ndarray, labels: np.ndarray, absent: str = "zero") -> float:
    """F1-macro over the 39 classes of argmax predictions."""
    return f1_macro(np.asarray(labels), np.asarray(probs).argmax(axis=1), PHONEME_CLASSES, absent)
