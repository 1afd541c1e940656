"""Score functions that estimate how useful a level or task is to train on.

- positive value loss (PVL; Jiang et al. 2021, PLR): time-average of ``max(A_t, 0)`` with GAE advantages;
- MaxMC (Jiang et al. 2021, robust PLR): time-average of ``R_max - V(s_t)``, ``R_max`` the highest return
  ever achieved on the level;
- learnability ``p (1 - p)`` for success rate ``p`` (Tzannetos et al. 2023; Rutherford et al. 2024, SFL);
- group-return variance, the spread of returns of several attempts at one task (ExIt's selection signal);
- oracle regret ``V*(θ) − discounted return`` where the optimal value is known (ReMiDi's toy domains).

Rollout scores follow JaxUED: average over each *completed* episode's time steps, then over the rollout's
completed episodes; a rollout without a completed episode scores ``-inf`` (oracle regret excepted, see
there). Rollout arrays have time on axis
0 and any number of trailing batch axes. Like ``core.replay`` everything takes ``xp`` (numpy or jax.numpy).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def completed_episodes(values: Any, dones: Any, xp: Any = np) -> tuple[Any, Any, Any]:
    """Per completed episode in a rollout: sum of ``values``, length, and a validity mask.

    ``dones[t]`` marks that the episode ends at step ``t`` (step ``t`` included). Outputs have the shape of
    ``values``; row ``k`` describes the ``k``-th completed episode, rows past the last one are invalid.
    """
    values = xp.asarray(values)
    dones = xp.asarray(dones, dtype=bool)
    horizon = values.shape[0]
    t = xp.arange(horizon).reshape((horizon,) + (1,) * (values.ndim - 1))
    ends = xp.sort(xp.where(dones, t, horizon), axis=0)
    valid = ends < horizon
    starts = xp.concatenate([xp.full((1, *ends.shape[1:]), -1, dtype=ends.dtype), ends[:-1]], axis=0)
    csum = xp.cumsum(values, axis=0)
    at_end = xp.take_along_axis(csum, xp.clip(ends, 0, horizon - 1), axis=0)
    before = xp.where(starts >= 0, xp.take_along_axis(csum, xp.clip(starts, 0, horizon - 1), axis=0), 0.0)
    sums = xp.where(valid, at_end - before, 0.0)
    lengths = xp.where(valid, ends - starts, 0)
    return sums, lengths, valid


def rollout_score(values: Any, dones: Any, xp: Any = np) -> Any:
    """Mean over completed episodes of the episode's time-average of ``values``; ``-inf`` if none."""
    sums, lengths, valid = completed_episodes(values, dones, xp)
    means = xp.where(valid, sums / xp.maximum(lengths, 1), 0.0)
    n = xp.sum(valid, axis=0)
    return xp.where(n > 0, xp.sum(means, axis=0) / xp.maximum(n, 1), -xp.inf)


def positive_value_loss(advantages: Any, dones: Any, xp: Any = np) -> Any:
    """PVL: rollout score of ``max(A_t, 0)``."""
    return rollout_score(xp.maximum(xp.asarray(advantages), 0.0), dones, xp)


def max_mc(values: Any, dones: Any, max_returns: Any, xp: Any = np) -> Any:
    """MaxMC: rollout score of ``R_max - V(s_t)``; ``max_returns`` has the batch shape (one per level)."""
    return rollout_score(xp.asarray(max_returns) - xp.asarray(values), dones, xp)


def episode_returns(rewards: Any, dones: Any, xp: Any = np) -> tuple[Any, Any]:
    """Undiscounted returns of the completed episodes of a rollout, and their validity mask."""
    sums, _, valid = completed_episodes(rewards, dones, xp)
    return sums, valid


def discounted_episode_returns(rewards: Any, dones: Any, gamma: float, xp: Any = np) -> tuple[Any, Any]:
    """Returns of the completed episodes discounted from each episode's first step (``γ^i`` for its ``i``-th
    reward), and their validity mask."""
    rewards = xp.asarray(rewards, dtype=xp.float32)
    dones = xp.asarray(dones, dtype=bool)
    horizon = rewards.shape[0]
    t = xp.arange(horizon).reshape((horizon,) + (1,) * (rewards.ndim - 1))
    sums, lengths, valid = completed_episodes(rewards * gamma**t, dones, xp)
    ends = xp.sort(xp.where(dones, t, horizon), axis=0)
    starts = xp.where(valid, ends - lengths + 1, 0)
    return xp.where(valid, sums / gamma**starts, 0.0), valid


def oracle_regret(optimal_value: Any, rewards: Any, dones: Any, gamma: float, xp: Any = np) -> Any:
    """Regret against an oracle: ``V*(θ)`` minus the mean discounted return of the rollout's completed
    episodes (ReMiDi's ``perfect_regret``). A rollout (which starts at a level reset) with no completed
    episode counts its open episode at the return earned so far, a lower bound, so the level scores an upper
    bound on its regret rather than ``-inf``: with rollouts shorter than the time limit, a policy that never
    finishes an episode would otherwise keep every level out of the buffer and PLR⊥ would never train."""
    rewards = xp.asarray(rewards, dtype=xp.float32)
    returns, valid = discounted_episode_returns(rewards, dones, gamma, xp)
    n = xp.sum(valid, axis=0)
    t = xp.arange(rewards.shape[0]).reshape((rewards.shape[0],) + (1,) * (rewards.ndim - 1))
    partial = xp.sum(rewards * gamma**t, axis=0)
    mean = xp.where(n > 0, xp.sum(returns, axis=0) / xp.maximum(n, 1), partial)
    return xp.asarray(optimal_value) - mean


def max_episode_return(rewards: Any, dones: Any, previous_max: Any, xp: Any = np) -> Any:
    """``R_max`` updated with this rollout's completed episodes (for MaxMC)."""
    returns, valid = episode_returns(rewards, dones, xp)
    return xp.maximum(xp.asarray(previous_max), xp.max(xp.where(valid, returns, -xp.inf), axis=0))


def learnability(success_rate: Any, xp: Any = np) -> Any:
    """``p (1 - p)``: highest for tasks solved half the time, zero for always- or never-solved ones."""
    p = xp.asarray(success_rate)
    return p * (1.0 - p)


def group_return_variance(returns: Any, axis: int = -1, xp: Any = np) -> Any:
    """Population variance of the returns of a group of attempts at the same task."""
    return xp.var(xp.asarray(returns), axis=axis)
