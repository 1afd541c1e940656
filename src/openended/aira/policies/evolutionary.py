"""AIRA_EVO: an island-model evolutionary search, FunSearch-style (aira-dojo's
``src/dojo/solvers/evo/evo.py``).

Generation 0 drafts ``individuals_per_generation`` solutions. Each later generation picks, per individual,
an island by softmax over its normalized mean fitness and parents by softmax over normalized fitness without
replacement (temperature decays linearly from ``initial_temp`` to ``final_temp``), then Improves one parent
or, from generation ``generations_till_crossover`` on and with probability ``crossover_prob``, Crosses two.
A buggy child is debugged in a chain up to ``max_debug_depth``; only a good result joins its island, and
only if its fitness is at least the island's mean (drafts always join); above ``max_island_size`` the worst
member is dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from openended.aira.config import EvolutionaryConfig
from openended.aira.journal import Journal, Node
from openended.aira.policies.base import Action, SearchPolicy, normalize, normalizer, softmax_choice


class Evolutionary(SearchPolicy):
    name = "evolutionary"

    def __init__(self, cfg: EvolutionaryConfig, rng: np.random.Generator) -> None:
        super().__init__(rng)
        self.cfg = cfg
        self.islands: list[list[int]] = [[] for _ in range(cfg.num_islands)]
        self.generation = 0  # the generation being produced
        self.queue: list[tuple[str, list[int], int]] = []  # (operator, parents, island)
        self.current_island = 0
        self.debugging: int | None = None

    def temperature(self) -> float:
        cfg = self.cfg
        frac = min(self.generation / max(cfg.num_generations - 1, 1), 1.0)
        return cfg.initial_temp + (cfg.final_temp - cfg.initial_temp) * frac

    def _plan(self, journal: Journal) -> None:
        cfg = self.cfg
        populated = [i for i, isl in enumerate(self.islands) if isl]
        if self.generation == 0 or not populated:  # nothing to evolve yet: draft
            self.queue = [("draft", [], k % cfg.num_islands) for k in range(cfg.individuals_per_generation)]
        else:
            lo, hi = normalizer(journal)
            temp = self.temperature()

            def norm(i: int) -> float:
                return normalize(journal.fitness(journal[i]), lo, hi)

            means = [float(np.mean([norm(i) for i in self.islands[k]])) for k in populated]
            for _ in range(cfg.individuals_per_generation):
                island = populated[softmax_choice(self.rng, means, temp)[0]]
                members = self.islands[island]
                cross = (
                    self.generation >= cfg.generations_till_crossover
                    and len(members) >= 2
                    and self.rng.random() < cfg.crossover_prob
                )
                picks = softmax_choice(self.rng, [norm(i) for i in members], temp, 2 if cross else 1)
                parents = [members[p] for p in picks]
                self.queue.append(("crossover" if cross else "improve", parents, island))
        self.generation += 1

    def next(self, journal: Journal) -> Action:
        if self.debugging is not None:
            return Action("debug", (self.debugging,))
        if not self.queue:
            self._plan(journal)
        op, parents, self.current_island = self.queue.pop(0)
        return Action(op, tuple(parents))

    def observe(self, journal: Journal, node: Node) -> None:
        if node.is_buggy:
            self.debugging = node.id if node.debug_depth < self.cfg.max_debug_depth else None
            return
        self.debugging = None
        island = self.islands[self.current_island]
        chain_start = journal.debug_chain(node.id)[0]
        fit = journal.fitness(node)
        if (
            chain_start.operator != "draft"
            and island
            and fit < float(np.mean([journal.fitness(journal[i]) for i in island]))
        ):
            return
        island.append(node.id)
        if len(island) > self.cfg.max_island_size:
            island.remove(min(island, key=lambda i: journal.fitness(journal[i])))

    def state(self) -> dict[str, Any]:
        return {
            "islands": self.islands,
            "generation": self.generation,
            "queue": self.queue,
            "current_island": self.current_island,
            "debugging": self.debugging,
        }

    def load_state(self, state: dict[str, Any], journal: Journal) -> None:
        self.islands = [list(i) for i in state["islands"]]
        self.generation, self.current_island = state["generation"], state["current_island"]
        self.queue = [(op, list(p), isl) for op, p, isl in state["queue"]]
        self.debugging = state.get("debugging")
