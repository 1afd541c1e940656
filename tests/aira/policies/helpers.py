"""Policies with small, known settings, shared by the policy tests (not a test module)."""

import numpy as np

from openended.aira.config import EvolutionaryConfig, MCTSConfig
from openended.aira.policies import MCTS, Evolutionary


def mcts(**kw):
    return MCTS(MCTSConfig(**kw), np.random.default_rng(0))


def evo(**kw):
    args = dict(
        num_islands=1,
        max_island_size=3,
        individuals_per_generation=2,
        num_generations=10,
        crossover_prob=1.0,
        generations_till_crossover=2,
        initial_temp=1.0,
        final_temp=1.0,
        max_debug_depth=1,
    )
    return Evolutionary(EvolutionaryConfig(**{**args, **kw}), np.random.default_rng(0))
