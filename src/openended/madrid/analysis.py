"""What a search's archive says (the paper's §5 questions): how much regret, where on the pitch, against
which references, and how often a nominally weaker reference beats the target and scores."""

from __future__ import annotations

from typing import Any

import numpy as np

from openended.madrid.levels import X_RANGE, Y_RANGE


def summarize(
    archive: dict[str, np.ndarray], references: list[dict[str, Any]], cells: tuple[int, int]
) -> dict[str, Any]:
    """``archive``: the elites' ``solution``, ``objective`` (regret), ``measures``, ``self_play`` and
    ``cross_play``; ``references``: name and kind of each reference, in archive-slot order."""
    regret = np.asarray(archive["objective"], np.float64)
    xp = np.asarray(archive["cross_play"], np.float64)
    slot = np.floor(np.asarray(archive["measures"])[:, 2]).astype(int) if len(regret) else np.zeros(0, int)
    beats = regret > 0
    per_ref = []
    for r, ref in enumerate(references):
        mine = regret[slot == r]
        per_ref.append(
            {
                **ref,
                "elites": len(mine),
                "mean_regret": float(mine.mean()) if len(mine) else None,
                "share_beats_target": float((mine > 0).mean()) if len(mine) else None,
            }
        )
    # the target's earlier snapshots are the references weaker by construction (the paper's TiZero
    # checkpoints); a scripted team's strength against our target is measured, not given
    weaker = np.isin(slot, [r for r, ref in enumerate(references) if ref.get("kind") == "snapshot"])
    weaker_beats = beats & weaker
    total = cells[0] * cells[1] * len(references)
    return {
        "elites": len(regret),
        "coverage": len(regret) / total if total else 0.0,
        "mean_regret": float(regret.mean()) if len(regret) else None,
        "max_regret": float(regret.max()) if len(regret) else None,
        # the paper's ~90 %: levels where a (nominally weaker) reference does better than the target itself
        "share_reference_beats_target": float(beats.mean()) if len(regret) else None,
        # the paper's ~70 %: of those, the levels where the reference's games end with it ahead (it scored)
        "share_reference_scores": float((xp[beats] > 0).mean()) if beats.any() else None,
        "share_snapshot_beats_target": float(weaker_beats.sum() / weaker.sum()) if weaker.any() else None,
        "share_snapshot_scores": float((xp[weaker_beats] > 0).mean()) if weaker_beats.any() else None,
        "per_reference": per_ref,
    }


def pitch_cells(measures: np.ndarray, cells: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) cell of each elite's ball start (its first two measures)."""
    m = np.asarray(measures)
    ix = np.clip(((m[:, 0] - X_RANGE[0]) / (X_RANGE[1] - X_RANGE[0]) * cells[0]).astype(int), 0, cells[0] - 1)
    iy = np.clip(((m[:, 1] - Y_RANGE[0]) / (Y_RANGE[1] - Y_RANGE[0]) * cells[1]).astype(int), 0, cells[1] - 1)
    return ix, iy


def pitch_map(archive: dict[str, np.ndarray], cells: tuple[int, int]) -> np.ndarray:
    """Highest regret over the references in each (x, y) cell of the ball's start; NaN where empty."""
    heat = np.full(cells, np.nan)
    if len(archive["objective"]) == 0:
        return heat
    ix, iy = pitch_cells(np.asarray(archive["measures"]), cells)
    for x, y, v in zip(ix, iy, np.asarray(archive["objective"]), strict=True):
        heat[x, y] = v if np.isnan(heat[x, y]) else max(heat[x, y], v)
    return heat
