"""PAIRED: a teacher designs levels for a protagonist and an antagonist; all three learn."""

import jax
import numpy as np

from tests.ued.helpers import tiny


def test_paired_trains_protagonist_antagonist_and_teacher():
    from openended.ued.paired import PAIRED

    cfg = tiny("paired").replace(paired=tiny("paired").paired.replace(wall_budget=6))
    trainer = PAIRED(cfg)
    state = trainer.init(jax.random.PRNGKey(0))
    levels, traj = jax.jit(trainer._design)(jax.random.PRNGKey(1), state.teacher)
    assert np.asarray(jax.vmap(lambda lv: lv.is_well_formed())(levels)).all()
    assert traj.action.shape == (trainer.editor.episode_length, cfg.num_envs)
    after, metrics = trainer.step(state)

    def changed(a, b):
        pairs = zip(jax.tree_util.tree_leaves(a.params), jax.tree_util.tree_leaves(b.params), strict=True)
        return any(not np.array_equal(x, y) for x, y in pairs)

    assert changed(state.train, after.train) and changed(state.antagonist, after.antagonist)
    assert changed(state.teacher, after.teacher)
    assert np.isfinite(float(metrics["regret"])) and float(metrics["level_walls"]) <= 6
