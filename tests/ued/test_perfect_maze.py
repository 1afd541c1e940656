"""Perfect mazes (ACCEL's harder tests, dcd's family): one path between any two free cells, agent and goal on
distinct corners, seeded, any odd size; wired into the run's evaluation and ``ued eval``."""

from collections import deque

import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax.training.train_state import TrainState

from openended.ued.evaluate import evaluate_levels
from openended.ued.maze import NUM_ACTIONS, Maze
from openended.ued.perfect_maze import PERFECT_MAZES, episode_length, named_set, perfect_maze, perfect_mazes


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
def test_every_maze_is_perfect_with_agent_and_goal_on_distinct_corners(size):
    levels = perfect_mazes(size, 6, seed=3)
    assert levels.wall_map.shape == (6, size, size)
    corners = {(0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)}
    for i in range(6):
        free = ~np.asarray(levels.wall_map[i])
        assert is_tree(free)
        assert free.sum() == ((size + 1) // 2) ** 2 * 2 - 1  # n² rooms and n² − 1 passages
        agent, goal = tuple(np.asarray(levels.agent_pos[i])), tuple(np.asarray(levels.goal_pos[i]))
        assert agent in corners and goal in corners and agent != goal
        assert free[agent[1], agent[0]] and free[goal[1], goal[0]]


def test_the_named_sets_are_dcds_sizes_less_the_border_with_its_episode_length():
    # dcd's PerfectMazeMedium/Large/XL grids are 21, 51, 101 cells with the outer wall; max_steps 2 * size²
    assert PERFECT_MAZES == {"PerfectMazeMedium": 19, "PerfectMazeLarge": 49, "PerfectMazeXL": 99}
    assert [episode_length(s) for s in PERFECT_MAZES.values()] == [882, 5202, 20402]
    assert named_set("PerfectMazeMedium", 2).wall_map.shape == (2, 19, 19)
    with pytest.raises(ValueError, match="known: PerfectMazeMedium"):
        named_set("PerfectMazeHuge", 2)


def test_corridors_branch_like_a_random_spanning_tree():
    # Kruskal's trees have many dead ends (rooms with one passage); a depth-first backtracker's have few
    # (about 10 % of rooms against about 30 % here) — the family's difficulty depends on which
    walls = np.asarray(perfect_mazes(49, 4, seed=0).wall_map)
    free = ~walls
    padded = np.pad(free, ((0, 0), (1, 1), (1, 1)))
    degree = (
        padded[:, :-2, 1:-1].astype(int) + padded[:, 2:, 1:-1] + padded[:, 1:-1, :-2] + padded[:, 1:-1, 2:]
    )
    rooms = np.zeros_like(free)
    rooms[:, ::2, ::2] = True
    dead_ends = ((degree == 1) & rooms).sum() / rooms.sum()
    assert 0.2 < dead_ends < 0.4


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


def test_a_run_evaluates_the_configured_sets_apart_from_the_held_out_mean():
    import jax

    from openended.ued.config import PPOConfig, UEDConfig
    from openended.ued.experiment import evaluate, make_trainer

    cfg = UEDConfig(
        algorithm="dr",
        num_envs=2,
        num_steps=8,
        eval_attempts=1,
        eval_random_levels=0,
        eval_levels=("SixteenRooms",),
        eval_perfect_mazes=("PerfectMazeMedium",),
        eval_perfect_maze_levels=2,
        ppo=PPOConfig(lstm_features=8),
    )
    trainer = make_trainer(cfg)
    out = evaluate(trainer, trainer.init(jax.random.PRNGKey(0)), jax.random.PRNGKey(1))
    assert set(out) >= {"heldout_solve_rate", "solve/SixteenRooms", "solve/PerfectMazeMedium"}
    assert 0.0 <= out["solve/PerfectMazeMedium"] <= 1.0 and "return/PerfectMazeMedium" in out
    assert out["heldout_solve_rate"] == out["solve/SixteenRooms"]  # the perfect mazes stay out of the mean


def test_unknown_sets_or_mazeless_domains_are_refused_by_the_config():
    from openended.core.config import ConfigError
    from openended.ued.config import DomainConfig, UEDConfig

    with pytest.raises(ConfigError, match="eval_perfect_mazes"):
        UEDConfig(eval_perfect_mazes=("PerfectMazeHuge",)).validate()
    with pytest.raises(ConfigError, match="eval_perfect_mazes"):
        UEDConfig(eval_perfect_mazes=("PerfectMazeLarge",), domain=DomainConfig(name="lever")).validate()
