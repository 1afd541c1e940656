"""Held-out evaluation: each level is attempted ``attempts`` times with the stochastic policy; an attempt
counts its first episode's return and is *solved* if that return is positive (JaxUED / dcd protocol)."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from flax.training.train_state import TrainState

from openended.ued.level import Level
from openended.ued.maze import Maze
from openended.ued.network import initial_carry
from openended.ued.ppo import policy_step


@partial(jax.jit, static_argnames=("env", "attempts", "lstm_features"))
def evaluate_levels(
    key: jax.Array, train: TrainState, env: Maze, levels: Level, attempts: int, lstm_features: int
) -> tuple[jax.Array, jax.Array]:
    """Returns ``(solved, returns)``, each of shape (num_levels, attempts)."""
    batch = jax.tree_util.tree_map(lambda x: jnp.repeat(x, attempts, axis=0), levels)
    obs, state = jax.vmap(env.reset_to_level)(batch)
    n = obs.agent_dir.shape[0]

    def step(carry, k):  # noqa: ANN001 - scan body
        obs, state, lstm, reset, ret, finished = carry
        lstm, logits, _ = policy_step(train, lstm, obs, reset)
        action = jax.random.categorical(k, logits)
        obs, state, reward, done, _ = jax.vmap(env.step)(state, action)
        ret = ret + jnp.where(finished, 0.0, reward)
        return (obs, state, lstm, done, ret, finished | done), None

    init = (obs, state, initial_carry(n, lstm_features), jnp.ones(n, bool), jnp.zeros(n), jnp.zeros(n, bool))
    (_, _, _, _, returns, _), _ = jax.lax.scan(step, init, jax.random.split(key, env.max_steps))
    returns = returns.reshape(-1, attempts)
    return returns > 0, returns
