"""The reference maze actor-critic (JaxUED / minimax): Conv(16, 3×3, VALID) over the 5×5×3 view, a Dense(5)
embedding of the one-hot direction, an LSTM(256) whose state resets at episode starts, and separate
Dense(32)-ReLU heads for the 7-way policy and the value. Inputs are time-major: ``(T, B, ...)``. Flat
observations (the lever game) skip the convolution; ``recurrent=False`` is ReMiDi's feed-forward lever
student instead."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

Carry = tuple[jax.Array, jax.Array]


class ResetLSTM(nn.Module):
    """An LSTM (gates i, f, g, o as flax's ``LSTMCell``) over a time-major sequence whose state is zeroed
    where an episode starts. The input projection of every time step is one matrix product ahead of the
    recurrence, so the loop holds only the recurrent product and the gates: on a GPU, where each step costs
    its kernel launches rather than its arithmetic, that makes rollouts and backpropagation through time
    faster (forward: one product fewer per step; backward: two)."""

    features: int
    unroll: int = 1

    @nn.compact
    def __call__(self, carry: Carry, x: jax.Array, reset: jax.Array) -> tuple[Carry, jax.Array]:
        """``x`` (T, B, D), ``reset`` (T, B) -> final carry, hidden states (T, B, features)."""
        f = self.features
        gates_in = nn.Dense(4 * f, name="input")(x)
        orthogonal = nn.initializers.orthogonal()
        recurrent = self.param(
            "recurrent",  # one orthogonal block per gate, as flax initializes its LSTM cells
            lambda key, shape: jnp.concatenate([orthogonal(k, (f, f)) for k in jax.random.split(key, 4)], 1),
            (f, 4 * f),
        )

        def step(c_h: Carry, inputs: tuple[jax.Array, jax.Array]) -> tuple[Carry, jax.Array]:
            z_in, start = inputs
            c, h = (jnp.where(start[:, None], 0.0, v) for v in c_h)
            i, forget, g, o = jnp.split(z_in + h @ recurrent, 4, axis=-1)
            c = nn.sigmoid(forget) * c + nn.sigmoid(i) * jnp.tanh(g)
            h = nn.sigmoid(o) * jnp.tanh(c)
            return (c, h), h

        return jax.lax.scan(step, carry, (gates_in, reset), unroll=self.unroll)


def initial_carry(batch: int, features: int) -> Carry:
    return jnp.zeros((batch, features)), jnp.zeros((batch, features))


class ActorCritic(nn.Module):
    num_actions: int = 7
    lstm_features: int = 256
    unroll: int = 1  # LSTM time steps per loop iteration: speed only (fewer loop trips on a GPU)
    recurrent: bool = True  # False: ReMiDi's lever-game student (FeedForward below); the carry passes through

    @nn.compact
    def __call__(
        self, carry: Carry, image: jax.Array, direction: jax.Array, reset: jax.Array
    ) -> tuple[Carry, jax.Array, jax.Array]:
        """``image`` (T, B, 5, 5, 3), ``direction`` (T, B), ``reset`` (T, B) -> carry, logits (T, B, A),
        value (T, B)."""
        t, b = image.shape[:2]
        if not self.recurrent:
            return carry, *FeedForward(self.num_actions)(image.astype(jnp.float32).reshape(t, b, -1))
        if image.ndim == 5:  # a maze view
            x = nn.relu(nn.Conv(16, (3, 3), padding="VALID")(image.astype(jnp.float32) / 10.0))
        else:  # a flat observation (the lever game's one-hot) goes straight to the LSTM
            x = image.astype(jnp.float32)
        x = x.reshape(t, b, -1)
        d = nn.relu(nn.Dense(5)(jax.nn.one_hot(direction, 4)))
        x = jnp.concatenate([x, d], axis=-1)
        carry, h = ResetLSTM(self.lstm_features, self.unroll)(carry, x, reset)
        logits = nn.Dense(self.num_actions)(nn.relu(nn.Dense(32)(h)))
        value = nn.Dense(1)(nn.relu(nn.Dense(32)(h)))[..., 0]
        return carry, logits, value


class FeedForward(nn.Module):
    """The student of ReMiDi's lever game (its ``ActorCriticFeedForward``, ``lib/common/ppo.py``): two
    Dense(256)-ReLU layers, then Dense(32)-tanh for the policy and Dense(32)-ReLU for the value, those with
    orthogonal initialization (gain 2; outputs 0.01 and 1.0) and zero biases. No memory: a lever level is one
    step."""

    num_actions: int

    @nn.compact
    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        orthogonal, zero = nn.initializers.orthogonal, nn.initializers.zeros
        h = nn.relu(nn.Dense(256)(x))
        h = nn.relu(nn.Dense(256)(h))
        pi = nn.tanh(nn.Dense(32, kernel_init=orthogonal(2.0), bias_init=zero)(h))
        logits = nn.Dense(self.num_actions, kernel_init=orthogonal(0.01), bias_init=zero)(pi)
        v = nn.relu(nn.Dense(32, kernel_init=orthogonal(2.0), bias_init=zero)(h))
        return logits, nn.Dense(1, kernel_init=orthogonal(1.0), bias_init=zero)(v)[..., 0]


class TeacherNetwork(nn.Module):
    """PAIRED's level-editing policy (feed-forward: the map is its state): Conv(128, 3×3) over the 13×13 map,
    with the one-hot step and the noise vector, then Dense(32)-ReLU heads over the cells and the value
    (minimax's teacher CNN uses 128 filters)."""

    num_actions: int
    episode_length: int

    @nn.compact
    def __call__(self, image: jax.Array, time: jax.Array, noise: jax.Array) -> tuple[jax.Array, jax.Array]:
        x = nn.relu(nn.Conv(128, (3, 3), padding="VALID")(image.astype(jnp.float32) / 10.0))
        x = x.reshape(*x.shape[:-3], -1)
        x = jnp.concatenate([x, jax.nn.one_hot(time, self.episode_length), noise], axis=-1)
        logits = nn.Dense(self.num_actions)(nn.relu(nn.Dense(32)(x)))
        value = nn.Dense(1)(nn.relu(nn.Dense(32)(x)))[..., 0]
        return logits, value
