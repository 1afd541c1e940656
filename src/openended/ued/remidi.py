"""ReMiDi (Beukman et al. 2024, "Refining Minimax Regret for Unsupervised Environment Design").

Once a minimax-regret adversary reaches the regret bound it keeps proposing the same irreducible-regret levels
and learning elsewhere stalls. ReMiDi approximates Bayesian level-perfect minimax regret with ``K`` level
buffers used in sequence, each run as PLR⊥:

- buffer ``k`` trains for ``steps_per_buffer`` updates (new-level and replay updates both count), then
  buffer ``k+1`` takes over; the last one stays;
- every trajectory is replayed, action by action, on all levels of the earlier buffers ``0..k-1``; its
  *divergence step* ``d`` is the first step at which its observation history differs from that of every
  earlier level (``T``, the rollout length, if some earlier level matches it throughout);
- a new level whose whole history matches an earlier level's (``d = T``) is rejected (score −inf): its
  behaviour is already fixed by an earlier buffer;
- on replay the PPO loss is masked to the steps ``t ≥ d`` after divergence.

Consistency is checked per level, on the whole observation history, as the paper defines it; the authors'
code compares each step's observation with *any* earlier level's at that step, a weaker test that can accept
a history no single earlier level produced.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
from flax import struct
from flax.training.train_state import TrainState

from openended.ued.level_sampler import LevelSampler, SamplerState
from openended.ued.plr import level_scores
from openended.ued.ppo import Transition
from openended.ued.train import NEW, REPLAY, Trainer


def divergence_step(env: Any, traj: Transition, earlier: Any, valid: jax.Array) -> jax.Array:
    """Per environment of ``traj`` (time-major, starting at a level reset), the first step at which its
    observation history differs from that of each of the ``earlier`` levels (a batch with a leading axis,
    ``valid`` marking real entries) when they are played with the same actions; the latest such step over
    the earlier levels, i.e. how long *some* earlier level stays consistent. ``T`` if one matches
    throughout; ``0`` if there are no valid earlier levels."""
    horizon = traj.action.shape[0]

    def against(image: jax.Array, direction: jax.Array, actions: jax.Array, level: Any) -> jax.Array:
        obs, state = env.reset_to_level(level)

        def step(carry: tuple[Any, Any, jax.Array, jax.Array], x: tuple[jax.Array, ...]) -> tuple[Any, None]:
            obs, state, matched, first = carry
            t, img, dirn, action = x
            same = jnp.all(obs.image == img) & (obs.agent_dir == dirn)
            first = jnp.where(matched & ~same, t, first)
            obs, state, _, _, _ = env.step(state, action)
            return (obs, state, matched & same, first), None

        xs = (jnp.arange(horizon), image, direction, actions)
        (_, _, _, first), _ = jax.lax.scan(step, (obs, state, jnp.ones((), bool), jnp.int32(horizon)), xs)
        return first

    def one_env(image: jax.Array, direction: jax.Array, actions: jax.Array) -> jax.Array:
        firsts = jax.vmap(lambda lv: against(image, direction, actions, lv))(earlier)
        return jnp.max(jnp.where(valid, firsts, 0))

    # time-major trajectory -> one history per environment
    return jax.vmap(one_env, in_axes=(1, 1, 1))(traj.image, traj.direction, traj.action)


def post_divergence_mask(divergence: jax.Array, horizon: int) -> jax.Array:
    """``(T, B)`` loss mask: 1 from each environment's divergence step on."""
    return (jnp.arange(horizon)[:, None] >= divergence[None, :]).astype(jnp.float32)


@struct.dataclass
class ReMiDiState:
    train: TrainState
    sampler: SamplerState  # K buffers stacked on a leading axis
    key: jax.Array
    update: jax.Array
    buffer: jax.Array  # index of the buffer in use
    buffer_updates: jax.Array  # updates spent on it so far


class ReMiDi(Trainer[ReMiDiState]):
    """PLR⊥ over ``K`` sequential buffers with trajectory-consistency rejection and post-divergence masks."""

    uses_buffer = True

    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        self.sampler = LevelSampler(cfg.plr)
        self.num_buffers = cfg.remidi.buffers
        self.steps_per_buffer = cfg.remidi.steps_per_buffer

    def init(self, key: jax.Array) -> ReMiDiState:
        k_params, k_level, key = jax.random.split(key, 3)
        level = self.domain.sample_level(k_level)
        one = self.sampler.init(level)
        state = ReMiDiState(
            train=self.student.init(k_params, level),
            sampler=jax.tree_util.tree_map(lambda x: jnp.repeat(x[None], self.num_buffers, axis=0), one),
            key=key,
            update=jnp.zeros((), jnp.int32),
            buffer=jnp.zeros((), jnp.int32),
            buffer_updates=jnp.zeros((), jnp.int32),
        )
        return jax.device_put(state, self.replicated)

    def scores(
        self, traj: Transition, advantages: jax.Array, max_returns: jax.Array, levels: Any
    ) -> tuple[jax.Array, jax.Array]:
        return level_scores(self.cfg, self.domain, traj, advantages, max_returns, levels)

    def current(self, state: ReMiDiState) -> SamplerState:
        return jax.tree_util.tree_map(lambda x: x[state.buffer], state.sampler)

    def _earlier(self, state: ReMiDiState) -> tuple[Any, jax.Array]:
        """All levels of buffers before the current one, flattened, with their validity."""
        c = self.sampler.capacity
        levels = jax.tree_util.tree_map(
            lambda x: x.reshape(self.num_buffers * c, *x.shape[2:]), state.sampler.levels
        )
        slot = jnp.arange(c)[None, :] < state.sampler.size[:, None]
        before = jnp.arange(self.num_buffers)[:, None] < state.buffer
        return levels, (slot & before).reshape(-1)

    def _divergence(self, state: ReMiDiState, traj: Transition) -> jax.Array:
        earlier, valid = self._earlier(state)
        return divergence_step(self.env, traj, earlier, valid)

    def _on_new_remidi(self, state: ReMiDiState, key: jax.Array) -> tuple[ReMiDiState, dict[str, jax.Array]]:
        cfg = self.cfg
        k_gen, k_roll = jax.random.split(key)
        levels = self.new_levels(k_gen)
        traj, adv, _ = self.student.rollout(k_roll, state.train, levels)
        d = self._divergence(state, traj)
        consistent = d >= cfg.num_steps
        score, best = self.scores(traj, adv, jnp.full(cfg.num_envs, -jnp.inf), levels)
        score = jnp.where(consistent, -jnp.inf, score)  # behaviour already fixed by an earlier buffer
        sampler, _ = self.sampler.insert_batch(self.current(state), levels, score, best)
        metrics = {
            **self.student.rollout_metrics(traj),
            **self.student.no_learning(),
            "branch": jnp.int32(NEW),
            "consistent_fraction": jnp.mean(consistent.astype(jnp.float32)),
            "trained_fraction": jnp.float32(jnp.nan),
        }
        return self._put(state, sampler), metrics

    def _on_replay_remidi(
        self, state: ReMiDiState, key: jax.Array
    ) -> tuple[ReMiDiState, dict[str, jax.Array]]:
        cfg = self.cfg
        k_sample, k_roll, k_learn = jax.random.split(key, 3)
        sampler, idx = self.sampler.sample(self.current(state), k_sample, cfg.num_envs)
        levels = self.sampler.get(sampler, idx)
        traj, adv, targets = self.student.rollout(k_roll, state.train, levels)
        d = self._divergence(state, traj)
        mask = post_divergence_mask(d, cfg.num_steps)
        score, best = self.scores(traj, adv, sampler.max_returns[idx], levels)
        sampler = self.sampler.update_batch(sampler, idx, score, best)
        train, info = self.student.learn(k_learn, state.train, traj, adv, targets, mask)
        metrics = {
            **self.student.rollout_metrics(traj),
            **info,
            "branch": jnp.int32(REPLAY),
            "consistent_fraction": jnp.float32(jnp.nan),
            "trained_fraction": jnp.mean(mask),
        }
        return self._put(replace(state, train=train), sampler), metrics

    def _put(self, state: ReMiDiState, current: SamplerState) -> ReMiDiState:
        stacked = jax.tree_util.tree_map(
            lambda all_, one: all_.at[state.buffer].set(one), state.sampler, current
        )
        return replace(state, sampler=stacked)

    def _step(self, state: ReMiDiState) -> tuple[ReMiDiState, dict[str, jax.Array]]:
        key, k_decide, k_branch = jax.random.split(state.key, 3)
        replay = self.sampler.should_replay(self.current(state), k_decide)
        state, metrics = jax.lax.switch(
            replay.astype(jnp.int32), [self._on_new_remidi, self._on_replay_remidi], state, k_branch
        )
        metrics["buffer_size"] = self.current(state).size
        metrics["buffer_index"] = state.buffer
        spent = state.buffer_updates + 1
        advance = (spent >= self.steps_per_buffer) & (state.buffer < self.num_buffers - 1)
        return replace(
            state,
            key=key,
            update=state.update + 1,
            buffer=state.buffer + advance,
            buffer_updates=jnp.where(advance, 0, spent),
        ), metrics
