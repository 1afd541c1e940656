"""Maze levels: the pytree, its ASCII form (parsing, padding, printing), well-formedness and batching."""

import jax.numpy as jnp
import numpy as np
import pytest

from openended.ued import level as L
from openended.ued import prefabs


def test_ascii_round_trip_and_padding():
    text = prefabs.PREFABS["StandardMaze"].strip()
    assert L.to_str(L.from_str(text)) == text
    small = L.from_str(">.G")
    assert small.wall_map.shape == (13, 13) and int(L.num_walls(small)) == 13 * 13 - 3
    for bad in ("..", "G.>\n.", ">G.G", "x>G"):
        with pytest.raises(ValueError):
            L.from_str(bad)


def test_from_str_reads_x_y_positions_and_directions_and_to_str_prints_the_padding():
    level = L.from_str("#v\n.G", height=3, width=4)
    assert level.shape == (3, 4)
    assert level.agent_pos.tolist() == [1, 0] and int(level.agent_dir) == 1  # (x, y), facing down
    assert level.goal_pos.tolist() == [1, 1]
    assert np.asarray(level.wall_map).tolist() == [
        [True, False, True, True],
        [False, False, True, True],
        [True, True, True, True],
    ]
    assert L.to_str(level) == "#v##\n.G##\n####"
    assert [int(L.from_str(f"{c}G").agent_dir) for c in ">v<^"] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="does not fit"):
        L.from_str(">.G", height=1, width=2)


def test_well_formedness_fails_on_each_broken_part():
    good = L.from_str(">.G\n...", height=2, width=3)
    assert bool(good.is_well_formed())
    broken = {
        "agent on a wall": good.replace(wall_map=good.wall_map.at[0, 0].set(True)),
        "goal on a wall": good.replace(wall_map=good.wall_map.at[0, 2].set(True)),
        "agent on the goal": good.replace(agent_pos=good.goal_pos),
        "agent left of the grid": good.replace(agent_pos=jnp.array([-1, 0])),
        "goal below the grid": good.replace(goal_pos=jnp.array([2, 2])),
        "agent right of the grid": good.replace(agent_pos=jnp.array([3, 1])),
        "direction 4": good.replace(agent_dir=jnp.int32(4)),
        "direction -1": good.replace(agent_dir=jnp.int32(-1)),
    }
    assert [name for name, level in broken.items() if bool(level.is_well_formed())] == []
    # same row or same column as the goal is fine: only the same cell is not
    assert bool(good.replace(agent_pos=jnp.array([2, 1])).is_well_formed())


def test_stack_index_and_num_walls_work_on_batches():
    a, b = L.from_str(">.G"), L.from_str(">G\n..")
    batch = L.stack([a, b])
    assert batch.wall_map.shape == (2, 13, 13) and batch.agent_pos.shape == (2, 2)
    assert L.num_walls(batch).tolist() == [13 * 13 - 3, 13 * 13 - 4]
    assert L.to_str(L.index(batch, 1)) == L.to_str(b) and L.to_str(L.index(batch, 0)) == L.to_str(a)
