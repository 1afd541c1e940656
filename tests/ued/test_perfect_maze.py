"""Perfect mazes (ACCEL's harder tests): one path between any two free cells, seeded, any odd size."""

from collections import deque

import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax.training.train_state import TrainState

from openended.ued.evaluate import evaluate_levels
from openended.ued.maze import NUM_ACTIONS, Maze
from openended.ued.perfect_maze import perfect_maze, perfect_mazes


def is_tree(free: np.ndarray) -> bool:
    """The free cells are connected and have one fewer adjacency than cells: no loop, one path each."""
    cells = list(zip(*np.nonzero(free), strict=True))
    edges = int((free[1:, :] & free[:-1, :]).sum() + (free[:, 1:] & free[:, :-1]).sum())
    seen, todo = {cells[0]}, deque([cells[0]])
    while todo:
        y, x = todo.popleft()
        for n in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
            if 0 <= n[0] < free.shape[0] and 0 <= n[1] < free.shape[1] and free[n] and n not in seen:
                seen.add(n)
                todo.append(n)
    return len(seen) == len(cells) and edges == len(cells) - 1


@pytest.mark.parametrize("size", [3, 13, 25, 51])
def test_every_maze_is_perfect_with_agent_and_goal_on_distinct_free_cells(size):
    levels = perfect_mazes(size, 4, seed=3)
    assert levels.wall_map.shape == (4, size, size)
    for i in range(4):
        free = ~np.asarray(levels.wall_map[i])
        assert is_tree(free)
        assert free.sum() == ((size + 1) // 2) ** 2 * 2 - 1  # n² cells and n² − 1 passages
        (ax, ay), (gx, gy) = np.asarray(levels.agent_pos[i]), np.asarray(levels.goal_pos[i])
        assert free[ay, ax] and free[gy, gx] and (ax, ay) != (gx, gy)


def test_a_set_is_reproducible_from_its_seed_and_differs_across_seeds():
    a, b, c = perfect_mazes(25, 3, seed=0), perfect_mazes(25, 3, seed=0), perfect_mazes(25, 3, seed=1)
    assert np.array_equal(a.wall_map, b.wall_map) and np.array_equal(a.goal_pos, b.goal_pos)
    assert not np.array_equal(a.wall_map, c.wall_map)


def test_even_or_tiny_sizes_are_refused():
    for size in (2, 1, 24):
        with pytest.raises(ValueError, match="odd size"):
            perfect_maze(size, np.random.default_rng(0))


def test_a_policy_of_the_training_grid_runs_on_larger_mazes():
    # the 5 × 5 view is the same at every size: the evaluation needs no other change than the episode length
    def uniform(params, carry, image, direction, reset):
        return carry, jnp.zeros((1, image.shape[1], NUM_ACTIONS)), jnp.zeros((1, image.shape[1]))

    policy = TrainState.create(apply_fn=uniform, params={}, tx=optax.identity())
    levels = perfect_mazes(51, 2, seed=0)
    solved, returns = evaluate_levels(jnp.array([0, 1], jnp.uint32), policy, Maze(max_steps=64), levels, 3, 4)
    assert solved.shape == returns.shape == (2, 3)
    assert (np.asarray(returns) >= 0).all() and (np.asarray(returns) <= 1).all()
