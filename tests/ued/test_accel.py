"""ACCEL: fresh levels start from ``accel.start_walls`` walls (not the DR ``n_walls``), and the update after a
replay is the mutation branch. (Its gradient-free mutation step is checked with PLR⊥ in test_plr.py.)"""

import jax
import numpy as np

from openended.ued import level as L
from openended.ued.accel import ACCEL
from openended.ued.config import ACCELConfig
from openended.ued.train import MUTATE, NEW, REPLAY
from tests.ued.helpers import tiny


def test_new_levels_start_with_the_accel_wall_count():
    trainer = ACCEL(tiny("accel", accel=ACCELConfig(start_walls=0)))
    assert trainer.cfg.n_walls == 8
    levels = jax.jit(trainer.new_levels)(jax.random.PRNGKey(0))
    assert levels.wall_map.shape == (8, 13, 13)
    assert int(L.num_walls(levels).max()) == 0  # the DR setting of 8 walls does not apply
    assert np.asarray(jax.vmap(lambda lv: lv.is_well_formed())(levels)).all()


def test_the_mutation_branch_follows_new_and_replay():
    trainer = ACCEL(tiny("accel"))
    branches = trainer.branches()
    assert len(branches) == 3
    assert branches[NEW] == trainer._on_new and branches[REPLAY] == trainer._on_replay
    assert branches[MUTATE] == trainer._on_mutate
