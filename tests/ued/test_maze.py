"""Maze semantics, pinned against hand-worked cases (JaxUED's conventions)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from openended.ued import level as L
from openended.ued import prefabs
from openended.ued.maze import FORWARD, LEFT, RIGHT, Maze, shortest_path_length

EMPTY, WALL, GOAL = 1, 2, 8
env = Maze(max_steps=250)
step = jax.jit(env.step)


def run(level, actions):
    obs, state = env.reset_to_level(level)
    out = []
    for a in actions:
        obs, state, reward, done, _ = step(state, jnp.int32(a))
        out.append((obs, state, float(reward), bool(done)))
    return out


def test_movement_turns_walls_and_edges():
    level = L.from_str("""
.....
..#..
..^..
.....
....G
""")
    (_, s1, *_), (_, s2, *_), (_, s3, *_), (_, s4, *_), (_, s5, *_) = run(
        level, [FORWARD, LEFT, FORWARD, FORWARD, 5]
    )
    assert s1.agent_pos.tolist() == [2, 2]  # wall ahead: no move
    assert int(s2.agent_dir) == 2  # up -> left
    assert s3.agent_pos.tolist() == [1, 2] and s4.agent_pos.tolist() == [0, 2]
    assert s5.agent_pos.tolist() == [0, 2] and int(s5.time) == 5  # action 5 does nothing but time passes
    ((_, s6, *_),) = run(level.replace(agent_pos=jnp.array([0, 2]), agent_dir=jnp.int32(2)), [FORWARD])
    assert s6.agent_pos.tolist() == [0, 2]  # grid edge
    ((_, s7, *_),) = run(level, [RIGHT])
    assert int(s7.agent_dir) == 0  # up -> right


def test_goal_reward_with_time_penalty_and_auto_replay():
    level = L.from_str(">..G")
    out = run(level, [FORWARD, FORWARD, LEFT, RIGHT, FORWARD])
    assert [r for *_, r, _ in out] == [0.0, 0.0, 0.0, 0.0, pytest.approx(1 - 0.9 * 5 / 250)]
    assert [d for *_, d in out] == [False, False, False, False, True]
    obs, state, *_ = out[-1]
    # auto-replay: back at the same level's start, clock reset, first observation of the new episode
    assert state.agent_pos.tolist() == [0, 0] and int(state.agent_dir) == 0 and int(state.time) == 0
    np.testing.assert_array_equal(obs.image, env.reset_to_level(level)[0].image)
    # the agent never stands on the goal: it is reached by moving into it
    assert out[1][1].agent_pos.tolist() == [2, 0]


def test_timeout_ends_with_zero_reward():
    short = Maze(max_steps=3)
    _, state = short.reset_to_level(L.from_str(">#G"))
    rewards, dones = [], []
    for _ in range(4):
        _, state, r, d, _ = short.step(state, jnp.int32(FORWARD))
        rewards.append(float(r))
        dones.append(bool(d))
    assert rewards == [0.0] * 4 and dones == [False, False, True, False]


def test_view_rotates_with_the_agent():
    # Agent in the middle of an open room; one wall 2 cells to its north, the goal 1 cell to its east.
    level = L.from_str(prefabs.PREFABS["OpenRoom"]).replace(
        wall_map=jnp.zeros((13, 13), bool).at[4, 6].set(True),
        agent_pos=jnp.array([6, 6]),
        goal_pos=jnp.array([7, 6]),
    )

    def view(direction):  # rows: far -> near, columns: left -> right, as the agent sees it
        obs, _ = env.reset_to_level(level.replace(agent_dir=jnp.int32(direction)))
        return np.asarray(obs.image[..., 0]).T

    up = view(3)
    assert up[2, 2] == WALL and up[4, 3] == GOAL and (up == EMPTY).sum() == 23
    right = view(0)
    assert right[3, 2] == GOAL and right[4, 0] == WALL and (right == EMPTY).sum() == 23
    down = view(1)
    assert down[4, 1] == GOAL and (down == WALL).sum() == 0
    left = view(2)
    assert left[4, 4] == WALL and (left == GOAL).sum() == 0
    # JaxUED's layout is the transpose of the agent's-eye view; direction is a separate input
    obs, _ = env.reset_to_level(level.replace(agent_dir=jnp.int32(3)))
    assert obs.image.shape == (5, 5, 3) and obs.image[2, 2, 0] == WALL and int(obs.agent_dir) == 3


def test_view_outside_the_grid_is_wall():
    obs, _ = env.reset_to_level(L.from_str(">.G"))  # top-left corner facing right
    agent_eye = np.asarray(obs.image[..., 0]).T
    assert (agent_eye[:, :2] == WALL).all()  # the two columns to its left are outside the grid (north)
    assert agent_eye[4, 2] == EMPTY and agent_eye[3, 2] == EMPTY and agent_eye[2, 2] == GOAL


def test_shortest_paths():
    assert int(shortest_path_length(L.from_str(">...........G"))) == 12
    assert int(shortest_path_length(L.from_str(">#G"))) == -1
    # around a wall: right, down, down, left... (turns are free)
    assert int(shortest_path_length(L.from_str(".#.\n>#G\n..."))) == 4
    lengths = jax.vmap(shortest_path_length)(prefabs.load_many())
    assert (np.asarray(lengths) > 0).all()  # every held-out maze is solvable
