"""Quality-diversity grid archive (MAP-Elites, Mouret & Clune 2015; Rainbow Teaming's prompt archive).

The measure space is a grid: each dimension is :class:`Categorical` (a fixed list of labels, e.g. risk
category) or :class:`Binned` (a continuous interval cut into equal bins; values outside are clipped to the
edge bins). Each cell holds at most one elite. A candidate enters an empty cell; it replaces the incumbent
when its objective is strictly higher, or, with a pairwise ``compare(candidate, incumbent)`` callback, when
the callback says it wins (Rainbow Teaming's judge), in which case objectives may be absent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import numpy as np

from openended.core.serialize import load_tree, save_tree


@dataclass(frozen=True)
class Categorical:
    """A measure dimension with named values; a measure is a label or its integer index."""

    name: str
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.labels or len(set(self.labels)) != len(self.labels):
            raise ValueError(f"dimension {self.name!r}: labels must be non-empty and distinct")

    @property
    def size(self) -> int:
        return len(self.labels)

    def index(self, value: Any) -> int:
        if isinstance(value, str):
            try:
                return self.labels.index(value)
            except ValueError:
                raise ValueError(f"dimension {self.name!r}: unknown label {value!r}") from None
        i = int(value)
        if not 0 <= i < self.size or i != value:
            raise ValueError(f"dimension {self.name!r}: index {value!r} outside 0..{self.size - 1}")
        return i

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "categorical", "name": self.name, "labels": list(self.labels)}


@dataclass(frozen=True)
class Binned:
    """A continuous measure dimension on ``[low, high]`` cut into ``bins`` equal bins."""

    name: str
    low: float
    high: float
    bins: int

    def __post_init__(self) -> None:
        if not self.high > self.low or self.bins < 1:
            raise ValueError(f"dimension {self.name!r}: needs low < high and bins >= 1")

    @property
    def size(self) -> int:
        return self.bins

    def index_array(self, values: np.ndarray) -> np.ndarray:
        scaled = (np.asarray(values, dtype=float) - self.low) / (self.high - self.low) * self.bins
        if np.isnan(scaled).any():
            raise ValueError(f"dimension {self.name!r}: NaN measure")
        return np.clip(np.floor(scaled), 0, self.bins - 1).astype(np.int64)

    def index(self, value: Any) -> int:
        return int(self.index_array(np.asarray([value]))[0])

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "binned", "name": self.name, "low": self.low, "high": self.high, "bins": self.bins}


Dimension = Categorical | Binned


def dimension_from_dict(d: dict[str, Any]) -> Dimension:
    if d["kind"] == "categorical":
        return Categorical(d["name"], tuple(d["labels"]))
    return Binned(d["name"], float(d["low"]), float(d["high"]), int(d["bins"]))


class Status(IntEnum):
    """Outcome of offering a candidate to the archive."""

    NOT_ADDED = 0
    IMPROVED = 1
    NEW = 2


@dataclass
class Elite:
    """One archive entry: the solution, where it sits, how good it is, and free-form metadata."""

    cell: tuple[int, ...]
    measures: tuple[Any, ...]
    objective: float | None
    solution: Any
    metadata: dict[str, Any] = field(default_factory=dict)


Comparator = Callable[[Elite, Elite], bool]


class GridArchive:
    """A grid of elites over categorical and binned measure dimensions."""

    def __init__(self, dims: Sequence[Dimension]) -> None:
        if not dims:
            raise ValueError("an archive needs at least one measure dimension")
        self.dims: tuple[Dimension, ...] = tuple(dims)
        self.shape = tuple(d.size for d in self.dims)
        self.n_cells = int(np.prod(self.shape))
        self._objective = np.full(self.n_cells, np.nan)
        self._elites: dict[int, Elite] = {}

    # -- indexing --------------------------------------------------------------------------------
    def cell_of(self, measures: Sequence[Any]) -> tuple[int, ...]:
        if len(measures) != len(self.dims):
            raise ValueError(f"expected {len(self.dims)} measures, got {len(measures)}")
        return tuple(d.index(m) for d, m in zip(self.dims, measures, strict=True))

    def _flat(self, cell: tuple[int, ...]) -> int:
        return int(np.ravel_multi_index(cell, self.shape))

    # -- insertion -------------------------------------------------------------------------------
    def add(
        self,
        solution: Any,
        measures: Sequence[Any],
        objective: float | None = None,
        *,
        compare: Comparator | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Status:
        """Offer one candidate. Without ``compare`` it needs an ``objective`` and wins on a strictly
        higher one; with ``compare`` the callback decides against the incumbent."""
        if compare is None and (objective is None or np.isnan(objective)):
            raise ValueError("add() needs a numeric objective or a compare callback")
        cell = self.cell_of(measures)
        flat = self._flat(cell)
        candidate = Elite(
            cell,
            tuple(measures),
            None if objective is None else float(objective),
            solution,
            dict(metadata or {}),
        )
        incumbent = self._elites.get(flat)
        if incumbent is None:
            status = Status.NEW
        elif compare is not None:
            status = Status.IMPROVED if compare(candidate, incumbent) else Status.NOT_ADDED
        else:
            inc, new = incumbent.objective, float(objective)  # type: ignore[arg-type]  # checked above
            status = Status.IMPROVED if inc is None or new > inc else Status.NOT_ADDED
        if status is not Status.NOT_ADDED:
            self._elites[flat] = candidate
            self._objective[flat] = np.nan if candidate.objective is None else candidate.objective
        return status

    def add_batch(
        self,
        solutions: np.ndarray,
        measures: np.ndarray,
        objectives: np.ndarray,
    ) -> np.ndarray:
        """Offer a batch of numeric candidates at once (vectorized); returns a :class:`Status` per row.

        Equivalent to calling :meth:`add` in order, except that among candidates for the same cell only the
        best of the batch can enter (ties go to the earliest).
        """
        measures = np.asarray(measures)
        objectives = np.asarray(objectives, dtype=float)
        n = len(objectives)
        if measures.shape != (n, len(self.dims)) or len(solutions) != n:
            raise ValueError(f"expected {n} solutions and measures of shape ({n}, {len(self.dims)})")
        if np.isnan(objectives).any():
            raise ValueError("objectives must not be NaN")
        cols = []
        for j, d in enumerate(self.dims):
            if isinstance(d, Binned):
                cols.append(d.index_array(measures[:, j]))
            else:
                cols.append(np.array([d.index(m) for m in measures[:, j]], dtype=np.int64))
        flat = np.ravel_multi_index(tuple(cols), self.shape)
        # Best candidate per cell within the batch: sort by cell, then objective descending, then order.
        order = np.lexsort((np.arange(n), -objectives, flat))
        first = np.ones(n, dtype=bool)
        first[1:] = flat[order][1:] != flat[order][:-1]
        best = order[first]
        incumbent = self._objective[flat[best]]
        empty = np.isnan(incumbent) & np.array([int(f) not in self._elites for f in flat[best]])
        wins = empty | (objectives[best] > np.nan_to_num(incumbent, nan=-np.inf))
        status = np.zeros(n, dtype=np.int64)
        status[best[wins]] = np.where(empty[wins], Status.NEW, Status.IMPROVED)
        for i in best[wins]:
            f = int(flat[i])
            cell = tuple(int(c[i]) for c in cols)
            self._elites[f] = Elite(cell, tuple(measures[i].tolist()), float(objectives[i]), solutions[i])
            self._objective[f] = objectives[i]
        return status

    # -- access and statistics -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._elites)

    def __iter__(self) -> Iterator[Elite]:
        return iter(self._elites[k] for k in sorted(self._elites))

    def get(self, cell_or_measures: Sequence[Any], *, is_cell: bool = False) -> Elite | None:
        cell = tuple(cell_or_measures) if is_cell else self.cell_of(cell_or_measures)
        return self._elites.get(self._flat(cell))

    @property
    def coverage(self) -> float:
        """Fraction of cells holding an elite."""
        return len(self._elites) / self.n_cells

    def qd_score(self, offset: float = 0.0) -> float:
        """Sum over elites of ``objective - offset`` (``offset`` makes objectives non-negative, as in
        pyribs); elites without an objective count zero."""
        vals = self._objective[~np.isnan(self._objective)]
        return float(np.sum(vals - offset))

    def best(self) -> Elite | None:
        """The elite with the highest objective (``None`` if no elite has one)."""
        if np.isnan(self._objective).all():
            return None
        return self._elites[int(np.nanargmax(self._objective))]

    def objective_grid(self) -> np.ndarray:
        """Objectives shaped like the grid, NaN where empty."""
        return self._objective.reshape(self.shape).copy()

    def sample_elites(self, n: int, rng: np.random.Generator) -> list[Elite]:
        """``n`` elites drawn uniformly with replacement (MAP-Elites' parent selection)."""
        if not self._elites:
            raise ValueError("cannot sample from an empty archive")
        keys = sorted(self._elites)
        return [self._elites[keys[i]] for i in rng.integers(len(keys), size=n)]

    def stats(self, offset: float = 0.0) -> dict[str, float]:
        best = self.best()
        return {
            "coverage": self.coverage,
            "qd_score": self.qd_score(offset),
            "num_elites": len(self),
            "best_objective": np.nan if best is None or best.objective is None else best.objective,
        }

    # -- persistence -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        keys = sorted(self._elites)
        elites = [self._elites[k] for k in keys]
        sols: Any = [e.solution for e in elites]
        stackable = sols and all(isinstance(s, np.ndarray) and s.shape == sols[0].shape for s in sols)
        return {
            "dims": [d.to_dict() for d in self.dims],
            "cells": np.array(keys, dtype=np.int64),
            "objectives": np.array([np.nan if e.objective is None else e.objective for e in elites]),
            "measures": [list(e.measures) for e in elites],
            "solutions": np.stack(sols) if stackable else sols,
            "metadata": [e.metadata for e in elites],
        }

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> GridArchive:
        archive = cls([dimension_from_dict(d) for d in state["dims"]])
        for i, flat in enumerate(np.asarray(state["cells"]).tolist()):
            obj = float(state["objectives"][i])
            cell = tuple(int(c) for c in np.unravel_index(flat, archive.shape))
            archive._elites[flat] = Elite(
                cell,
                tuple(state["measures"][i]),
                None if np.isnan(obj) else obj,
                state["solutions"][i],
                state["metadata"][i],
            )
            archive._objective[flat] = obj
        return archive

    def save(self, path: str | os.PathLike) -> Path:
        return save_tree(path, self.state_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> GridArchive:
        return cls.from_state_dict(load_tree(path))
