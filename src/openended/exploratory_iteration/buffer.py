"""The learnability buffer: task instances scored by how much a GRPO group disagrees on them.

ExIt's buffer (paper §3): capacity N; an entry's score S is the variance of its group's returns rescaled to
[0, 1] (zero when every rollout scored the same: such a group teaches GRPO nothing); a new entry replaces the
lowest-scored one only if it scores at least as high; entries are sampled with probability
``exp(κ S_i) / Σ_j exp(κ S_j)`` — ``core.replay``'s softmax prioritization at temperature 1/κ.

It holds any items, so a plain TRL ``GRPOTrainer`` script can use it to pick prompts by how the model is
doing (see the README's example): score each prompt's group with :func:`group_learnability` and put the
prompts back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from openended.core.replay import score_weights
from openended.core.scores import group_return_variance

T = TypeVar("T")


def group_learnability(rewards: Sequence[float], group_size: int) -> np.ndarray:
    """Learnability of each consecutive group of ``group_size`` rewards: the variance of the group's
    returns (rewards must lie in [0, 1]; for 0/1 rewards it is ``p (1 - p)``)."""
    r = np.asarray(rewards, dtype=np.float64)
    if r.size % group_size:
        raise ValueError(f"{r.size} rewards do not make groups of {group_size}")
    if r.size and (r.min() < 0.0 or r.max() > 1.0):
        raise ValueError("learnability needs returns rescaled to [0, 1]")
    return group_return_variance(r.reshape(-1, group_size), axis=1)


@dataclass
class Entry(Generic[T]):
    item: T
    score: float
    added: int  # the insertion counter when it came in (for reports: the buffer's age structure)


class LearnabilityBuffer(Generic[T]):
    def __init__(self, capacity: int, min_size: int = 1, kappa: float = 1.0) -> None:
        if capacity < 1 or not 1 <= min_size <= capacity or kappa <= 0:
            raise ValueError("need capacity >= 1, 1 <= min_size <= capacity and kappa > 0")
        self.capacity, self.min_size, self.kappa = capacity, min_size, kappa
        self.entries: list[Entry[T]] = []
        self.inserted = 0  # entries ever admitted
        self.rejected = 0  # candidates that scored below a full buffer's minimum

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def ready(self) -> bool:
        return len(self.entries) >= self.min_size

    def add(self, item: T, score: float) -> bool:
        """Insert ``item``; when full it replaces the lowest-scored entry if ``score`` is at least that
        entry's (paper §3). Returns whether it went in."""
        entry = Entry(item, float(score), self.inserted)
        if len(self.entries) < self.capacity:
            self.entries.append(entry)
        else:
            low = min(range(len(self.entries)), key=lambda i: self.entries[i].score)
            if score < self.entries[low].score:
                self.rejected += 1
                return False
            self.entries[low] = entry
        self.inserted += 1
        return True

    def probabilities(self) -> np.ndarray:
        scores = np.array([e.score for e in self.entries], dtype=np.float64)
        return np.asarray(score_weights(scores, np.ones(len(scores), bool), "softmax", 1.0 / self.kappa))

    def sample(self, rng: np.random.Generator) -> tuple[int, T]:
        """An entry's index and item, drawn with probability ∝ exp(κ S)."""
        if not self.entries:
            raise IndexError("sample from an empty buffer")
        i = int(rng.choice(len(self.entries), p=self.probabilities()))
        return i, self.entries[i].item

    def rescore(self, index: int, item: T, score: float) -> None:
        """Give a sampled entry its fresh score, if it is still where it was sampled from."""
        if index < len(self.entries) and self.entries[index].item is item:
            self.entries[index].score = float(score)

    def scores(self) -> np.ndarray:
        return np.array([e.score for e in self.entries], dtype=np.float64)

    def state(self, encode: Any = None) -> dict[str, Any]:
        enc = encode or (lambda x: x)
        return {
            "entries": [{"item": enc(e.item), "score": e.score, "added": e.added} for e in self.entries],
            "inserted": self.inserted,
            "rejected": self.rejected,
        }

    def load_state(self, state: dict[str, Any], decode: Any = None) -> None:
        dec = decode or (lambda x: x)
        self.entries = [Entry(dec(e["item"]), float(e["score"]), int(e["added"])) for e in state["entries"]]
        self.inserted, self.rejected = int(state["inserted"]), int(state["rejected"])
