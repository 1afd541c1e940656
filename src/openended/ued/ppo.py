"""PPO (Schulman et al. 2017) with GAE (Schulman et al. 2016) for the recurrent maze agent.

Rollouts are time-major ``(T, B)``; an LSTM minibatch is a subset of environments with whole sequences, fed
from the rollout's initial LSTM state. Timeouts are treated as terminal, as in JaxUED. ``mask`` weights each
step's loss (ReMiDi trains only on steps after a trajectory diverges from earlier levels; 1 everywhere
otherwise); advantages are normalized over the masked steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import struct
from flax.training.train_state import TrainState

from openended.ued.maze import Maze, MazeState, Observation
from openended.ued.network import Carry


@struct.dataclass
class Transition:
    image: jax.Array
    direction: jax.Array
    reset: jax.Array  # this observation starts an episode (the LSTM state is zeroed before it)
    action: jax.Array
    log_prob: jax.Array
    value: jax.Array
    reward: jax.Array
    done: jax.Array


@struct.dataclass
class RolloutCarry:
    obs: Observation
    env_state: MazeState
    lstm: Carry
    reset: jax.Array


def policy_step(
    state: TrainState, carry: Carry, obs: Observation, reset: jax.Array
) -> tuple[Carry, jax.Array, jax.Array]:
    """One step of the recurrent policy on a batch: new carry, logits (B, A), value (B,)."""
    carry, logits, value = state.apply_fn(
        state.params, carry, obs.image[None], obs.agent_dir[None], reset[None]
    )
    return carry, logits[0], value[0]


def sample_action(key: jax.Array, logits: jax.Array) -> tuple[jax.Array, jax.Array]:
    """An action drawn from ``logits`` (batch, actions) and its log-probability."""
    action = jax.random.categorical(key, logits)
    return action, jnp.take_along_axis(jax.nn.log_softmax(logits), action[:, None], axis=1)[:, 0]


def rollout(
    key: jax.Array, state: TrainState, env: Maze, start: RolloutCarry, num_steps: int, unroll: int = 1
) -> tuple[RolloutCarry, Transition, jax.Array]:
    """``num_steps`` steps of every environment; returns the final carry, the trajectory and the bootstrap
    value of the last observation. ``unroll`` steps run per loop iteration (speed only)."""
    return rollout_keys(jax.random.split(key, num_steps), state, env, start, unroll)


def rollout_keys(
    keys: jax.Array, state: TrainState, env: Maze, start: RolloutCarry, unroll: int = 1
) -> tuple[RolloutCarry, Transition, jax.Array]:
    """:func:`rollout` with one given key per step (a long rollout cut into pieces draws the same actions)."""

    def step(c: RolloutCarry, k: jax.Array) -> tuple[RolloutCarry, Transition]:
        lstm, logits, value = policy_step(state, c.lstm, c.obs, c.reset)
        action, log_prob = sample_action(k, logits)
        obs, env_state, reward, done, _ = jax.vmap(env.step)(c.env_state, action)
        transition = Transition(c.obs.image, c.obs.agent_dir, c.reset, action, log_prob, value, reward, done)
        return RolloutCarry(obs, env_state, lstm, done), transition

    final, traj = jax.lax.scan(step, start, keys, unroll=unroll)
    _, _, last_value = policy_step(state, final.lstm, final.obs, final.reset)
    return final, traj, last_value


def gae(
    rewards: jax.Array, values: jax.Array, dones: jax.Array, last_value: jax.Array, gamma: float, lam: float
) -> tuple[jax.Array, jax.Array]:
    """Generalized advantage estimates and value targets, time-major."""

    Pair = tuple[jax.Array, jax.Array]

    def body(carry: Pair, xs: tuple[jax.Array, jax.Array, jax.Array]) -> tuple[Pair, jax.Array]:
        advantage, next_value = carry
        reward, value, done = xs
        not_done = 1.0 - done
        delta = reward + gamma * next_value * not_done - value
        advantage = delta + gamma * lam * not_done * advantage
        return (advantage, value), advantage

    _, advantages = jax.lax.scan(
        body,
        (jnp.zeros_like(last_value), last_value),
        (rewards, values, dones.astype(jnp.float32)),
        reverse=True,
    )
    return advantages, advantages + values


@struct.dataclass
class PPOHyper:
    """The loss and update settings ``update`` needs (built from ``PPOConfig``, where the defaults are)."""

    clip_eps: float
    vf_coef: float
    ent_coef: float
    epochs: int = struct.field(pytree_node=False)
    minibatches: int = struct.field(pytree_node=False)


def _masked_mean(x: jax.Array, mask: jax.Array) -> jax.Array:
    return jnp.sum(x * mask) / jnp.maximum(jnp.sum(mask), 1.0)


def clipped_objective(
    logits: jax.Array,
    values: jax.Array,
    action: jax.Array,
    old_log_prob: jax.Array,
    old_value: jax.Array,
    advantages: jax.Array,
    targets: jax.Array,
    mask: jax.Array,
    hyper: PPOHyper,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """PPO's clipped policy loss, clipped value loss and entropy bonus on any batch shape (masked means)."""
    log_probs = jax.nn.log_softmax(logits)
    log_prob = jnp.take_along_axis(log_probs, action[..., None], axis=-1)[..., 0]
    ratio = jnp.exp(log_prob - old_log_prob)
    mean = _masked_mean(advantages, mask)
    std = jnp.sqrt(_masked_mean((advantages - mean) ** 2, mask))
    adv = (advantages - mean) / (std + 1e-8)
    clipped_ratio = jnp.clip(ratio, 1 - hyper.clip_eps, 1 + hyper.clip_eps)
    policy = -_masked_mean(jnp.minimum(ratio * adv, clipped_ratio * adv), mask)
    clipped = old_value + jnp.clip(values - old_value, -hyper.clip_eps, hyper.clip_eps)
    value = 0.5 * _masked_mean(jnp.maximum((values - targets) ** 2, (clipped - targets) ** 2), mask)
    entropy = _masked_mean(-jnp.sum(jnp.exp(log_probs) * log_probs, axis=-1), mask)
    total = policy + hyper.vf_coef * value - hyper.ent_coef * entropy
    approx_kl = _masked_mean((ratio - 1) - (log_prob - old_log_prob), mask)
    return total, {"policy_loss": policy, "value_loss": value, "entropy": entropy, "approx_kl": approx_kl}


def ppo_loss(
    params: Any,
    apply_fn: Callable[..., Any],
    carry: Carry,
    traj: Transition,
    advantages: jax.Array,
    targets: jax.Array,
    mask: jax.Array,
    hyper: PPOHyper,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    _, logits, values = apply_fn(params, carry, traj.image, traj.direction, traj.reset)
    return clipped_objective(
        logits, values, traj.action, traj.log_prob, traj.value, advantages, targets, mask, hyper
    )


def update(
    key: jax.Array,
    state: TrainState,
    carry: Carry,
    traj: Transition,
    advantages: jax.Array,
    targets: jax.Array,
    hyper: PPOHyper,
    mask: jax.Array | None = None,
) -> tuple[TrainState, dict[str, jax.Array]]:
    """``hyper.epochs`` passes over the rollout in ``hyper.minibatches`` minibatches of environments."""
    mask = jnp.ones_like(advantages) if mask is None else mask.astype(jnp.float32)
    batch = advantages.shape[1]
    size = batch // hyper.minibatches
    grad_fn = jax.value_and_grad(ppo_loss, has_aux=True)

    def full_batch(st: TrainState, _: jax.Array) -> tuple[TrainState, dict[str, jax.Array]]:
        # one minibatch: the whole batch in any order has the same gradient, so no shuffle (and, with the
        # environments sharded over devices, no cross-device gather)
        (_, info), grads = grad_fn(st.params, st.apply_fn, carry, traj, advantages, targets, mask, hyper)
        return st.apply_gradients(grads=grads), info

    def epoch(st: TrainState, k: jax.Array) -> tuple[TrainState, dict[str, jax.Array]]:
        perm = jax.random.permutation(k, batch)

        def minibatch(s: TrainState, idx: jax.Array) -> tuple[TrainState, dict[str, jax.Array]]:
            take = lambda x: jnp.take(x, idx, axis=1)  # noqa: E731 - env axis of time-major data
            mb_carry = jax.tree_util.tree_map(lambda c: c[idx], carry)
            (_, info), grads = grad_fn(
                s.params,
                s.apply_fn,
                mb_carry,
                jax.tree_util.tree_map(take, traj),
                take(advantages),
                take(targets),
                take(mask),
                hyper,
            )
            return s.apply_gradients(grads=grads), info

        return jax.lax.scan(minibatch, st, perm[: size * hyper.minibatches].reshape(hyper.minibatches, size))

    state, infos = jax.lax.scan(
        full_batch if hyper.minibatches == 1 else epoch, state, jax.random.split(key, hyper.epochs)
    )
    return state, jax.tree_util.tree_map(jnp.mean, infos)


def make_optimizer(lr: float | optax.Schedule, max_grad_norm: float) -> optax.GradientTransformation:
    return optax.chain(optax.clip_by_global_norm(max_grad_norm), optax.adam(lr, eps=1e-5))
