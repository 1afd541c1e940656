"""The operators, one unit each as the paper names them: Draft, Improve, Debug and Crossover write code;
Analyze reads a run; Memory feeds earlier nodes back (aira-dojo's ``src/dojo/core/solvers/operators/``)."""

from __future__ import annotations

import json
import math
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from openended.aira.config import AIRAConfig
from openended.aira.journal import Journal, Node
from openended.aira.policies import Action
from openended.aira.prompts import ANALYZE, COMMON_RULES, DEBUG_MEMORY_HEADER, MEMORY_HEADER, PROMPTS
from openended.aira.task import Prepared
from openended.llm import LLM, LLMError
from openended.llm.types import SamplingParams, without_surrogates

CODE_BLOCK = re.compile(r"```(?:python|py)?[^\n]*\n(.*?)(?:```|\Z)", re.S)
METRIC = re.compile(r"validation metric\s*[:=]\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)", re.I)
THINK = re.compile(r"<think>.*?</think>", re.S)


def extract(reply: str) -> tuple[str, str | None]:
    """Plan (the text before the first code block) and code (the longest block), or None without one.
    An unclosed block at the end (a reply cut by max_tokens) still counts."""
    reply = THINK.sub("", reply)
    blocks = [b.strip() for b in CODE_BLOCK.findall(reply) if b.strip()]
    if not blocks:
        return reply.strip(), None
    plan = reply[: reply.find("```")].strip()
    return plan, max(blocks, key=len)


def printed_metric(output: str) -> float | None:
    """The last ``Validation metric: X`` line of a run's output."""
    found = METRIC.findall(output)
    if not found:
        return None
    value = float(found[-1])
    return value if math.isfinite(value) else None


def data_overview(public: Path, max_columns: int = 40) -> str:
    """Files with sizes; for each CSV its shape and columns with dtypes (aira-dojo's data preview)."""
    import pandas as pd

    lines = ["# Data (./data)"]
    for p in sorted(public.iterdir()):
        lines.append(f"- {p.name} ({p.stat().st_size / 1024:.0f} KiB)")
        if p.suffix == ".csv":
            df = pd.read_csv(p, nrows=200)
            n = sum(1 for _ in p.open()) - 1
            cols = [f"{c}: {df[c].dtype}" for c in df.columns[:max_columns]]
            more = f", ... ({len(df.columns) - max_columns} more)" if len(df.columns) > max_columns else ""
            lines.append(f"  {n} rows; columns {', '.join(cols)}{more}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Proposal:
    """What a code operator returns: the plan, the code (None when no attempt had a code block), and what
    the model calls cost."""

    plan: str
    code: str | None
    tokens: int
    seconds: float


@dataclass(frozen=True)
class Verdict:
    """Analyze's reading of a run (AIDE's ``submit_review``): bug flag, summary, validation metric."""

    is_bug: bool
    summary: str
    metric: float | None
    tokens: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Context:
    """What every code operator's prompt shows besides the nodes: the task, the rules, the compute at hand,
    the data overview, and the prompt set's texts."""

    task: str
    compute: str
    data: str
    prompts: dict[str, str]

    @classmethod
    def of(cls, cfg: AIRAConfig, prepared: Prepared) -> Context:
        return cls(
            task="# Task\n" + (prepared.public / "description.md").read_text().strip(),
            compute=(
                f"CPU only, {cfg.memory_mb} MB of memory, one thread for numpy/BLAS; each run is stopped "
                f"after {cfg.exec_timeout_s:.0f} s. Installed: numpy, pandas, scikit-learn, scipy."
            ),
            data=data_overview(prepared.public) if cfg.data_preview else "",
            prompts=PROMPTS[cfg.operators].texts,
        )


class Memory:
    """Earlier nodes fed back into prompts (aira-dojo's ``src/dojo/core/solvers/operators/memory.py``):
    *simple* memory, the most recent good solutions with their validation, for Draft and Improve; *ancestral*
    memory, the earlier attempts of a debug chain, for Debug."""

    def __init__(self, cfg: AIRAConfig) -> None:
        self.cfg = cfg

    def simple(self, journal: Journal) -> str:
        if self.cfg.memory == "none" or self.cfg.memory_items == 0:
            return ""
        good = journal.good_nodes[-self.cfg.memory_items :]
        if not good:
            return ""
        items = [f"- {_short(n.plan or n.summary)} -> validation {n.metric:g}" for n in good]
        return MEMORY_HEADER + "\n".join(items) + "\n\n"

    def ancestral(self, journal: Journal, node: Node) -> str:
        earlier = journal.debug_chain(node.id)[:-1]
        if not earlier:
            return ""
        items = [f"- {_short(n.plan)}: {_short(n.bug or n.summary)}" for n in earlier]
        return DEBUG_MEMORY_HEADER + "\n".join(items) + "\n\n"


class CodeOperator(ABC):
    """An operator that writes code: render its prompt from the nodes it is given, ask the model, split the
    reply into plan and code; re-ask up to ``llm_retries`` times when no code block comes back (aira-dojo's
    ``execute_op_plan_code``)."""

    name: ClassVar[str]

    def __init__(self, cfg: AIRAConfig, model: LLM, context: Context, memory: Memory) -> None:
        self.cfg, self.model, self.context, self.memory = cfg, model, context, memory

    @abstractmethod
    def fill(self, action: Action, journal: Journal) -> dict[str, Any]:
        """The operator's own parts of the prompt (its parents, the memory it shows)."""

    def messages(self, action: Action, journal: Journal) -> list[dict[str, str]]:
        ctx = self.context
        fill = {"task": ctx.task, "rules": COMMON_RULES, "compute": ctx.compute, **self.fill(action, journal)}
        return [
            {"role": "system", "content": ctx.prompts["system"]},
            {"role": "user", "content": ctx.prompts[self.name].format(**fill)},
        ]

    def __call__(self, action: Action, journal: Journal, seed: int) -> Proposal:
        messages = self.messages(action, journal)
        tokens, seconds, plan = 0, 0.0, ""
        for attempt in range(self.cfg.llm_retries):
            params = SamplingParams(
                temperature=self.cfg.temperature,
                top_p=self.cfg.top_p,
                max_tokens=self.cfg.max_tokens,
                seed=seed * 97 + attempt,
            )
            response = self.model.complete(messages, params)
            tokens += response.usage.completion_tokens
            seconds += response.latency_s
            plan, code = extract(response.text)
            if code is not None:
                return Proposal(plan, code, tokens, seconds)
        return Proposal(plan, None, tokens, seconds)


class Draft(CodeOperator):
    """A first solution, unlike those in the memory (aira-dojo ``operators/draft.py``)."""

    name = "draft"

    def fill(self, action: Action, journal: Journal) -> dict[str, Any]:
        return {"memory": self.memory.simple(journal), "data": self.context.data}


class Improve(CodeOperator):
    """One change to a good solution (aira-dojo ``operators/improve.py``)."""

    name = "improve"

    def fill(self, action: Action, journal: Journal) -> dict[str, Any]:
        parent = journal[action.parents[0]]
        metric = f"{parent.metric:g}" if parent.metric is not None else "nothing"
        return {
            "memory": self.memory.simple(journal),
            "plan": parent.plan,
            "code": parent.code,
            "metric": metric,
        }


class Debug(CodeOperator):
    """A fix of a buggy solution, with its output and the chain's earlier attempts (aira-dojo
    ``operators/debug.py``)."""

    name = "debug"

    def fill(self, action: Action, journal: Journal) -> dict[str, Any]:
        parent = journal[action.parents[0]]
        return {
            "code": parent.code,
            "output": parent.output or parent.bug,
            "memory": self.memory.ancestral(journal, parent),
        }


class Crossover(CodeOperator):
    """One solution merged from two good parents (aira-dojo ``operators/crossover.py``)."""

    name = "crossover"

    def fill(self, action: Action, journal: Journal) -> dict[str, Any]:
        a, b = (journal[i] for i in action.parents)
        return {
            "code_a": a.code,
            "code_b": b.code,
            "plan_a": a.plan,
            "plan_b": b.plan,
            "metric_a": f"{a.metric:g}",
            "metric_b": f"{b.metric:g}",
        }


CODE_OPERATORS: tuple[type[CodeOperator], ...] = (Draft, Improve, Debug, Crossover)


def code_operators(cfg: AIRAConfig, model: LLM, prepared: Prepared) -> dict[str, CodeOperator]:
    """The four code operators of a search, by name, sharing one context and one memory."""
    context, memory = Context.of(cfg, prepared), Memory(cfg)
    return {op.name: op(cfg, model, context, memory) for op in CODE_OPERATORS}


class Analyze:
    """The model's reading of a run (aira-dojo ``operators/analyze.py``, AIDE's ``submit_review``). A metric
    the model reports that the output does not contain is not believed (small models invent numbers): the
    printed ``Validation metric`` line is used instead; a reply that does not parse is no verdict."""

    def __init__(self, cfg: AIRAConfig, model: LLM, prepared: Prepared) -> None:
        self.cfg, self.model, self.task = cfg, model, prepared.task

    def __call__(self, node: Node) -> Verdict:
        printed = printed_metric(node.output)
        prompt = ANALYZE.format(
            task_title=self.task.title,
            metric_name=self.task.metric,
            direction="lower is better" if self.task.lower_is_better else "higher is better",
            code=node.code,
            output=node.output,
        )
        params = SamplingParams(temperature=self.cfg.analyze_temperature, max_tokens=256, seed=node.id)
        tokens, seconds = 0, 0.0
        try:
            reply = self.model.complete([{"role": "user", "content": prompt}], params)
        except LLMError:  # too long for the analyzer's context: the harness's own reading stands
            verdict: dict[str, Any] = {}
        else:
            tokens, seconds = reply.usage.completion_tokens, reply.latency_s
            verdict = _json_object(reply.text)
        is_bug = bool(verdict.get("is_bug", printed is None))
        # JSON's "\\ud800" escapes decode to lone surrogates, which no prompt or file can hold as UTF-8
        summary = without_surrogates(str(verdict.get("summary") or "")).strip()
        metric = _number(verdict.get("metric"))
        if metric is None or not _appears(metric, node.output):
            metric = printed
        if not summary:
            summary = "no validation score printed" if metric is None else f"validation {metric:g}"
        return Verdict(is_bug, summary[:500], metric, tokens, seconds)


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _json_object(text: str) -> dict[str, Any]:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return {}
    try:
        obj = json.loads(text[start : end + 1])
    except (ValueError, RecursionError):  # not JSON, an integer too long to parse, nesting too deep
        return {}
    return obj if isinstance(obj, dict) else {}


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer beyond the float range
        return None
    return x if math.isfinite(x) else None


def _appears(value: float, output: str) -> bool:
    nums = (_number(n) for n in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", output))
    return any(math.isclose(x, value, rel_tol=1e-4, abs_tol=1e-9) for x in nums if x is not None)
