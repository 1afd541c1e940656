"""One jitted train step for DR, PLR, PLR⊥ and ACCEL (Jiang et al. 2021a/b; Parker-Holder et al. 2022).

Each update takes one of three branches, chosen inside the step:
- *new levels*: generate a batch (DR), roll out, score and insert them into the buffer (PLR family); take a
  gradient step for ``dr`` and ``plr`` (exploratory updates), none for ``robust_plr`` and ``accel``;
- *replay*: sample levels from the buffer, roll out, re-score, and take a gradient step;
- *mutate* (ACCEL, the update after a replay): edit the levels just replayed, score the children, insert
  them, no gradient.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import struct
from flax.training.train_state import TrainState
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from openended.core import scores as S
from openended.core.replay import ReplayConfig
from openended.ued import generators
from openended.ued.config import LEVEL_BUFFER_ALGORITHMS, UEDConfig
from openended.ued.domains import make_domain
from openended.ued.level import Level
from openended.ued.level_sampler import LevelSampler, SamplerState
from openended.ued.network import ActorCritic, initial_carry
from openended.ued.ppo import (
    PPOHyper,
    RolloutCarry,
    Transition,
    gae,
    make_optimizer,
    rollout,
    rollout_keys,
    update,
)

NEW, REPLAY, MUTATE = 0, 1, 2


@struct.dataclass
class UEDState:
    train: TrainState
    sampler: SamplerState
    key: jax.Array
    update: jax.Array
    replayed: jax.Array  # buffer indices of the last replay batch (ACCEL mutates them next)
    mutate_next: jax.Array


class Trainer:
    """Builds the agent, the buffer and the jitted step for a :class:`UEDConfig`.

    Data parallelism: a one-axis mesh over the devices; everything with a leading environment axis (levels,
    rollouts, LSTM states) is sharded over it, parameters, optimizer and level buffer are replicated, and XLA
    inserts the cross-device gradient reduction. One device gives the plain single-device program.
    """

    def __init__(self, cfg: UEDConfig) -> None:
        self.cfg = cfg
        devices = jax.devices()
        if cfg.devices is not None:
            if cfg.devices > len(devices):
                raise ValueError(f"devices={cfg.devices} but only {len(devices)} are visible")
            devices = devices[: cfg.devices]
        elif cfg.num_envs % len(devices):
            raise ValueError(
                f"num_envs ({cfg.num_envs}) must be divisible by the {len(devices)} visible devices"
            )
        self.mesh = Mesh(np.array(devices), ("data",))
        self.batch_sharding = NamedSharding(self.mesh, PartitionSpec("data"))
        self.replicated = NamedSharding(self.mesh, PartitionSpec())
        self.domain = make_domain(cfg.domain, cfg.n_walls, cfg.max_episode_steps)
        self.env = self.domain.env
        self.new_level = self.domain.sample_level
        if cfg.algorithm == "accel":  # ACCEL starts from (near-)empty mazes and lets mutation add walls
            self.new_level = lambda k: generators.sample_level(k, cfg.accel.start_walls)
        self.network = ActorCritic(
            num_actions=self.env.num_actions, lstm_features=cfg.ppo.lstm_features, unroll=cfg.unroll
        )
        p = cfg.plr
        self.sampler = LevelSampler(
            p.capacity,
            ReplayConfig(p.prioritization, p.temperature, p.staleness_coef, p.top_k),
            p.replay_prob,
            p.min_fill,
            p.duplicate_check,
        )
        self.hyper = PPOHyper(
            cfg.ppo.clip_eps, cfg.ppo.vf_coef, cfg.ppo.ent_coef, cfg.ppo.epochs, cfg.ppo.minibatches
        )
        self.uses_buffer = cfg.algorithm in LEVEL_BUFFER_ALGORITHMS
        self.step = jax.jit(self._step)

    # -- construction ------------------------------------------------------------------------------
    def init(self, key: jax.Array) -> UEDState:
        k_params, k_level, key = jax.random.split(key, 3)
        level = self.domain.sample_level(k_level)
        state = UEDState(
            train=self._init_student(k_params, level),
            sampler=self.sampler.init(level),
            key=key,
            update=jnp.zeros((), jnp.int32),
            replayed=jnp.zeros(self.cfg.num_envs, jnp.int32),
            mutate_next=jnp.zeros((), bool),
        )
        return jax.device_put(state, self.replicated)

    def _init_student(self, key: jax.Array, level: Any) -> TrainState:
        """A fresh student (network parameters and optimizer), shaped by one observation of ``level``."""
        cfg = self.cfg
        obs, _ = self.env.reset_to_level(level)
        n = cfg.num_envs
        params = self.network.init(
            key,
            initial_carry(n, cfg.ppo.lstm_features),
            jnp.repeat(obs.image[None, None], n, axis=1),
            jnp.zeros((1, n), jnp.int32),
            jnp.ones((1, n), bool),
        )
        lr: Any = cfg.ppo.lr
        if cfg.ppo.anneal_lr:
            lr = optax.linear_schedule(
                cfg.ppo.lr, 0.0, cfg.num_updates * cfg.ppo.chunks * cfg.ppo.epochs * cfg.ppo.minibatches
            )
        return TrainState.create(
            apply_fn=self.network.apply, params=params, tx=make_optimizer(lr, cfg.ppo.max_grad_norm)
        )

    def shard(self, tree: Any) -> Any:
        """Split the leading (environment) axis of every leaf over the devices."""
        return jax.lax.with_sharding_constraint(tree, self.batch_sharding)

    # -- pieces --------------------------------------------------------------------------------------
    def _start(self, levels: Level) -> RolloutCarry:
        """Fresh resets of ``levels`` with zeroed LSTM states."""
        cfg = self.cfg
        obs, env_state = jax.vmap(self.env.reset_to_level)(self.shard(levels))
        return RolloutCarry(
            obs, env_state, initial_carry(cfg.num_envs, cfg.ppo.lstm_features), jnp.ones(cfg.num_envs, bool)
        )

    def _rollout(
        self, key: jax.Array, train: TrainState, levels: Level
    ) -> tuple[Transition, jax.Array, jax.Array]:
        """Roll out on fresh resets of ``levels``; returns trajectory, advantages, targets."""
        cfg = self.cfg
        _, traj, last_value = rollout(key, train, self.env, self._start(levels), cfg.num_steps, cfg.unroll)
        advantages, targets = gae(
            traj.reward, traj.value, traj.done, last_value, cfg.ppo.gamma, cfg.ppo.gae_lambda
        )
        return traj, advantages, targets

    def _visit_and_learn(
        self, key: jax.Array, train: TrainState, levels: Level
    ) -> tuple[TrainState, Transition, jax.Array, dict[str, jax.Array]]:
        """Roll out ``num_steps`` on ``levels`` and learn from it: once at the end (``chunks`` = 1, JaxUED),
        or after each of ``chunks`` pieces, the next piece continuing the episodes with the updated policy and
        the LSTM state it reached. Returns the new student, the whole visit's trajectory and its advantages
        (each piece's GAE bootstraps from the value at the piece's end), and the mean loss statistics."""
        cfg = self.cfg
        k_roll, k_learn = jax.random.split(key)
        n, size = cfg.ppo.chunks, cfg.num_steps // cfg.ppo.chunks
        step_keys = jax.random.split(k_roll, cfg.num_steps).reshape(n, size, -1)  # as one long rollout

        def piece(
            carry: tuple[RolloutCarry, TrainState], keys: tuple[jax.Array, jax.Array]
        ) -> tuple[tuple[RolloutCarry, TrainState], tuple[Transition, jax.Array, dict[str, jax.Array]]]:
            start, st = carry
            end, traj, last_value = rollout_keys(keys[0], st, self.env, start, cfg.unroll)
            ppo = cfg.ppo
            adv, targets = gae(traj.reward, traj.value, traj.done, last_value, ppo.gamma, ppo.gae_lambda)
            st, info = update(keys[1], st, start.lstm, traj, adv, targets, self.hyper)
            return (end, st), (traj, adv, info)

        (_, train), (traj, adv, infos) = jax.lax.scan(
            piece, (self._start(levels), train), (step_keys, jax.random.split(k_learn, n))
        )
        whole = lambda x: x.reshape(cfg.num_steps, *x.shape[2:])  # noqa: E731 - (pieces, T/pieces, ...)
        return (
            train,
            jax.tree_util.tree_map(whole, traj),
            whole(adv),
            jax.tree_util.tree_map(jnp.mean, infos),
        )

    def _scores(
        self, traj: Transition, advantages: jax.Array, max_returns: jax.Array, levels: Any
    ) -> tuple[jax.Array, jax.Array]:
        """Level scores and updated best returns, per environment."""
        best = S.max_episode_return(traj.reward, traj.done, max_returns, xp=jnp)
        if self.cfg.plr.score == "oracle":
            optimal = jax.vmap(lambda lv: self.domain.oracle_value(lv, self.cfg.ppo.gamma))(levels)
            score = S.oracle_regret(optimal, traj.reward, traj.done, self.cfg.ppo.gamma, xp=jnp)
        elif self.cfg.plr.score == "max_mc":
            score = S.max_mc(traj.value, traj.done, best, xp=jnp)
        elif self.cfg.plr.score == "pvl":
            score = S.positive_value_loss(advantages, traj.done, xp=jnp)
        else:
            solved, _, valid = S.completed_episodes((traj.reward > 0).astype(jnp.float32), traj.done, xp=jnp)
            n = jnp.sum(valid, axis=0)
            rate = jnp.sum(solved, axis=0) / jnp.maximum(n, 1)
            score = jnp.where(n > 0, S.learnability(rate, xp=jnp), -jnp.inf)
        return score, best

    def _learn(
        self,
        key: jax.Array,
        train: TrainState,
        traj: Transition,
        adv: jax.Array,
        targets: jax.Array,
        mask: jax.Array | None = None,
    ) -> tuple[TrainState, dict[str, jax.Array]]:
        carry = initial_carry(self.cfg.num_envs, self.cfg.ppo.lstm_features)
        return update(key, train, carry, traj, adv, targets, self.hyper, mask=mask)

    @staticmethod
    def _rollout_metrics(traj: Transition) -> dict[str, jax.Array]:
        returns, valid = S.episode_returns(traj.reward, traj.done, xp=jnp)
        n = jnp.maximum(jnp.sum(valid), 1)
        return {
            "episode_return": jnp.sum(jnp.where(valid, returns, 0.0)) / n,
            "solve_rate": jnp.sum(valid & (returns > 0)) / n,
            "episodes": jnp.sum(valid),
        }

    def _no_learning(self) -> dict[str, jax.Array]:
        return {k: jnp.float32(jnp.nan) for k in ("policy_loss", "value_loss", "entropy", "approx_kl")}

    # -- branches ------------------------------------------------------------------------------------
    def _on_new(self, state: UEDState, key: jax.Array) -> tuple[UEDState, dict[str, jax.Array]]:
        cfg = self.cfg
        k_gen, k_roll = jax.random.split(key)
        levels = jax.vmap(self.new_level)(jax.random.split(k_gen, cfg.num_envs))
        train, info = state.train, self._no_learning()
        if cfg.algorithm in ("dr", "plr"):
            train, traj, adv, info = self._visit_and_learn(k_roll, train, levels)
        else:
            traj, adv, _ = self._rollout(k_roll, train, levels)
        sampler = state.sampler
        if self.uses_buffer:
            score, best = self._scores(traj, adv, jnp.full(cfg.num_envs, -jnp.inf), levels)
            sampler, _ = self.sampler.insert_batch(sampler, levels, score, best)
        metrics = {**self._rollout_metrics(traj), **info, "branch": jnp.int32(NEW)}
        return replace(state, train=train, sampler=sampler, mutate_next=jnp.zeros((), bool)), metrics

    def _on_replay(self, state: UEDState, key: jax.Array) -> tuple[UEDState, dict[str, jax.Array]]:
        k_sample, k_visit = jax.random.split(key)
        sampler, idx = self.sampler.sample(state.sampler, k_sample, self.cfg.num_envs)
        levels = self.sampler.get(sampler, idx)
        train, traj, adv, info = self._visit_and_learn(k_visit, state.train, levels)
        score, best = self._scores(traj, adv, sampler.max_returns[idx], levels)
        sampler = self.sampler.update_batch(sampler, idx, score, best)
        metrics = {**self._rollout_metrics(traj), **info, "branch": jnp.int32(REPLAY)}
        return replace(
            state,
            train=train,
            sampler=sampler,
            replayed=idx,
            mutate_next=jnp.asarray(self.cfg.algorithm == "accel"),
        ), metrics

    def _on_mutate(self, state: UEDState, key: jax.Array) -> tuple[UEDState, dict[str, jax.Array]]:
        cfg = self.cfg
        k_mut, k_roll = jax.random.split(key)
        parents = self.sampler.get(state.sampler, state.replayed)
        children = jax.vmap(
            lambda k, lv: generators.mutate_level(k, lv, cfg.accel.num_edits, cfg.accel.edit_probs)
        )(jax.random.split(k_mut, cfg.num_envs), parents)
        traj, adv, _ = self._rollout(k_roll, state.train, children)
        score, best = self._scores(traj, adv, jnp.full(cfg.num_envs, -jnp.inf), children)
        sampler, _ = self.sampler.insert_batch(state.sampler, children, score, best)
        metrics = {**self._rollout_metrics(traj), **self._no_learning(), "branch": jnp.int32(MUTATE)}
        return replace(state, sampler=sampler, mutate_next=jnp.zeros((), bool)), metrics

    def _step(self, state: UEDState) -> tuple[UEDState, dict[str, jax.Array]]:
        key, k_decide, k_branch = jax.random.split(state.key, 3)
        if self.uses_buffer:
            replay = self.sampler.should_replay(state.sampler, k_decide)
            branch = jnp.where(state.mutate_next, MUTATE, jnp.where(replay, REPLAY, NEW))
            branches = [self._on_new, self._on_replay]
            if self.cfg.algorithm == "accel":  # only ACCEL mutates (and only mazes can be mutated)
                branches.append(self._on_mutate)
            state, metrics = jax.lax.switch(branch, branches, state, k_branch)
        else:
            state, metrics = self._on_new(state, k_branch)
        metrics["buffer_size"] = state.sampler.size
        return replace(state, key=key, update=state.update + 1), metrics
