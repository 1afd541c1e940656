"""What a search policy is: given the journal, the next operator and its parents; told each finished node.

Policies differ only here (aira-dojo's split, ``src/dojo/solvers/``): operators, execution and analysis are
shared. A policy owns its statistics; it keeps what it cannot rebuild from the journal in ``state()`` (JSON),
so a run resumes where it stopped.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from openended.aira.journal import Journal, Node


@dataclass(frozen=True)
class Action:
    operator: str  # draft | improve | debug | crossover
    parents: tuple[int, ...] = ()


class SearchPolicy(ABC):
    name: str

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    @abstractmethod
    def next(self, journal: Journal) -> Action:
        """The next node to create."""

    def observe(self, journal: Journal, node: Node) -> None:  # noqa: B027 - optional hook
        """``node`` (already in the journal) was executed and analysed."""

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any], journal: Journal) -> None:  # noqa: B027 - optional hook
        """Restore what ``state`` returned, for the search recorded in ``journal``."""


def normalizer(journal: Journal) -> tuple[float, float]:
    """Global min and max of the fitness of good nodes (MCTS normalizes Q with them)."""
    fits = [journal.fitness(n) for n in journal.good_nodes]
    fits = [f for f in fits if math.isfinite(f)]
    return (min(fits), max(fits)) if fits else (0.0, 0.0)


def normalize(value: float, lo: float, hi: float) -> float:
    # halves: hi - lo overflows to inf for printed metrics near the float range (then inf / inf = nan)
    return 0.5 if hi <= lo else (value / 2 - lo / 2) / (hi / 2 - lo / 2)


def softmax_choice(
    rng: np.random.Generator, scores: list[float], temperature: float, k: int = 1
) -> list[int]:
    """``k`` distinct indices drawn without replacement with probabilities softmax(scores / T)."""
    s = np.asarray(scores, dtype=float) / max(temperature, 1e-8)
    p = np.exp(s - s.max())
    return [int(i) for i in rng.choice(len(s), size=min(k, len(s)), replace=False, p=p / p.sum())]
