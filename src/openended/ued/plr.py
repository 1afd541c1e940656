"""Prioritized Level Replay (Jiang et al. 2021a) and its robust variant PLR⊥ (Jiang et al. 2021b): the
curriculum curates a buffer of levels by score (``level_sampler.py``) and, each update, either generates new
levels and scores them, or replays levels drawn from the buffer and re-scores them.

- *new levels*: generate a batch, roll out, score and insert them into the buffer; PLR also takes a gradient
  step on them (exploratory updates), PLR⊥ does not (it learns only from replayed levels);
- *replay*: sample levels from the buffer, visit them (learning), re-score them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
from flax import struct
from flax.training.train_state import TrainState

from openended.core import scores as S
from openended.ued.config import UEDConfig
from openended.ued.level_sampler import LevelSampler, SamplerState
from openended.ued.ppo import Transition
from openended.ued.train import MUTATE, NEW, REPLAY, Trainer


@struct.dataclass
class PLRState:
    train: TrainState
    sampler: SamplerState
    key: jax.Array
    update: jax.Array
    replayed: jax.Array  # buffer indices of the last replay batch (ACCEL mutates them next)
    mutate_next: jax.Array


def level_scores(
    cfg: UEDConfig, domain: Any, traj: Transition, advantages: jax.Array, max_returns: jax.Array, levels: Any
) -> tuple[jax.Array, jax.Array]:
    """Each environment's level score (``cfg.plr.score``) and updated best return."""
    best = S.max_episode_return(traj.reward, traj.done, max_returns, xp=jnp)
    if cfg.plr.score == "oracle" and domain.fixed_score is not None:
        score = jax.vmap(domain.fixed_score)(levels)
    elif cfg.plr.score == "oracle":
        optimal = jax.vmap(lambda lv: domain.oracle_value(lv, cfg.ppo.gamma))(levels)
        score = S.oracle_regret(optimal, traj.reward, traj.done, cfg.ppo.gamma, xp=jnp)
    elif cfg.plr.score == "max_mc":
        score = S.max_mc(traj.value, traj.done, best, xp=jnp)
    elif cfg.plr.score == "pvl":
        score = S.positive_value_loss(advantages, traj.done, xp=jnp)
    else:
        solved, _, valid = S.completed_episodes((traj.reward > 0).astype(jnp.float32), traj.done, xp=jnp)
        n = jnp.sum(valid, axis=0)
        rate = jnp.sum(solved, axis=0) / jnp.maximum(n, 1)
        score = jnp.where(n > 0, S.learnability(rate, xp=jnp), -jnp.inf)
    return score, best


Branch = Callable[[PLRState, jax.Array], tuple[PLRState, dict[str, jax.Array]]]


class PLR(Trainer[PLRState]):
    """PLR with exploratory gradient updates on new levels."""

    uses_buffer = True
    learns_on_new_levels: ClassVar[bool] = True
    mutates: ClassVar[bool] = False  # ACCEL: the update after a replay edits the replayed levels

    def __init__(self, cfg: UEDConfig) -> None:
        super().__init__(cfg)
        self.sampler = LevelSampler(cfg.plr)

    def init(self, key: jax.Array) -> PLRState:
        k_params, k_level, key = jax.random.split(key, 3)
        level = self.domain.sample_level(k_level)
        state = PLRState(
            train=self.student.init(k_params, level),
            sampler=self.sampler.init(level),
            key=key,
            update=jnp.zeros((), jnp.int32),
            replayed=jnp.zeros(self.cfg.num_envs, jnp.int32),
            mutate_next=jnp.zeros((), bool),
        )
        return jax.device_put(state, self.replicated)

    def scores(
        self, traj: Transition, advantages: jax.Array, max_returns: jax.Array, levels: Any
    ) -> tuple[jax.Array, jax.Array]:
        return level_scores(self.cfg, self.domain, traj, advantages, max_returns, levels)

    def _on_new(self, state: PLRState, key: jax.Array) -> tuple[PLRState, dict[str, jax.Array]]:
        cfg = self.cfg
        k_gen, k_roll = jax.random.split(key)
        levels = self.new_levels(k_gen)
        train, info = state.train, self.student.no_learning()
        if self.learns_on_new_levels:
            train, traj, adv, info = self.student.visit_and_learn(k_roll, train, levels)
        else:
            traj, adv, _ = self.student.rollout(k_roll, train, levels)
        score, best = self.scores(traj, adv, jnp.full(cfg.num_envs, -jnp.inf), levels)
        sampler, _ = self.sampler.insert_batch(state.sampler, levels, score, best)
        metrics = {**self.student.rollout_metrics(traj), **info, "branch": jnp.int32(NEW)}
        return replace(state, train=train, sampler=sampler, mutate_next=jnp.zeros((), bool)), metrics

    def _on_replay(self, state: PLRState, key: jax.Array) -> tuple[PLRState, dict[str, jax.Array]]:
        k_sample, k_visit = jax.random.split(key)
        sampler, idx = self.sampler.sample(state.sampler, k_sample, self.cfg.num_envs)
        levels = self.sampler.get(sampler, idx)
        train, traj, adv, info = self.student.visit_and_learn(k_visit, state.train, levels)
        score, best = self.scores(traj, adv, sampler.max_returns[idx], levels)
        sampler = self.sampler.update_batch(sampler, idx, score, best)
        metrics = {**self.student.rollout_metrics(traj), **info, "branch": jnp.int32(REPLAY)}
        return replace(
            state,
            train=train,
            sampler=sampler,
            replayed=idx,
            mutate_next=jnp.asarray(self.mutates),
        ), metrics

    def branches(self) -> list[Branch]:
        """The update's possible branches, indexed by ``NEW``, ``REPLAY`` (and ``MUTATE``)."""
        return [self._on_new, self._on_replay]

    def _step(self, state: PLRState) -> tuple[PLRState, dict[str, jax.Array]]:
        key, k_decide, k_branch = jax.random.split(state.key, 3)
        replay = self.sampler.should_replay(state.sampler, k_decide)
        branch = jnp.where(state.mutate_next, MUTATE, jnp.where(replay, REPLAY, NEW))
        state, metrics = jax.lax.switch(branch, self.branches(), state, k_branch)
        metrics["buffer_size"] = state.sampler.size
        return replace(state, key=key, update=state.update + 1), metrics


class RobustPLR(PLR):
    """PLR⊥: no gradient on new levels, so the student learns only from levels the buffer chose."""

    learns_on_new_levels = False
