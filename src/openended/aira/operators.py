"""The operators: Draft, Improve, Debug, Crossover write code; Analyze reads a run; Memory feeds earlier
nodes back. Each code operator renders its prompt, asks the model, and splits the reply into plan and code
(re-asking up to ``llm_retries`` times when no code block comes back, as aira-dojo does)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

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


class Operators:
    def __init__(self, cfg: AIRAConfig, model: LLM, analyzer: LLM, prepared: Prepared) -> None:
        self.cfg, self.model, self.analyzer, self.prepared = cfg, model, analyzer, prepared
        self.prompts = PROMPTS[cfg.operators].texts
        task = prepared.task
        self.task_text = "# Task\n" + (prepared.public / "description.md").read_text().strip()
        self.data = data_overview(prepared.public) if cfg.data_preview else ""
        self.compute = (
            f"CPU only, {cfg.memory_mb} MB of memory, one thread for numpy/BLAS; each run is stopped after "
            f"{cfg.exec_timeout_s:.0f} s. Installed: numpy, pandas, scikit-learn, scipy."
        )
        self.metric_name = f"{task.metric} ({'lower' if task.lower_is_better else 'higher'} is better)"

    # -- memory --------------------------------------------------------------------------------------
    def memory(self, journal: Journal) -> str:
        if self.cfg.memory == "none" or self.cfg.memory_items == 0:
            return ""
        good = journal.good_nodes[-self.cfg.memory_items :]
        if not good:
            return ""
        items = [f"- {_short(n.plan or n.summary)} -> validation {n.metric:g}" for n in good]
        return MEMORY_HEADER + "\n".join(items) + "\n\n"

    def debug_memory(self, journal: Journal, node: Node) -> str:
        earlier = journal.debug_chain(node.id)[:-1]
        if not earlier:
            return ""
        items = [f"- {_short(n.plan)}: {_short(n.bug or n.summary)}" for n in earlier]
        return DEBUG_MEMORY_HEADER + "\n".join(items) + "\n\n"

    # -- code operators ------------------------------------------------------------------------------
    def prompt(self, action: Action, journal: Journal) -> list[dict[str, str]]:
        fill: dict[str, Any] = {"task": self.task_text, "rules": COMMON_RULES, "compute": self.compute}
        op = action.operator
        if op == "draft":
            fill |= {"memory": self.memory(journal), "data": self.data}
        elif op == "improve":
            parent = journal[action.parents[0]]
            fill |= {"memory": self.memory(journal), "plan": parent.plan, "code": parent.code}
            fill["metric"] = f"{parent.metric:g}" if parent.metric is not None else "nothing"
        elif op == "debug":
            parent = journal[action.parents[0]]
            fill |= {"code": parent.code, "output": parent.output or parent.bug}
            fill["memory"] = self.debug_memory(journal, parent)
        elif op == "crossover":
            a, b = (journal[i] for i in action.parents)
            fill |= {"code_a": a.code, "code_b": b.code, "plan_a": a.plan, "plan_b": b.plan}
            fill |= {"metric_a": f"{a.metric:g}", "metric_b": f"{b.metric:g}"}
        else:
            raise ValueError(f"unknown operator {op!r}")
        return [
            {"role": "system", "content": self.prompts["system"]},
            {"role": "user", "content": self.prompts[op].format(**fill)},
        ]

    def propose(self, action: Action, journal: Journal, seed: int) -> tuple[str, str | None, int, float]:
        """Plan, code (None when no attempt had a code block), tokens used, seconds spent."""
        messages = self.prompt(action, journal)
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
                return plan, code, tokens, seconds
        return plan, None, tokens, seconds

    # -- Analyze -------------------------------------------------------------------------------------
    def analyze(self, node: Node) -> tuple[bool, str, float | None]:
        """The model's reading of a run: bug flag, summary, validation metric. A metric the model reports
        that the output does not contain is not believed (small models invent numbers): the printed
        ``Validation metric`` line is used instead."""
        printed = printed_metric(node.output)
        prompt = ANALYZE.format(
            task_title=self.prepared.task.title,
            metric_name=self.prepared.task.metric,
            direction="lower is better" if self.prepared.task.lower_is_better else "higher is better",
            code=node.code,
            output=node.output,
        )
        params = SamplingParams(temperature=self.cfg.analyze_temperature, max_tokens=256, seed=node.id)
        try:
            reply = self.analyzer.complete([{"role": "user", "content": prompt}], params)
        except LLMError:  # too long for the analyzer's context: the harness's own reading stands
            verdict: dict[str, Any] = {}
        else:
            node.tokens += reply.usage.completion_tokens
            node.llm_seconds += reply.latency_s
            verdict = _json_object(reply.text)
        is_bug = bool(verdict.get("is_bug", printed is None))
        # JSON's "\\ud800" escapes decode to lone surrogates, which no prompt or file can hold as UTF-8
        summary = without_surrogates(str(verdict.get("summary") or "")).strip()
        metric = _number(verdict.get("metric"))
        if metric is None or not _appears(metric, node.output):
            metric = printed
        if not summary:
            summary = "no validation score printed" if metric is None else f"validation {metric:g}"
        return is_bug, summary[:500], metric


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
