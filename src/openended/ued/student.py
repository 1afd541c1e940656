"""The student every curriculum trains: the actor-critic (``network.py``), PPO (``ppo.py``), rollouts on a
batch of levels with GAE, and the update after a level visit. Curricula decide which levels it meets and when
it learns; the student knows nothing of buffers, teachers or regret.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax.training.train_state import TrainState
from jax.sharding import NamedSharding

from openended.core import scores as S
from openended.ued.config import UEDConfig
from openended.ued.level import Level
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


def recurrent(cfg: UEDConfig) -> bool:
    """Whether the student has memory: ``ppo.network``, where ``auto`` follows ReMiDi's code (feed-forward
    on the lever game, whose levels are one step; the LSTM on mazes)."""
    if cfg.ppo.network == "auto":
        return cfg.domain.name != "lever"
    return cfg.ppo.network == "lstm"


class Student:
    def __init__(self, cfg: UEDConfig, env: Any, batch_sharding: NamedSharding) -> None:
        self.cfg, self.env, self.batch_sharding = cfg, env, batch_sharding
        self.network = ActorCritic(
            num_actions=env.num_actions,
            lstm_features=cfg.ppo.lstm_features,
            unroll=cfg.unroll,
            recurrent=recurrent(cfg),
        )
        p = cfg.ppo
        self.hyper = PPOHyper(p.clip_eps, p.vf_coef, p.ent_coef, p.epochs, p.minibatches)

    def init(self, key: jax.Array, level: Any) -> TrainState:
        """Fresh parameters and optimizer, shaped by one observation of ``level``."""
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

    def start(self, levels: Level) -> RolloutCarry:
        """Fresh resets of ``levels`` with zeroed LSTM states."""
        cfg = self.cfg
        obs, env_state = jax.vmap(self.env.reset_to_level)(self.shard(levels))
        return RolloutCarry(
            obs, env_state, initial_carry(cfg.num_envs, cfg.ppo.lstm_features), jnp.ones(cfg.num_envs, bool)
        )

    def rollout(
        self, key: jax.Array, train: TrainState, levels: Level
    ) -> tuple[Transition, jax.Array, jax.Array]:
        """Roll out on fresh resets of ``levels``, without learning: trajectory, advantages, targets."""
        cfg = self.cfg
        _, traj, last_value = rollout(key, train, self.env, self.start(levels), cfg.num_steps, cfg.unroll)
        advantages, targets = gae(
            traj.reward, traj.value, traj.done, last_value, cfg.ppo.gamma, cfg.ppo.gae_lambda
        )
        return traj, advantages, targets

    def visit_and_learn(
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
            piece, (self.start(levels), train), (step_keys, jax.random.split(k_learn, n))
        )
        whole = lambda x: x.reshape(cfg.num_steps, *x.shape[2:])  # noqa: E731 - (pieces, T/pieces, ...)
        return (
            train,
            jax.tree_util.tree_map(whole, traj),
            whole(adv),
            jax.tree_util.tree_map(jnp.mean, infos),
        )

    def learn(
        self,
        key: jax.Array,
        train: TrainState,
        traj: Transition,
        adv: jax.Array,
        targets: jax.Array,
        mask: jax.Array | None = None,
    ) -> tuple[TrainState, dict[str, jax.Array]]:
        """One PPO update on a whole-visit trajectory that started from fresh resets (``mask``: which steps
        count in the loss)."""
        carry = initial_carry(self.cfg.num_envs, self.cfg.ppo.lstm_features)
        return update(key, train, carry, traj, adv, targets, self.hyper, mask=mask)

    @staticmethod
    def rollout_metrics(traj: Transition) -> dict[str, jax.Array]:
        returns, valid = S.episode_returns(traj.reward, traj.done, xp=jnp)
        n = jnp.maximum(jnp.sum(valid), 1)
        return {
            "episode_return": jnp.sum(jnp.where(valid, returns, 0.0)) / n,
            "solve_rate": jnp.sum(valid & (returns > 0)) / n,
            "episodes": jnp.sum(valid),
        }

    @staticmethod
    def no_learning() -> dict[str, jax.Array]:
        """The loss statistics of an update that did not learn."""
        return {k: jnp.float32(jnp.nan) for k in ("policy_loss", "value_loss", "entropy", "approx_kl")}
