"""AIRA_MCTS: Monte-Carlo tree search over solutions (reference note §3).

Selection descends from the root by UCT = norm(Q) + c·sqrt(ln N_parent / n_child), Q = value / visits,
normalized by the global min and max fitness of good nodes (0.5 when equal); children never backed up
(buggy ones whose debugging failed) are not candidates, and the descent stops at a node without backed-up
children. Expansion gives that node ``num_children`` children, Draft at the root and Improve elsewhere.
A buggy child is debugged in a chain until fixed or ``max_debug_depth`` is reached. A good child backs its
fitness up along its path (debug chain included, +1 visit each); an unfixed chain backs up nothing.

Fitness is the validation metric turned so higher is better; aira-dojo mixes raw min/max with negated Q
for lower-is-better tasks, a shift that moves siblings equally (note §3) — here both use the turned value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from openended.aira.journal import ROOT, Journal, Node
from openended.aira.policies.base import Action, SearchPolicy, normalize, normalizer


class MCTS(SearchPolicy):
    name = "mcts"

    def __init__(
        self, rng: np.random.Generator, num_children: int, uct_c: float, max_debug_depth: int
    ) -> None:
        super().__init__(rng)
        self.num_children, self.uct_c, self.max_debug_depth = num_children, uct_c, max_debug_depth
        self.target: int | None = None  # node being expanded
        self.debugging: int | None = None  # buggy node at the end of an open debug chain
        self.root_visits = 0

    def visits(self, journal: Journal, node_id: int) -> int:
        return self.root_visits if node_id == ROOT else journal[node_id].visits

    def expansions(self, journal: Journal, node_id: int) -> int:
        return sum(1 for c in journal.children(node_id) if c.operator != "debug")

    def uct(self, journal: Journal, child: Node, parent_visits: int, lo: float, hi: float) -> float:
        q = normalize(child.value / child.visits, lo, hi)
        return q + self.uct_c * math.sqrt(math.log(max(parent_visits, 1)) / child.visits)

    def select(self, journal: Journal) -> int:
        lo, hi = normalizer(journal)
        node = ROOT
        while True:
            kids = [c for c in journal.children(node) if c.visits > 0]
            if not kids:
                return node
            n = self.visits(journal, node)
            node = max(kids, key=lambda c: self.uct(journal, c, n, lo, hi)).id

    def next(self, journal: Journal) -> Action:
        if self.debugging is not None:
            return Action("debug", (self.debugging,))
        if self.target is None or self.expansions(journal, self.target) >= self.num_children:
            self.target = self.select(journal)
        return Action("draft") if self.target == ROOT else Action("improve", (self.target,))

    def observe(self, journal: Journal, node: Node) -> None:
        if node.is_buggy:
            self.debugging = node.id if node.debug_depth < self.max_debug_depth else None
            return
        self.debugging = None
        fit = journal.fitness(node)
        for n in journal.path(node.id):
            n.visits += 1
            n.value += fit
        self.root_visits += 1

    def state(self) -> dict[str, Any]:
        return {"target": self.target, "debugging": self.debugging, "root_visits": self.root_visits}

    def load_state(self, state: dict[str, Any]) -> None:
        self.target, self.debugging = state.get("target"), state.get("debugging")
        self.root_visits = state.get("root_visits", 0)
