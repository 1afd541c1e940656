"""AIRA_MCTS: Monte-Carlo tree search over solutions (aira-dojo's ``src/dojo/solvers/mcts/mcts.py``).

Selection descends from the root by UCT = norm(Q) + c·sqrt(ln N_parent / n_child), Q = value / visits,
normalized by the global min and max fitness of good nodes (0.5 when equal); children never backed up
(buggy ones whose debugging failed) are not candidates, and the descent stops at a node without backed-up
children. Expansion gives that node ``num_children`` children, Draft at the root and Improve elsewhere.
A buggy child is debugged in a chain until fixed or ``max_debug_depth`` is reached. A good child backs its
fitness up along its path (debug chain included, +1 visit each); an unfixed chain backs up nothing.

The visit counts and values are the policy's own (not the journal's): a function of the journal, rebuilt from
it on resume. Fitness is the validation metric turned so higher is better; aira-dojo mixes raw min/max with
negated Q for lower-is-better tasks, a shift that moves siblings equally — here both use the turned value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from openended.aira.config import MCTSConfig
from openended.aira.journal import ROOT, Journal, Node
from openended.aira.policies.base import Action, SearchPolicy, normalize, normalizer


class MCTS(SearchPolicy):
    name = "mcts"

    def __init__(self, cfg: MCTSConfig, rng: np.random.Generator) -> None:
        super().__init__(rng)
        self.cfg = cfg
        self.target: int | None = None  # node being expanded
        self.debugging: int | None = None  # buggy node at the end of an open debug chain
        self.visits: dict[int, int] = {ROOT: 0}  # backups through each node (the root: all of them)
        self.values: dict[int, float] = {}  # sum of the fitness backed up through each node

    def q(self, node_id: int) -> float:
        return self.values[node_id] / self.visits[node_id]

    def expansions(self, journal: Journal, node_id: int) -> int:
        return sum(1 for c in journal.children(node_id) if c.operator != "debug")

    def uct(self, child: Node, parent_visits: int, lo: float, hi: float) -> float:
        n = self.visits[child.id]
        return normalize(self.q(child.id), lo, hi) + self.cfg.uct_c * math.sqrt(
            math.log(max(parent_visits, 1)) / n
        )

    def select(self, journal: Journal) -> int:
        lo, hi = normalizer(journal)
        node = ROOT
        while True:
            kids = [c for c in journal.children(node) if self.visits.get(c.id, 0) > 0]
            if not kids:
                return node
            n = self.visits[node]
            node = max(kids, key=lambda c: self.uct(c, n, lo, hi)).id

    def next(self, journal: Journal) -> Action:
        if self.debugging is not None:
            return Action("debug", (self.debugging,))
        if self.target is None or self.expansions(journal, self.target) >= self.cfg.num_children:
            self.target = self.select(journal)
        return Action("draft") if self.target == ROOT else Action("improve", (self.target,))

    def observe(self, journal: Journal, node: Node) -> None:
        if node.is_buggy:
            self.debugging = node.id if node.debug_depth < self.cfg.max_debug_depth else None
            return
        self.debugging = None
        self.backup(journal, node)

    def backup(self, journal: Journal, node: Node) -> None:
        fit = journal.fitness(node)
        for n in journal.path(node.id):
            self.visits[n.id] = self.visits.get(n.id, 0) + 1
            self.values[n.id] = self.values.get(n.id, 0.0) + fit
        self.visits[ROOT] += 1

    def state(self) -> dict[str, Any]:
        return {"target": self.target, "debugging": self.debugging}

    def load_state(self, state: dict[str, Any], journal: Journal) -> None:
        self.target, self.debugging = state.get("target"), state.get("debugging")
        self.visits, self.values = {ROOT: 0}, {}
        for node in journal.nodes:  # the backups observe() made, in the same order
            if node.good:
                self.backup(journal, node)
