"""AIDE's greedy policy (the paper's AIDE_GREEDY / AIRA_GREEDY; they differ only in prompts; aira-dojo's
``src/dojo/solvers/greedy/greedy.py``): fewer than ``num_drafts`` drafts → Draft; else with probability
``debug_prob`` Debug a random buggy leaf whose debug depth is at most ``max_debug_depth``; else Improve the
best good node, or Draft if none."""

from __future__ import annotations

import numpy as np

from openended.aira.config import GreedyConfig
from openended.aira.journal import Journal
from openended.aira.policies.base import Action, SearchPolicy


class Greedy(SearchPolicy):
    name = "greedy"

    def __init__(self, cfg: GreedyConfig, rng: np.random.Generator) -> None:
        super().__init__(rng)
        self.cfg = cfg

    def next(self, journal: Journal) -> Action:
        if len(journal.drafts) < self.cfg.num_drafts:
            return Action("draft")
        if self.rng.random() < self.cfg.debug_prob:
            debuggable = [
                n
                for n in journal.buggy_nodes
                if not journal.children(n.id) and n.debug_depth <= self.cfg.max_debug_depth
            ]
            if debuggable:
                return Action("debug", (debuggable[int(self.rng.integers(len(debuggable)))].id,))
        best = journal.best()
        return Action("draft") if best is None else Action("improve", (best.id,))
