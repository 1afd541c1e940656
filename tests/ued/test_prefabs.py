"""The standard held-out mazes: every layout loads as a well-formed level, and the batch keeps their order."""

import numpy as np
import pytest

from openended.ued import level as L
from openended.ued import prefabs


def test_every_prefab_loads_well_formed_and_the_held_out_set_is_eight_full_size_mazes():
    for name in prefabs.PREFABS:
        assert bool(prefabs.load(name).is_well_formed()), name
    assert len(prefabs.HELD_OUT) == len(set(prefabs.HELD_OUT)) == 8
    for name in prefabs.HELD_OUT:  # drawn at full size: nothing of them is padding
        rows = prefabs.PREFABS[name].strip().splitlines()
        assert len(rows) == 13 and {len(r) for r in rows} == {13}, name
    corridor = prefabs.load("Corridor")  # one row: the other twelve are padding walls
    assert np.asarray(corridor.wall_map)[1:].all() and not np.asarray(corridor.wall_map)[0].any()
    assert corridor.agent_pos.tolist() == [0, 0] and corridor.goal_pos.tolist() == [12, 0]


def test_load_many_stacks_the_named_mazes_in_order():
    names = ("Labyrinth", "SixteenRooms", "Corridor")
    batch = prefabs.load_many(names)
    assert batch.wall_map.shape == (3, 13, 13)
    assert [L.to_str(L.index(batch, i)) for i in range(3)] == [L.to_str(prefabs.load(n)) for n in names]
    # read off the layouts: Labyrinth starts bottom-left facing right with the goal in the centre
    assert batch.agent_pos[0].tolist() == [0, 12] and int(batch.agent_dir[0]) == 0
    assert batch.goal_pos[0].tolist() == [6, 6] and batch.goal_pos[1].tolist() == [11, 11]
    assert prefabs.load_many().wall_map.shape == (8, 13, 13)  # the held-out set by default


def test_labyrinth_flipped_is_the_mirror_image_of_labyrinth():
    a, b = prefabs.load("Labyrinth"), prefabs.load("LabyrinthFlipped")
    np.testing.assert_array_equal(np.asarray(b.wall_map), np.asarray(a.wall_map)[:, ::-1])
    mirror = np.array([12, 0])
    assert (mirror + np.array([-1, 1]) * np.asarray(a.agent_pos)).tolist() == b.agent_pos.tolist()
    assert (mirror + np.array([-1, 1]) * np.asarray(a.goal_pos)).tolist() == b.goal_pos.tolist()
    assert (int(a.agent_dir), int(b.agent_dir)) == (0, 2)  # right becomes left


def test_unknown_prefab_names_the_known_ones():
    with pytest.raises(KeyError, match=r"Nowhere.*SixteenRooms"):
        prefabs.load("Nowhere")
