"""ExIt's autocurriculum (paper §3, Algorithm 1): which task instance each GRPO group works on, the prompt
built from it, the group's rewards, and what the group leaves in the buffer.

A **task instance** is a base task plus a partial history: the latest answer in a chain of self-iterations
and the verifier's feedback on it, at some depth (0 for a base task). Each group is one of

- a **base** step: a fresh instance from the domain's stream;
- an **improve** step (with probability p, once the buffer holds B_min entries): an instance from the buffer,
  the prompt showing the current answer and its feedback and asking for a better one;
- a **diverge** step (with probability p_div among self-iteration steps, divergence methods only): the same,
  but asking for an answer that takes a clearly different approach.

After the group is scored its learnability S (the variance of its rewards in [0, 1]) is known; every
rollout extends the history by one answer, and each of those G new instances enters the buffer with score S
(the paper initializes a new instance with its parent's empirical score). A parent drawn from the buffer
gets S as its fresh score too, as PLR refreshes a replayed level's score (the paper does not say).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from openended.exploratory_iteration.buffer import LearnabilityBuffer, group_learnability
from openended.exploratory_iteration.config import ExItConfig
from openended.exploratory_iteration.countdown import Countdown, Instance, Verdict

Kind = Literal["base", "improve", "diverge"]


@dataclass(frozen=True)
class Attempt:
    text: str
    score: float
    feedback: str


@dataclass(frozen=True)
class Task:
    """A task instance: the base task and the latest answer of its partial history (none at depth 0)."""

    base: Instance
    previous: Attempt | None = None
    depth: int = 0

    def to_dict(self) -> dict[str, Any]:
        prev = self.previous
        return {
            "base": self.base.to_dict(),
            "previous": None
            if prev is None
            else {"text": prev.text, "score": prev.score, "feedback": prev.feedback},
            "depth": self.depth,
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Task:
        p = d.get("previous")
        prev = None if p is None else Attempt(str(p["text"]), float(p["score"]), str(p["feedback"]))
        return Task(Instance.from_dict(d["base"]), prev, int(d["depth"]))


@dataclass(frozen=True)
class Draw:
    """One group's task: what it is, how it was chosen, and its place in the buffer if it came from it."""

    id: int
    task: Task
    kind: Kind
    buffer_index: int | None = None


def prompt(task: Task, kind: Kind = "improve") -> list[dict[str, str]]:
    """The chat a policy answers: the base task alone at depth 0; otherwise the task, the current answer, the
    verifier's feedback and the request to improve it (or, for ``diverge``, to take a different approach)."""
    request = Countdown.task(task.base)
    if task.previous is None or kind == "base":
        return [{"role": "user", "content": request}]
    if kind == "diverge":
        ask = (
            "Say in one sentence what approach the current answer takes, then write a new answer that takes "
            "a clearly different approach."
        )
    else:
        ask = "Improve the current answer."
    content = (
        f"{request}\n\nCurrent answer:\n{task.previous.text.strip()}\n\n"
        f"Feedback: {task.previous.feedback}\n\n{ask}"
    )
    return [{"role": "user", "content": content}]


def step_reward(task: Task, kind: Kind, verdict: Verdict, mode: str) -> float:
    """The reward of one answer: its score; for ``mode="improvement"`` on an improve step,
    ``max(0, (r - r_prev) / (1 - r_prev))`` (paper A.4), and 1 for keeping an already correct answer
    correct. Divergence steps are rewarded by the raw score (paper A.4)."""
    if mode == "score" or kind != "improve" or task.previous is None:
        return verdict.score
    prev = task.previous.score
    if prev >= 1.0:
        return 1.0 if verdict.score >= 1.0 else 0.0
    return max(0.0, (verdict.score - prev) / (1.0 - prev))


class ExItCurriculum:
    def __init__(self, cfg: ExItConfig, domain: Countdown | None = None) -> None:
        self.cfg = cfg
        self.domain = domain or Countdown(cfg.domain, cfg.seed)
        cur = cfg.curriculum
        self.buffer: LearnabilityBuffer[Task] = LearnabilityBuffer(cur.capacity, cur.min_size, cur.kappa)
        self.rng = np.random.default_rng(cfg.seed)
        self.next_id = 0
        self.open: dict[int, Draw] = {}  # drawn, not yet scored
        self.seen: set[str] = set()  # distinct training prompts (paper Fig. 7: task-space growth)
        self.groups: list[dict[str, Any]] = []  # one row per scored group, for metrics

    # -- choosing the task ------------------------------------------------------------------------
    def draw(self) -> Draw:
        kind: Kind = "base"
        index, task = None, None
        p = self.cfg.curriculum.buffer_probability if self.cfg.uses_buffer else 0.0
        if self.buffer.ready and self.rng.random() < p:
            index, task = self.buffer.sample(self.rng)
            kind = "diverge" if self.rng.random() < self.cfg.divergence else "improve"
        if task is None:
            task = Task(self.domain.sample())
        draw = Draw(self.next_id, task, kind, index)
        self.next_id += 1
        self.open[draw.id] = draw
        self.seen.add(prompt(task, kind)[0]["content"])
        return draw

    def prompt(self, draw: Draw) -> list[dict[str, str]]:
        return prompt(draw.task, draw.kind)

    # -- scoring a group --------------------------------------------------------------------------
    def score(self, draw: Draw, completions: list[str]) -> tuple[list[float], list[Verdict]]:
        verdicts = [self.domain.verify(draw.task.base, c) for c in completions]
        rewards = [step_reward(draw.task, draw.kind, v, self.cfg.reward) for v in verdicts]
        return rewards, verdicts

    def observe(
        self, draw: Draw, completions: list[str], verdicts: list[Verdict], rewards: list[float]
    ) -> float:
        """Record a scored group: its learnability, and the G longer histories it makes for the buffer."""
        self.open.pop(draw.id, None)
        s = float(group_learnability(rewards, len(rewards))[0])
        if self.cfg.uses_buffer:
            if draw.buffer_index is not None:
                self.buffer.rescore(draw.buffer_index, draw.task, s)
            for text, v in zip(completions, verdicts, strict=True):
                child = Task(draw.task.base, Attempt(text, v.score, v.feedback), draw.task.depth + 1)
                self.buffer.add(child, s)
        self.groups.append(
            {
                "kind": draw.kind,
                "depth": draw.task.depth,
                "learnability": s,
                "reward": float(np.mean(rewards)),
                "score": float(np.mean([v.score for v in verdicts])),
                "solved": float(np.mean([v.solved for v in verdicts])),
            }
        )
        return s

    # -- reporting ----------------------------------------------------------------------------------
    def metrics(self, since: int = 0) -> dict[str, float]:
        """Statistics of the groups scored since index ``since`` and of the buffer now."""
        rows = self.groups[since:]
        out: dict[str, float] = {}
        if rows:
            kinds = Counter(r["kind"] for r in rows)
            out["share_improve"] = kinds["improve"] / len(rows)
            out["share_diverge"] = kinds["diverge"] / len(rows)
            out["reward"] = float(np.mean([r["reward"] for r in rows]))
            out["score"] = float(np.mean([r["score"] for r in rows]))
            out["solved"] = float(np.mean([r["solved"] for r in rows]))
            out["learnability"] = float(np.mean([r["learnability"] for r in rows]))
            out["zero_variance_groups"] = float(np.mean([r["learnability"] == 0.0 for r in rows]))
            out["train_depth"] = float(np.mean([r["depth"] for r in rows]))
            base = [r["score"] for r in rows if r["kind"] == "base"]
            if base:
                out["score_base"] = float(np.mean(base))
        out["buffer_size"] = float(len(self.buffer))
        out["distinct_tasks"] = float(len(self.seen))
        if len(self.buffer):
            scores = self.buffer.scores()
            depths = [e.item.depth for e in self.buffer.entries]
            out["buffer_learnability"] = float(scores.mean())
            out["buffer_depth"] = float(np.mean(depths))
            out["buffer_max_depth"] = float(max(depths))
        return out

    def depth_histogram(self) -> dict[int, int]:
        return dict(sorted(Counter(e.item.depth for e in self.buffer.entries).items()))

    def buffer_prompts(self) -> list[str]:
        return [prompt(e.item)[0]["content"] for e in self.buffer.entries]

    # -- resume -----------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "buffer": self.buffer.state(Task.to_dict),
            "rng": self.rng.bit_generator.state,
            "domain_rng": repr(self.domain.rng_state()),
            "next_id": self.next_id,
            "seen": sorted(self.seen),
            "groups": self.groups,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        import ast

        self.buffer.load_state(state["buffer"], Task.from_dict)
        self.rng.bit_generator.state = state["rng"]
        self.domain.set_rng_state(_tuples(ast.literal_eval(state["domain_rng"])))
        self.next_id = int(state["next_id"])
        self.seen = set(state["seen"])
        self.groups = list(state["groups"])
        self.open = {}


def _tuples(x: Any) -> Any:
    return tuple(_tuples(v) for v in x) if isinstance(x, list | tuple) else x
