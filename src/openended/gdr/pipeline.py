"""The GDR pipeline: rewrite → verify → retry with findings → accept, fall back, or quarantine.

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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from openended.gdr.detectors import Finding, detect, pattern_findings
from openended.gdr.io import Row
from openended.gdr.rewriter import anonymize_prompt, clean_rewrite, detoxify_prompt
from openended.gdr.surrogates import Surrogates
from openended.gdr.verifiers import ToxicityVerifier, Verdict, Verifier, split_sentences, verdict_summary
from openended.llm import LLM, SamplingParams
from openended.llm.classifiers import toxicity


@dataclass
class Item:
    """One field of one row on its way through the attempts."""

    row: Row
    column: str
    text: str
    findings: list[Finding] = field(default_factory=list)
    replacements: dict[str, str] = field(default_factory=dict)
    rewrite: str = ""
    attempts: int = 0
    verdicts: list[Verdict] = field(default_factory=list)
    passed: bool = False
    fallback: bool = False

    @property
    def feedback(self) -> str:
        return " ".join(v.feedback for v in self.verdicts if not v.passed and v.feedback)


class Refiner:
    def __init__(
        self,
        task: str,
        rewriter: LLM,
        verifiers: Sequence[Verifier],
        surrogates: Surrogates | None = None,
        *,
        max_attempts: int = 3,
        fallback: str = "none",
        use_presidio: bool = True,
        retry_temperature: float = 0.7,
        toxicity_threshold: float = 0.5,
        seed: int = 0,
        shots: int = -1,
        other_fields: str = "check",
        id_field: str = "",
    ) -> None:
        if task not in ("anonymize", "detoxify"):
            raise ValueError(f"task must be anonymize or detoxify, got {task!r}")
        if other_fields not in ("check", "keep", "drop"):
            raise ValueError(f"other_fields must be check, keep or drop, got {other_fields!r}")
        if task == "anonymize" and surrogates is None:
            raise ValueError("anonymization needs surrogates")
        self.task = task
        self.rewriter = rewriter
        self.verifiers = list(verifiers)
        self.surrogates = surrogates
        self.max_attempts = max_attempts
        self.fallback = fallback
        self.use_presidio = use_presidio
        self.retry_temperature = retry_temperature
        self.toxicity_threshold = toxicity_threshold
        self.seed = seed
        self.shots = None if shots < 0 else shots
        self.other_fields = other_fields
        self.id_field = id_field

    # -- steps -------------------------------------------------------------------------------------
    def prepare(self, item: Item) -> None:
        if self.task == "anonymize":
            assert self.surrogates is not None
            item.findings = detect(item.text, self.use_presidio)
            item.replacements = self.surrogates.mapping(item.findings)

    def prompt(self, item: Item) -> Any:
        if self.task == "anonymize":
            return anonymize_prompt(item.text, item.replacements, item.feedback, self.shots)
        return detoxify_prompt(item.text, item.feedback, self.shots)

    def verify(self, item: Item, rewrite: str) -> list[Verdict]:
        return [v(item.text, rewrite, item.findings) for v in self.verifiers]

    def redact(self, item: Item) -> str:
        """The detector-based fallback: surrogates in place of detected spans, or toxic sentences dropped."""
        if self.task == "anonymize":
            out, last = [], 0
            for f in sorted(item.findings, key=lambda f: f.start):
                out += [item.text[last : f.start], item.replacements[f.text]]
                last = f.end
            return "".join([*out, item.text[last:]])
        sentences = split_sentences(item.text)
        scores = toxicity(sentences) if sentences else np.zeros(0)
        return " ".join(s for s, t in zip(sentences, scores, strict=True) if t < self.toxicity_threshold)

    def _params(self, item: Item) -> SamplingParams:
        budget = min(1024, len(item.text) // 2 + 64)  # ~4 characters a token, with room to spare
        if item.attempts == 0:
            return SamplingParams(temperature=0.0, max_tokens=budget)
        seed = zlib.crc32(f"{self.seed}:{item.row.id}:{item.column}:{item.attempts}".encode()) & 0x7FFFFFFF
        return SamplingParams(temperature=self.retry_temperature, max_tokens=budget, seed=seed)

    def copied_failures(self, row: Row, fields: Sequence[str]) -> list[str]:
        """``"field: kinds"`` for each copied field whose text fails the task's detector (``check`` only).

        Anonymize: PII the pattern detectors find; detoxify: a sentence at or above the toxicity threshold.
        Text is a string value or the strings inside a list or mapping; numbers are not read (a column of
        13-19-digit numbers, e.g. millisecond timestamps, passes the card checksum one time in ten). Values
        never appear in what is returned.
        """
        if self.other_fields != "check":
            return []
        failures = []
        for name, value in row.data.items():
            if name in fields or name == self.id_field:
                continue
            texts = list(_strings(value))
            if not texts:
                continue
            if self.task == "anonymize":
                kinds = sorted({f.kind for t in texts for f in pattern_findings(t)})
            else:
                toxic = ToxicityVerifier(self.toxicity_threshold)
                kinds = ["toxic"] if any(not toxic("", t, []).passed for t in texts) else []
            if kinds:
                failures.append(f"{name}: {', '.join(kinds)}")
        return failures

    # -- a batch of rows ---------------------------------------------------------------------------
    def refine(self, rows: Sequence[Row], fields: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        """``(where, record)`` per row, in order: ``where`` is ``output`` or ``quarantine``."""
        blocked = {row.id: bad for row in rows if (bad := self.copied_failures(row, fields))}
        items = [Item(r, f, r.data[f]) for r in rows if r.id not in blocked for f in fields]
        for item in items:
            self.prepare(item)
        pending = items
        while pending:
            by_params: dict[SamplingParams, list[Item]] = {}
            for item in pending:
                by_params.setdefault(self._params(item), []).append(item)
            for params, group in by_params.items():
                responses = self.rewriter.generate([self.prompt(i) for i in group], params)
                for item, response in zip(group, responses, strict=True):
                    item.attempts += 1
                    item.rewrite = clean_rewrite(response.text)
                    item.verdicts = self.verify(item, item.rewrite)
                    item.passed = all(v.passed for v in item.verdicts)
            pending = [i for i in pending if not i.passed and i.attempts < self.max_attempts]
        if self.fallback == "redact":
            for item in items:
                if not item.passed:
                    redacted = self.redact(item)
                    verdicts = self.verify(item, redacted)
                    if all(v.passed for v in verdicts):
                        item.rewrite, item.verdicts, item.passed, item.fallback = (
                            redacted,
                            verdicts,
                            True,
                            True,
                        )
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
            "task": self.task,
            "reason": "copied field(s) not rewritten fail the check: "
            + "; ".join(failures)
            + " (rewrite them with --fields, or --other-fields drop)",
            "failures": failures,
        }
        return "quarantine", {**row.data, "_gdr": provenance}

    def _record(self, row: Row, items: list[Item]) -> tuple[str, dict[str, Any]]:
        provenance = {
            "id": row.id,
            "task": self.task,
            "attempts": {i.column: i.attempts for i in items},
            "fallback": {i.column: i.fallback for i in items},
            "verifiers": {i.column: verdict_summary(i.verdicts) for i in items},
        }
        if all(i.passed for i in items):
            rewritten = {i.column for i in items} | {self.id_field}
            keep = self.other_fields != "drop"
            data = {k: v for k, v in row.data.items() if keep or k in rewritten}
            for i in items:
                data[i.column] = i.rewrite
            return "output", {**data, "_gdr": provenance}
        failed = [i.column for i in items if not i.passed]
        reasons = [v.summary or v.name for i in items if not i.passed for v in i.verdicts if not v.passed]
        provenance["reason"] = f"not verified after {self.max_attempts} attempt(s): {', '.join(failed)}"
        provenance["failures"] = reasons
        return "quarantine", {**row.data, "_gdr": provenance}


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
