"""Per-channel standardization as the competition did it: z-score with the mean and standard deviation over
the *whole continuous runs* of a dataset (per-run statistics pooled, weighted by run length), then clipping to
±10. Validation, test and holdout data should get the training statistics (``ChannelStats`` is passed
along); the 2025 holdout was standardized with its own statistics instead, a known distribution shift, which
:func:`instance_normalize` (per-window z-score) counters.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openended.core.paths import cache_dir
from openended.core.serialize import write_text_atomic
from openended.libribrain.constants import CLIP


@dataclass(frozen=True)
class ChannelStats:
    means: np.ndarray  # (channels,), float64
    stds: np.ndarray  # (channels,), float64
    n_samples: int

    @classmethod
    def of(cls, data: np.ndarray, block: int = 4096) -> ChannelStats:
        """Statistics of one run (channels × samples), a few thousand samples at a time (see
        :class:`Moments`: no float64 copy of the run)."""
        if data.shape[1] == 0:
            raise ValueError("no samples to compute channel statistics from")
        moments = Moments()
        for a in range(0, data.shape[1], block):
            moments.add(data[:, a : a + block])
        return moments.stats()

    @classmethod
    def pooled(cls, parts: Sequence[ChannelStats]) -> ChannelStats:
        """Mean and standard deviation of the concatenation of runs, from their own statistics."""
        if not parts:
            raise ValueError("no runs to compute channel statistics from")
        n = np.array([p.n_samples for p in parts], dtype=np.float64)
        means = np.stack([p.means for p in parts])
        variances = np.stack([p.stds for p in parts]) ** 2
        mean = np.average(means, axis=0, weights=n)
        within = (variances * n[:, None]).sum(axis=0)
        between = (((means - mean) ** 2) * n[:, None]).sum(axis=0)
        return cls(mean, np.sqrt((within + between) / n.sum()), int(n.sum()))

    def apply(self, data: np.ndarray, clip: float | None = CLIP, out: np.ndarray | None = None) -> np.ndarray:
        """``clip((x - mean) / std)`` per channel, in float32. A flat channel (std 0) maps to 0."""
        stds = np.where(self.stds > 0, self.stds, np.inf)
        z = np.subtract(data, self.means[:, None].astype(np.float32), out=out, dtype=np.float32)
        z /= stds[:, None].astype(np.float32)
        if clip is not None:
            np.clip(z, -clip, clip, out=z)
        return z

    def to_dict(self) -> dict[str, list[float] | int]:
        return {"means": self.means.tolist(), "stds": self.stds.tolist(), "n_samples": self.n_samples}

    @classmethod
    def from_dict(cls, d: dict) -> ChannelStats:
        return cls(np.asarray(d["means"], np.float64), np.asarray(d["stds"], np.float64), int(d["n_samples"]))


class Moments:
    """Per-channel statistics of a run from its samples block by block — ``channels × samples`` blocks, or
    ``chunks × channels × samples`` ones as the files store them — so a run need never be held whole.

    Each block is shifted by the first block's mean (so that squares do not cancel) and summed in the data's
    own precision — numpy's pairwise summation along a channel × samples block, einsum over each 50-sample
    chunk — and the block sums are accumulated in float64: float32 data get statistics to float32's
    precision (~1e-7 relative, as pnpl's ``np.mean`` / ``np.std`` of the whole run), float64 data float64's,
    several times faster than converting blocks to float64."""

    def __init__(self) -> None:
        self.n = 0
        self._shift: np.ndarray | None = None  # (channels, 1)
        self._total = np.zeros(0)
        self._squares = np.zeros(0)
        self._scratch = np.zeros(0, np.float32)

    def add(self, block: np.ndarray) -> None:
        if block.shape[-1] == 0 or block.size == 0:
            return
        dtype = np.result_type(block.dtype, np.float32)
        if self._shift is None:
            first = block if block.ndim == 2 else block.transpose(1, 0, 2).reshape(block.shape[1], -1)
            self._shift = np.asarray(first, np.float64).mean(axis=1, keepdims=True).astype(dtype)
            self._total = np.zeros(len(self._shift))
            self._squares = np.zeros(len(self._shift))
        if self._scratch.size < block.size or self._scratch.dtype != dtype:
            self._scratch = np.empty(block.size, dtype)
        if block.ndim == 2:
            b = self._scratch[: block.size].reshape(block.shape)
            np.subtract(block, self._shift, out=b)
            self._total += b.sum(axis=1)  # pairwise along each channel's contiguous samples
            np.multiply(b, b, out=b)
            self._squares += b.sum(axis=1)
            self.n += block.shape[1]
            return
        k, channels, length = block.shape
        # the shift repeated over a chunk's samples: one long broadcast instead of one per 50 samples
        flat = self._scratch[: block.size].reshape(k, channels * length)
        np.subtract(block.reshape(k, channels * length), np.repeat(self._shift[:, 0], length), out=flat)
        rows = flat.reshape(-1, length)  # einsum's own loops: 3× numpy's sum over 50 samples, and no BLAS
        self._total += np.einsum("rs->r", rows).reshape(k, channels).sum(axis=0, dtype=np.float64)
        self._squares += np.einsum("rs,rs->r", rows, rows).reshape(k, channels).sum(axis=0, dtype=np.float64)
        self.n += k * length

    def stats(self) -> ChannelStats:
        if self._shift is None or self.n == 0:
            raise ValueError("no samples to compute channel statistics from")
        mean = self._total / self.n
        std = np.sqrt(np.maximum(self._squares / self.n - mean**2, 0.0))
        return ChannelStats(mean + self._shift[:, 0], std, self.n)


def instance_normalize(x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Per-window, per-channel z-score over time (the last axis)."""
    mean = x.mean(axis=-1, keepdims=True)
    std = x.std(axis=-1, keepdims=True)
    return ((x - mean) / (std + eps)).astype(np.float32)


def _cache_file(path: str | os.PathLike) -> Path:
    """Where a run's statistics are kept: keyed by the file's real path, size and modification time, so a
    changed or replaced file is never matched (``$OPENENDED_CACHE/libribrain-stats``)."""
    st = os.stat(path)
    ident = f"{os.path.realpath(path)}|{st.st_size}|{st.st_mtime_ns}"
    return cache_dir() / "libribrain-stats" / f"{hashlib.sha256(ident.encode()).hexdigest()[:32]}.json"


def cached_run_stats(path: str | os.PathLike, channels: int) -> ChannelStats | None:
    """A run's statistics from an earlier construction, or ``None``. Computing them means reading the whole
    run; with them, a dataset's first batches read only their own windows."""
    try:
        d = json.loads(_cache_file(path).read_text())
        stats = ChannelStats.from_dict(d)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return stats if stats.means.shape == (channels,) and stats.stds.shape == (channels,) else None


def store_run_stats(path: str | os.PathLike, stats: ChannelStats) -> None:
    """Keep a run's statistics for the next construction (owner-only files; never beside the data)."""
    try:
        target = _cache_file(path)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_text_atomic(target, json.dumps(stats.to_dict()), mode=0o600)
    except OSError:
        pass  # a cache that cannot be written only costs time
