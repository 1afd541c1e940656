import jax
import numpy as np

from openended.ued import level as L
from openended.ued.generators import FLIP_WALL, MOVE_AGENT, MOVE_GOAL, mutate_level, sample_level

KEYS = jax.random.split(jax.random.PRNGKey(0), 256)


def test_dr_levels_are_well_formed_with_at_most_n_walls():
    levels = jax.jit(jax.vmap(lambda k: sample_level(k, 25)))(KEYS)
    walls = np.asarray(L.num_walls(levels))
    assert np.asarray(jax.vmap(lambda lv: lv.is_well_formed())(levels)).all()
    assert walls.max() <= 25 and walls.mean() > 22  # with replacement: ~22.8 distinct expected
    assert walls.min() < 25
    assert set(np.asarray(levels.agent_dir).tolist()) == {0, 1, 2, 3}
    empty = jax.vmap(lambda k: sample_level(k, 0))(KEYS[:8])
    assert int(L.num_walls(empty).max()) == 0


def test_mutations_keep_levels_well_formed_and_do_what_they_say():
    base = jax.vmap(lambda k: sample_level(k, 10))(KEYS[:64])
    keys = jax.random.split(jax.random.PRNGKey(1), 64)

    def mutated(probs, edits=1):
        return jax.jit(jax.vmap(lambda k, lv: mutate_level(k, lv, edits, probs)))(keys, base)

    def ok(levels):
        return np.asarray(jax.vmap(lambda lv: lv.is_well_formed())(levels)).all()

    flips = mutated(tuple(float(i == FLIP_WALL) for i in range(4)))
    changed = np.asarray(flips.wall_map != base.wall_map).sum(axis=(1, 2))
    assert ok(flips) and (changed == 1).all()
    goals = mutated(tuple(float(i == MOVE_GOAL) for i in range(4)))
    assert ok(goals) and (np.asarray(goals.wall_map) == np.asarray(base.wall_map)).all()
    assert (np.asarray(goals.goal_pos) != np.asarray(base.goal_pos)).any(axis=1).mean() > 0.9
    agents = mutated(tuple(float(i == MOVE_AGENT) for i in range(4)))
    assert ok(agents) and (np.asarray(agents.goal_pos) == np.asarray(base.goal_pos)).all()
    many = mutated((0.0, 0.5, 0.25, 0.25), edits=30)
    assert ok(many)
    noop = mutated((1.0, 0.0, 0.0, 0.0), edits=5)
    assert all(
        (np.asarray(a) == np.asarray(b)).all()
        for a, b in zip(jax.tree_util.tree_leaves(noop), jax.tree_util.tree_leaves(base), strict=True)
    )
