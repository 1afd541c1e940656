"""Held-out evaluation: an attempt counts its first episode only, solved if that return is positive."""

import jax.numpy as jnp
import numpy as np
import optax
from flax.training.train_state import TrainState

from openended.ued import level as L
from openended.ued.evaluate import evaluate_levels
from openended.ued.maze import FORWARD, NUM_ACTIONS, Maze


def always_forward(params, carry, image, direction, reset):
    """A fixed policy in the network's calling convention: (carry, logits (1, B, A), value (1, B))."""
    batch = image.shape[1]
    logits = jnp.full((1, batch, NUM_ACTIONS), -1e9).at[..., FORWARD].set(0.0)
    return carry, logits, jnp.zeros((1, batch))


def test_attempts_count_only_their_first_episode_and_solved_means_positive_return():
    policy = TrainState.create(apply_fn=always_forward, params={}, tx=optax.identity())
    levels = L.stack(
        [
            L.from_str(">..G", height=1, width=4),  # goal entered on the 3rd step, and again on the 6th
            L.from_str(">#.G", height=1, width=4),  # blocked: times out (done) at step 8 with return 0
            L.from_str("G..<", height=1, width=4),  # facing the goal from the far end
        ]
    )
    solved, returns = evaluate_levels(jnp.array([0, 1], jnp.uint32), policy, Maze(max_steps=8), levels, 2, 4)
    assert solved.shape == returns.shape == (3, 2)
    first = 1 - 0.9 * 3 / 8  # the auto-replayed second episode's reward is not added
    np.testing.assert_allclose(np.asarray(returns), [[first, first], [0.0, 0.0], [first, first]], rtol=1e-6)
    assert np.asarray(solved).tolist() == [[True, True], [False, False], [True, True]]
