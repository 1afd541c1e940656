"""One search on one task: the policy picks an operator, the model writes code, the sandbox runs it, Analyze
reads it, the harness checks (and, hidden from the agent, grades) the submission; repeat within the budget.

A run directory holds ``task/`` (the prepared split; only ``task/public`` is ever mounted), ``nodes/<id>/``
(each node's workspace, made fresh for every execution), ``submissions/<id>.csv`` (the bytes of each valid
submission as they were graded: the harness parses a copy, never a file in a workspace), ``journal.jsonl``
and ``search_state.json``. Both are rewritten atomically after every node, so a killed run resumes at the
next node.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from openended.aira.config import AIRAConfig
from openended.aira.journal import Journal, Node
from openended.aira.ladder import ladder_for, medal
from openended.aira.operators import Analyze, Proposal, Verdict, code_operators
from openended.aira.policies import MCTS, Action, Evolutionary, Greedy, SearchPolicy
from openended.aira.task import InvalidSubmission, Prepared, Task
from openended.aira.tasks._sources import data_dirs
from openended.core.serialize import replace_atomically, write_text_atomic
from openended.llm import LLM, LLMError
from openended.sandbox import ExecutionResult, Limits, Sandbox, WorkspaceError, workspace

JOURNAL, STATE = "journal.jsonl", "search_state.json"
SUBMISSION = "submission.csv"  # what a node's code writes in its workspace


def make_policy(cfg: AIRAConfig, rng: np.random.Generator) -> SearchPolicy:
    if cfg.policy == "greedy":
        return Greedy(cfg.greedy, rng)
    if cfg.policy == "mcts":
        return MCTS(cfg.mcts, rng)
    return Evolutionary(cfg.evolutionary, rng)


class Agent:
    def __init__(
        self,
        cfg: AIRAConfig,
        task: Task,
        run_dir: Path,
        model: LLM,
        analyzer: LLM | None = None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.cfg, self.task, self.dir = cfg, task, Path(run_dir)
        self.prepared: Prepared = task.prepare(self.dir / "task", cfg.seed)
        self.ladder = ladder_for(self.prepared, cfg.seed, cache=self.dir / "task" / "ladder.json")
        self.sandbox = sandbox or Sandbox(
            Limits(timeout_s=cfg.exec_timeout_s, memory_mb=cfg.memory_mb),
            isolation=cfg.isolation,
            hidden=data_dirs(),
        )
        self.operators = code_operators(cfg, model, self.prepared)
        self.analyze = Analyze(cfg, analyzer or model, self.prepared)
        self.journal = Journal.load(self.dir / JOURNAL, task.lower_is_better)
        self.rng = np.random.default_rng(cfg.seed)
        self.policy = make_policy(cfg, self.rng)
        self.elapsed = 0.0
        state_path = self.dir / STATE
        if state_path.is_file():
            state = json.loads(state_path.read_text())
            self.policy.load_state(state["policy"], self.journal)
            self.rng.bit_generator.state = state["rng"]
            self.elapsed = state["elapsed"]

    # -- one node: propose, execute, analyse, grade, judge -----------------------------------------
    def step(self) -> Node:
        start = time.monotonic()
        action = self.policy.next(self.journal)
        node = Node(id=self.journal.new_id(), operator=action.operator, parents=list(action.parents))
        if action.operator == "debug":
            node.debug_depth = self.journal[action.parents[0]].debug_depth + 1
        self.propose(action, node)
        if node.code:
            result = self.execute(node)
            verdict = self.analyze(node)
            node.summary, node.metric = verdict.summary, verdict.metric
            node.tokens += verdict.tokens
            node.llm_seconds += verdict.seconds
            problem = self.grade(node)
            self.judge(node, result, verdict, problem)
        self.elapsed += time.monotonic() - start
        node.time = round(self.elapsed, 2)
        self.journal.append(node)
        self.policy.observe(self.journal, node)
        self.save()
        return node

    def propose(self, action: Action, node: Node) -> None:
        """The operator writes the node's plan and code; a reply without code is a buggy node."""
        try:
            proposal = self.operators[action.operator](action, self.journal, self.cfg.seed * 100003 + node.id)
        except LLMError as e:  # e.g. a prompt longer than the model's context: a failed node, not a dead run
            proposal = Proposal(f"model call failed: {e}", None, 0, 0.0)
        node.plan, node.tokens, node.llm_seconds = proposal.plan, proposal.tokens, proposal.seconds
        if proposal.code is None:
            node.bug = (
                node.plan if node.plan.startswith("model call failed") else "the reply had no code block"
            )
            node.output = node.plan[-2000:]
        else:
            node.code = proposal.code

    def workspace_of(self, node: Node) -> Path:
        return self.dir / "nodes" / f"{node.id:04d}"

    def execute(self, node: Node) -> ExecutionResult:
        """Run the node's code in a fresh workspace (a crashed attempt at this node, on resume, may have left
        anything there, links included)."""
        ws = workspace.fresh(self.workspace_of(node))
        result = self.sandbox.run(node.code, ws, self.prepared.public)
        node.output = result.for_llm(self.cfg.exec_timeout_s)
        node.exit_code, node.exec_time, node.timed_out = (
            result.exit_code,
            round(result.exec_time, 2),
            result.timed_out,
        )
        return result

    @staticmethod
    def judge(node: Node, result: ExecutionResult, verdict: Verdict, problem: str | None) -> None:
        """Buggy when the run failed, the submission is invalid, no validation metric was printed, or Analyze
        says so (aira-dojo's rule); the agent sees why, never the score."""
        node.valid_submission = problem is None
        node.submission_feedback = "valid submission" if problem is None else problem
        reasons = []
        if not result.ok:
            reasons.append(result.killed or f"exit code {result.exit_code}")
        if problem is not None:
            reasons.append(f"submission: {problem}")
        if node.metric is None:
            reasons.append("no validation metric printed")
        if verdict.is_bug and not reasons:
            reasons.append(f"analysis: {node.summary}")
        node.is_buggy = bool(reasons)
        node.bug = "; ".join(reasons)
        if node.is_buggy:
            node.output += f"\n[harness] {node.bug}"

    def grade(self, node: Node) -> str | None:
        """Copy the node's ``submission.csv`` out of its workspace (through the sandbox's read-back: no link
        followed, regular files under a size cap only) and grade the copy; hidden from the agent, the score
        goes into the node, and a valid submission's bytes are kept as ``submissions/<id>.csv``. Returns why
        the submission is invalid, or None."""
        try:
            data = self.sandbox.read_back(self.workspace_of(node), SUBMISSION)
        except WorkspaceError as e:
            return str(e)
        try:
            node.test_score = self.prepared.grade(data)
        except InvalidSubmission as e:
            return str(e)
        replace_atomically(self.dir / "submissions" / f"{node.id:04d}.csv", lambda f: f.write(data))
        verdict = medal(node.test_score, self.ladder)
        node.medal, node.above_median = verdict["medal"], verdict["above_median"]
        return None

    def save(self) -> None:
        self.journal.save(self.dir / JOURNAL)
        state = {"policy": self.policy.state(), "rng": self.rng.bit_generator.state, "elapsed": self.elapsed}
        write_text_atomic(self.dir / STATE, json.dumps(state))

    @property
    def done(self) -> bool:
        return len(self.journal) >= self.cfg.steps or self.elapsed >= self.cfg.time_limit_s

    # -- what the run achieved -----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        return summarize(self.journal, self.ladder, self.task)


def code_rates(journal: Journal) -> dict[str, float]:
    """How far nodes got: a code block in the reply, a run that exited cleanly, a printed metric."""
    n = len(journal)
    if not n:
        return {"code_rate": math.nan, "ran_rate": math.nan, "metric_rate": math.nan}
    return {
        "code_rate": sum(bool(x.code) for x in journal.nodes) / n,
        "ran_rate": sum(x.exit_code == 0 for x in journal.nodes) / n,
        "metric_rate": sum(x.metric is not None for x in journal.nodes) / n,
    }


def summarize(journal: Journal, ladder: dict[str, Any], task: Task) -> dict[str, Any]:
    """Selected node (best validation) vs oracle (best hidden test score); the generalization gap."""
    chosen, oracle = journal.best(), journal.oracle()
    n = len(journal)
    out: dict[str, Any] = {
        "task": task.name,
        "metric": task.metric,
        "lower_is_better": task.lower_is_better,
        "nodes": n,
        "buggy_rate": sum(x.is_buggy for x in journal.nodes) / n if n else math.nan,
        **code_rates(journal),
        "valid_submission_rate": sum(x.valid_submission for x in journal.nodes) / n if n else math.nan,
        "selected": None,
        "oracle": None,
        "ladder": {k: ladder[k] for k in ("median", "bronze", "silver", "gold")},
    }
    if chosen is not None:
        out["selected"] = {"node": chosen.id, "validation": chosen.metric, **medal(chosen.test_score, ladder)}
    if oracle is not None:
        out["oracle"] = {"node": oracle.id, "validation": oracle.metric, **medal(oracle.test_score, ladder)}
    if chosen is not None and oracle is not None and chosen.test_score is not None:
        assert oracle.test_score is not None
        out["generalization_gap"] = abs(oracle.test_score - chosen.test_score)
    return out
