"""The GDR pipeline: rewrite → verify → retry with findings (:func:`verify_and_retry`) → accept, fall back,
or quarantine.

Per row, every selected field is refined; the row goes to the output only when every field passed its
verifiers (a partially verified row is never emitted), otherwise to the quarantine with the reason. The other
fields are copied: checked first (a row whose copy fails the task's detector is quarantined without a
rewrite), kept unverified, or dropped, as ``other_fields`` says. Each record carries provenance under
``_gdr``: the row id, attempts per field, each verifier's summary, whether the fallback was used.
Provenance and logs hold kinds and counts, never row text.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Any

from openended.gdr.config import GDRConfig
from openended.gdr.io import Row
from openended.gdr.rewriter import clean_rewrite
from openended.gdr.tasks import Item, RefinementTask, make_task
from openended.gdr.verifiers import Verifier, verdict_summary
from openended.llm import LLM, PromptTooLong, SamplingParams


def verify_and_retry(
    items: Sequence[Item],
    task: RefinementTask,
    rewriter: LLM,
    verifiers: Sequence[Verifier],
    config: GDRConfig,
) -> None:
    """The paper's loop (§3: sample y ~ g(·|x) until the verifiers accept it): rewrite every item, verify
    each rewrite, and rewrite again — with the verifiers' findings in the prompt — the items that failed,
    up to ``max_attempts`` times. The first attempt is greedy, retries sample (seeded per row, field and
    attempt, so a resumed run repeats them). Items with the same sampling parameters go to the model as one
    batch. Marks each item ``passed`` or not; leaves its last rewrite and verdicts on it."""
    pending = list(items)
    while pending:
        by_params: dict[SamplingParams, list[Item]] = {}
        for item in pending:
            by_params.setdefault(_params(item, config), []).append(item)
        for params, group in by_params.items():
            for item, response in zip(group, _generate(rewriter, task, group, params), strict=True):
                if response is None:  # its prompt does not fit the model: no attempt can be made
                    continue
                item.attempts += 1
                item.rewrite = clean_rewrite(response.text)
                item.verdicts = [v(item.text, item.rewrite, item.findings) for v in verifiers]
                item.passed = all(v.passed for v in item.verdicts)
        pending = [i for i in pending if not i.passed and not i.unfit and i.attempts < config.max_attempts]


def _generate(rewriter: LLM, task: RefinementTask, group: list[Item], params: SamplingParams) -> list[Any]:
    """The group's responses in one batch; if a prompt does not fit the model's context, one at a time, so
    that only the items too long for it are set aside (``unfit``, with the model's reason) — never the run."""
    try:
        return rewriter.generate([task.prompt(i) for i in group], params)
    except PromptTooLong:
        if len(group) == 1:
            return _one(rewriter, task, group[0], params)
        return [r for item in group for r in _one(rewriter, task, item, params)]


def _one(rewriter: LLM, task: RefinementTask, item: Item, params: SamplingParams) -> list[Any]:
    try:
        return rewriter.generate([task.prompt(item)], params)
    except PromptTooLong as err:
        item.unfit = f"too long for the model's context ({err})"
        return [None]


def _params(item: Item, config: GDRConfig) -> SamplingParams:
    budget = min(1024, len(item.text) // 2 + 64)  # ~4 characters a token, with room to spare
    if item.attempts == 0:
        return SamplingParams(temperature=0.0, max_tokens=budget)
    seed = zlib.crc32(f"{config.seed}:{item.row.id}:{item.column}:{item.attempts}".encode()) & 0x7FFFFFFF
    return SamplingParams(temperature=config.retry_temperature, max_tokens=budget, seed=seed)


class Refiner:
    """A batch of rows through the pipeline: copied fields checked, every selected field through
    :func:`verify_and_retry`, the fallback for what failed, one record per row for the output or the
    quarantine."""

    def __init__(
        self, config: GDRConfig, task: RefinementTask, rewriter: LLM, verifiers: Sequence[Verifier]
    ) -> None:
        self.config, self.task, self.rewriter, self.verifiers = config, task, rewriter, list(verifiers)

    def copied_failures(self, row: Row, fields: Sequence[str]) -> list[str]:
        """``"field: kinds"`` for each copied field whose text fails the task's check (``check`` only).

        Text is a string value or the strings inside a list or mapping; numbers are not read (a column of
        13-19-digit numbers, e.g. millisecond timestamps, passes the card checksum one time in ten). Values
        never appear in what is returned.
        """
        if self.config.other_fields != "check":
            return []
        failures = []
        for name, value in row.data.items():
            if name in fields or name == self.config.id_field:
                continue
            texts = list(_strings(value))
            kinds = self.task.copied_kinds(texts) if texts else []
            if kinds:
                failures.append(f"{name}: {', '.join(kinds)}")
        return failures

    def fall_back(self, items: Sequence[Item]) -> None:
        """``--fallback redact``: the task's detector-based rewrite for each failed item, verified like a
        rewrite and accepted only if it passes."""
        for item in items:
            if item.passed:
                continue
            redacted = self.task.redact(item)
            verdicts = [v(item.text, redacted, item.findings) for v in self.verifiers]
            if all(v.passed for v in verdicts):
                item.rewrite, item.verdicts, item.passed, item.fallback = redacted, verdicts, True, True
            else:
                item.fallback_verdicts = verdicts

    def refine(self, rows: Sequence[Row], fields: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        """``(where, record)`` per row, in order: ``where`` is ``output`` or ``quarantine``."""
        blocked = {row.id: bad for row in rows if (bad := self.copied_failures(row, fields))}
        items = [Item(r, f, r.data[f]) for r in rows if r.id not in blocked for f in fields]
        for item in items:
            self.task.prepare(item)
        verify_and_retry(items, self.task, self.rewriter, self.verifiers, self.config)
        if self.config.fallback == "redact":
            self.fall_back(items)
        by_row: dict[str, list[Item]] = {}
        for item in items:
            by_row.setdefault(item.row.id, []).append(item)
        return [
            self._blocked(row, blocked[row.id]) if row.id in blocked else self._record(row, by_row[row.id])
            for row in rows
        ]

    def _blocked(self, row: Row, failures: list[str]) -> tuple[str, dict[str, Any]]:
        provenance = {
            "id": row.id,
            "task": self.task.name,
            "reason": "copied field(s) not rewritten fail the check: "
            + "; ".join(failures)
            + " (rewrite them with --fields, or --other-fields drop)",
            "failures": failures,
        }
        return "quarantine", {**row.data, "_gdr": provenance}

    def _record(self, row: Row, items: list[Item]) -> tuple[str, dict[str, Any]]:
        provenance = {
            "id": row.id,
            "task": self.task.name,
            "attempts": {i.column: i.attempts for i in items},
            "fallback": {i.column: i.fallback for i in items},
            "verifiers": {i.column: verdict_summary(i.verdicts) for i in items},
        }
        if all(i.passed for i in items):
            rewritten = {i.column for i in items} | {self.config.id_field}
            keep = self.config.other_fields != "drop"
            data = {k: v for k, v in row.data.items() if keep or k in rewritten}
            for i in items:
                data[i.column] = i.rewrite
            return "output", {**data, "_gdr": provenance}
        failed = [i for i in items if not i.passed]
        reasons = []
        for i in failed:
            reasons += [f"{i.column}: {i.unfit}"] if i.unfit else []
            reasons += [f"{i.column}: {v.summary or v.name}" for v in i.verdicts if not v.passed]
            # the check that refused the fallback redaction, the last thing tried
            reasons += [
                f"{i.column}: fallback redaction refused by {v.name}: {v.summary or 'failed'}"
                for v in i.fallback_verdicts
                if not v.passed
            ]
        unfit = [i.column for i in failed if i.unfit]
        columns = ", ".join(i.column for i in failed)
        provenance["reason"] = (
            f"too long for the model's context: {', '.join(unfit)}"
            if unfit and len(unfit) == len(failed)
            else f"not verified after {self.config.max_attempts} attempt(s): {columns}"
        )
        provenance["failures"] = reasons
        return "quarantine", {**row.data, "_gdr": provenance}


def build_refiner(config: GDRConfig, rewriter: LLM, judge: LLM | None, key: str) -> Refiner:
    """The refiner a config describes: its task (``key`` seeds the surrogates), the task's verifiers."""
    task = make_task(config, key)
    return Refiner(config, task, rewriter, task.verifiers(judge))


def _strings(value: Any) -> Iterator[str]:
    """The strings in a field's value: itself, or those nested in lists and mappings (keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
