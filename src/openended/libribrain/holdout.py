"""The competition's holdout procedure, on the real holdout files or emulated on any labelled run.

- Speech: one continuous run; one prediction per time point. A centre-predicting model (the reference)
  scores time point ``t`` with the window centred on ``t`` (starting ``t - n/2``; zero-padded at the edges).
  Windows are evaluated every ``stride`` samples and linearly interpolated between (``stride = 1`` is exact).
- Phoneme: onset windows standardized with the holdout's *own* statistics, averaged over 100 same-phoneme
  trials (fewer for rare phonemes), shuffled with seed 42; the real holdout ships as a ``(2382, 306, 125)``
  tensor of such averages.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from openended.libribrain.constants import PHONEME_HOLDOUT_GROUP, PHONEMES
from openended.libribrain.dataset import AveragedDataset, PhonemeDataset


def speech_timepoint_probs(
    predict: Callable[[np.ndarray], np.ndarray],
    data: np.ndarray,
    window: int,
    stride: int = 1,
    batch: int = 256,
    progress: Callable[[int], object] | None = None,
) -> np.ndarray:
    """P(speech) for every time point of ``data`` (channels × N, standardized) from a centre-label model."""
    n = data.shape[1]
    half = window // 2
    padded = np.pad(data, ((0, 0), (half, window - half)))
    grid = np.arange(0, n, stride)
    if grid[-1] != n - 1:
        grid = np.append(grid, n - 1)
    out = np.empty(len(grid), np.float64)
    for a in range(0, len(grid), batch):
        ts = grid[a : a + batch]
        x = np.stack([padded[:, t : t + window] for t in ts])  # window centred on t
        out[a : a + len(ts)] = predict(x)
        if progress:
            progress(len(ts))
    return np.interp(np.arange(n), grid, out)


def phoneme_holdout(
    ds: PhonemeDataset, group: int = PHONEME_HOLDOUT_GROUP, seed: int = 42
) -> tuple[np.ndarray, np.ndarray]:
    """Averaged, shuffled holdout windows ``(N, channels, samples)`` and their (hidden) labels."""
    avg = AveragedDataset(ds, group)
    order = np.random.default_rng(seed).permutation(len(avg))
    x, y = avg.batch(order)
    return x, y


def load_phoneme_holdout(path: str | os.PathLike) -> np.ndarray:
    """The released phoneme holdout tensor ``(N, 306, 125)`` (already standardized and averaged)."""
    import torch

    x = torch.load(Path(path), map_location="cpu", weights_only=True)
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim != 3:
        raise ValueError(f"{path}: expected (segments, channels, samples), got {arr.shape}")
    return np.clip(arr, -10, 10)


def write_answers(path: str | os.PathLike, task: str, labels: np.ndarray) -> Path:
    """Hidden labels of an emulated holdout, in pnpl's evaluation format."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        if task == "speech":
            w.writerow(("idx", "speech_label"))
        else:
            w.writerow(("segment_idx", "phoneme_label"))
        w.writerows(enumerate(int(v) for v in labels))
    return Path(path)


def read_answers(path: str | os.PathLike) -> np.ndarray:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    values = [r[1] for r in rows]
    if values and not values[0].lstrip("-").isdigit():  # phoneme symbols instead of ids
        return np.array([PHONEMES.index(v.split("_")[0]) for v in values], dtype=np.int64)
    return np.array([int(v) for v in values], dtype=np.int64)
