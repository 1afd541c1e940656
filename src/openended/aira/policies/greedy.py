"""AIDE's greedy policy (the paper's AIDE_GREEDY / AIRA_GREEDY; they differ only in prompts):
fewer than ``num_drafts`` drafts → Draft; else with probability ``debug_prob`` Debug a random buggy leaf
whose debug depth is at most ``max_debug_depth``; else Improve the best good node, or Draft if none."""

from __future__ import annotations

import numpy as np

from openended.aira.journal import Journal
from openended.aira.policies.base import Action, SearchPolicy


class Greedy(SearchPolicy):
    name = "greedy"

    def __init__(
        self, rng: np.random.Generator, num_drafts: int, debug_prob: float, max_debug_depth: int
    ) -> None:
        super().__init__(rng)
        self.num_drafts, self.debug_prob, self.max_debug_depth = num_drafts, debug_prob, max_debug_depth

    def next(self, journal: Journal) -> Action:
        if len(journal.drafts) < self.num_drafts:
            return Action("draft")
        if self.rng.random() < self.debug_prob:
            debuggable = [
                n
                for n in journal.buggy_nodes
                if not journal.children(n.id) and n.debug_depth <= self.max_debug_depth
            ]
            if debuggable:
                return Action("debug", (debuggable[int(self.rng.integers(len(debuggable)))].id,))
        best = journal.best()
        return Action("draft") if best is None else Action("improve", (best.id,))
