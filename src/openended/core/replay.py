"""Prioritized replay distribution (Prioritized Level Replay, Jiang et al. 2021; JaxUED's level sampler).

The probability of replaying buffer entry *i* mixes a score term and a staleness term,

    P_replay = (1 - rho) * P_S + rho * P_C,

where ``P_S`` prioritizes high scores and ``P_C ∝ c - C_i`` favours entries not sampled for a while
(``c`` the global episode count, ``C_i`` the count when *i* was last sampled). Score prioritizations:

- ``rank``:    ``P_S ∝ (1 / rank_i) ** (1 / T)`` (PLR's default; rank 1 = highest score);
- ``power``:   ``P_S ∝ max(score_i, 0) ** (1 / T)`` (dcd's ``power`` transform);
- ``softmax``: ``P_S ∝ exp(score_i / T)``.

``top_k`` keeps only the k highest-scored entries in ``P_S``; JaxUED's ``topk`` prioritization is
``softmax`` with ``top_k=k`` and ``T=1``. Entries outside ``valid`` (empty buffer slots) get probability 0.
When every score weight is zero (e.g. ``power`` with all scores <= 0) ``P_S`` is uniform over valid
entries; likewise ``P_C`` when no entry is stale (as in JaxUED).

Every function takes ``xp``, an array namespace (``numpy`` or ``jax.numpy``), and uses only operations both
provide, so the same code runs in a numpy loop and inside ``jax.jit`` (``prioritization`` and ``top_k`` must
then be static).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from openended.core.config import Config, param

Prioritization = Literal["rank", "power", "softmax"]
PRIORITIZATIONS: tuple[str, ...] = ("rank", "power", "softmax")


@dataclass(frozen=True)
class ReplayConfig(Config):
    """Parameters of the replay distribution. Defaults: PLR (Jiang et al. 2021, robust PLR settings in
    JaxUED's maze example): rank prioritization, temperature 0.3, staleness coefficient 0.3."""

    prioritization: Prioritization = param("rank", "score prioritization")
    temperature: float = param(0.3, "temperature T of the score prioritization", gt=0.0)
    staleness_coef: float = param(0.3, "weight rho of the staleness distribution", ge=0.0, le=1.0)
    top_k: int | None = param(None, "keep only the k highest-scored entries in P_S (none: all)", ge=1)


def _normalize(weights: Any, valid: Any, xp: Any) -> Any:
    total = xp.sum(weights)
    uniform = valid / xp.maximum(xp.sum(valid), 1)
    return xp.where(total > 0, weights / xp.where(total > 0, total, 1), uniform)


def _inverse_permutation(order: Any, xp: Any) -> Any:
    positions = xp.arange(order.shape[0])
    if hasattr(order, "at"):  # jax arrays are immutable: functional scatter
        return xp.zeros_like(order).at[order].set(positions)
    inverse = xp.empty_like(order)
    inverse[order] = positions
    return inverse


def ranks(scores: Any, valid: Any, xp: Any = np) -> Any:
    """1-based rank of each entry by descending score; invalid entries rank last, ties by position."""
    masked = xp.where(valid, scores, -xp.inf)
    return _inverse_permutation(xp.argsort(-masked, stable=True), xp) + 1


def score_weights(
    scores: Any,
    valid: Any,
    prioritization: Prioritization = "rank",
    temperature: float = 1.0,
    top_k: int | None = None,
    xp: Any = np,
) -> Any:
    """``P_S``: the score-prioritized distribution over buffer entries."""
    scores = xp.asarray(scores)
    valid = xp.asarray(valid, dtype=bool)
    r = None  # ranks cost a sort: computed only when needed
    if top_k is not None:
        r = ranks(scores, valid, xp)
        valid = valid & (r <= top_k)
    valid_f = valid.astype(scores.dtype)
    if prioritization == "rank":
        r = ranks(scores, valid, xp) if r is None else r
        w = xp.where(valid, (1.0 / r.astype(scores.dtype)) ** (1.0 / temperature), 0.0)
    elif prioritization == "power":
        w = xp.where(valid, xp.maximum(scores, 0.0) ** (1.0 / temperature), 0.0)
    elif prioritization == "softmax":
        masked = xp.where(valid, scores, -xp.inf)
        top = xp.max(masked)
        z = xp.where(valid, (scores - xp.where(xp.isfinite(top), top, 0.0)) / temperature, -xp.inf)
        w = xp.exp(z)
    else:
        raise ValueError(f"prioritization must be one of {PRIORITIZATIONS}, got {prioritization!r}")
    return _normalize(w, valid_f, xp)


def staleness_weights(timestamps: Any, valid: Any, episode_count: Any, xp: Any = np) -> Any:
    """``P_C ∝ c - C_i`` over valid entries."""
    valid = xp.asarray(valid, dtype=bool)
    stale = xp.where(valid, episode_count - xp.asarray(timestamps), 0) * 1.0  # as float
    return _normalize(stale, valid.astype(stale.dtype), xp)


def mix(p_score: Any, p_stale: Any, staleness_coef: float) -> Any:
    """``(1 - rho) * P_S + rho * P_C``: the replay distribution from its two parts."""
    return (1.0 - staleness_coef) * p_score + staleness_coef * p_stale


def replay_distribution(
    scores: Any,
    timestamps: Any,
    valid: Any,
    episode_count: Any,
    prioritization: Prioritization = "rank",
    temperature: float = 1.0,
    staleness_coef: float = 0.5,
    top_k: int | None = None,
    xp: Any = np,
) -> Any:
    """``(1 - rho) * P_S + rho * P_C`` with ``rho = staleness_coef``."""
    p_s = score_weights(scores, valid, prioritization, temperature, top_k, xp)
    p_c = staleness_weights(timestamps, valid, episode_count, xp).astype(p_s.dtype)
    return mix(p_s, p_c, staleness_coef)


def replay_distribution_from(
    cfg: ReplayConfig, scores: Any, timestamps: Any, valid: Any, episode_count: Any, xp: Any = np
) -> Any:
    """:func:`replay_distribution` with the parameters of ``cfg``."""
    return replay_distribution(
        scores,
        timestamps,
        valid,
        episode_count,
        cfg.prioritization,
        cfg.temperature,
        cfg.staleness_coef,
        cfg.top_k,
        xp,
    )
