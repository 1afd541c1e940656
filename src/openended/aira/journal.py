"""Nodes and the journal: every candidate solution the search produced, one JSON line each.

A node is one operator application: the plan and code the model wrote, what running it printed, the
analysis (bug flag, summary, validation metric), the harness's verdict on the submission and — hidden from
the agent — its test score. The journal is the search tree; a policy owns its statistics (MCTS's visits and
values are rebuilt from the journal on resume), so a checkpoint is the journal plus a small policy state.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from openended.core.serialize import write_text_atomic

ROOT = -1  # the virtual root: parent of every draft
# a printed metric may be any float: bounded so that a million of them still sum to a finite number
FITNESS_BOUND = 1e300


@dataclass
class Node:
    id: int
    operator: str  # draft | improve | debug | crossover
    parents: list[int]  # [] for drafts, two for crossover
    plan: str = ""
    code: str = ""
    output: str = ""  # head and tail of stdout/stderr, as the agent saw it
    exit_code: int | None = None
    exec_time: float = 0.0
    timed_out: bool = False
    is_buggy: bool = True
    bug: str = ""  # why the node counts as buggy (the agent sees it)
    summary: str = ""  # the analysis of the run
    metric: float | None = None  # validation metric the code printed (the agent's own estimate)
    valid_submission: bool = False
    submission_feedback: str = ""  # the validity message: no score in it
    test_score: float | None = None  # hidden: graded on the private answers, never shown to the agent
    medal: str | None = None
    above_median: bool = False
    debug_depth: int = 0  # length of the debug chain ending here
    tokens: int = 0
    llm_seconds: float = 0.0
    time: float = 0.0  # seconds since the start of the run when the node was finished

    @property
    def good(self) -> bool:
        return not self.is_buggy

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Node:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class Journal:
    lower_is_better: bool
    nodes: list[Node] = field(default_factory=list)
    # first parent -> child ids, so that MCTS's per-step tree walk stays linear in the journal's size
    _children: dict[int, list[int]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for i, node in enumerate(self.nodes):
            if node.id != i:
                raise ValueError(f"node id {node.id} at position {i}: ids must be the nodes' positions")
            self._index(node)

    def _index(self, node: Node) -> None:
        self._children.setdefault(node.parents[0] if node.parents else ROOT, []).append(node.id)

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, i: int) -> Node:
        return self.nodes[i]

    def new_id(self) -> int:
        return len(self.nodes)

    def append(self, node: Node) -> None:
        if node.id != len(self.nodes):
            raise ValueError(f"node id {node.id} out of order (expected {len(self.nodes)})")
        self.nodes.append(node)
        self._index(node)

    # -- views ---------------------------------------------------------------------------------------
    def children(self, node_id: int) -> list[Node]:
        """Nodes whose first parent is ``node_id`` (drafts for ``ROOT``), in the order they were added."""
        return [self.nodes[i] for i in self._children.get(node_id, ())]

    @property
    def good_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.good]

    @property
    def buggy_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.is_buggy]

    @property
    def drafts(self) -> list[Node]:
        return [n for n in self.nodes if n.operator == "draft"]

    def fitness(self, node: Node) -> float:
        """The validation metric turned so that higher is better (−inf for nodes without one), within
        ±``FITNESS_BOUND`` so that policies' sums and differences of fitness stay finite."""
        if node.is_buggy or node.metric is None or not math.isfinite(node.metric):
            return -math.inf
        value = -node.metric if self.lower_is_better else node.metric
        return min(max(value, -FITNESS_BOUND), FITNESS_BOUND)

    def best(self) -> Node | None:
        """The node the agent submits: best validation metric among good nodes (aira-dojo's selection)."""
        good = self.good_nodes
        return max(good, key=self.fitness) if good else None

    def oracle(self) -> Node | None:
        """The node with the best hidden test score: what selection by validation could have picked."""
        scored = [n for n in self.nodes if n.test_score is not None and n.valid_submission]
        if not scored:
            return None
        return (min if self.lower_is_better else max)(scored, key=lambda n: n.test_score)  # type: ignore[arg-type,return-value]

    def path(self, node_id: int) -> list[Node]:
        """Ancestors from the draft down to ``node_id`` (first parents)."""
        out = []
        while node_id != ROOT:
            node = self.nodes[node_id]
            out.append(node)
            node_id = node.parents[0] if node.parents else ROOT
        return out[::-1]

    def debug_chain(self, node_id: int) -> list[Node]:
        """The node and its buggy ancestors reached by debug steps (aira-dojo's ancestral memory)."""
        chain = [self.nodes[node_id]]
        while chain[-1].operator == "debug" and chain[-1].parents:
            chain.append(self.nodes[chain[-1].parents[0]])
        return chain[::-1]

    # -- persistence ---------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        write_text_atomic(path, "".join(json.dumps(n.to_dict()) + "\n" for n in self.nodes))

    @classmethod
    def load(cls, path: Path, lower_is_better: bool) -> Journal:
        journal = cls(lower_is_better)
        if path.is_file():
            for line in path.read_text().splitlines():
                if line.strip():
                    journal.append(Node.from_dict(json.loads(line)))
        return journal
