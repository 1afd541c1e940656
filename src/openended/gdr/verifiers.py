"""Verifiers: functions h(x, y) that accept a rewrite y of x or say what is wrong with it.

GDR (Jiang et al. 2025) samples y ~ g(·|x) until the criterion h(y) holds while y stays close to x. A
:class:`Verdict` carries ``feedback`` for the rewriter's next attempt (which may quote the offending text:
it only goes into the prompt) and a ``summary`` for provenance and logs (kinds and counts only, never the
text, so PII does not reach a log or the output's provenance).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from openended.gdr.detectors import Finding, detect
from openended.gdr.matching import leak
from openended.llm import LLM
from openended.llm.classifiers import toxicity
from openended.llm.judge import answer_choices


@dataclass
class Verdict:
    name: str
    passed: bool
    summary: str = ""  # safe to log: no row content
    feedback: str = ""  # for the rewriter prompt only


class Verifier(Protocol):
    name: str

    def __call__(self, original: str, rewrite: str, findings: Sequence[Finding]) -> Verdict: ...


def _kinds(findings: Sequence[Finding]) -> str:
    return ", ".join(f"{k}×{n}" for k, n in sorted(Counter(f.kind for f in findings).items()))


class PIIVerifier:
    """No PII of the original survives: no detected original value, exactly or nearly (up to whitespace,
    punctuation, case or one edit: :mod:`~openended.gdr.matching`), and no span the detectors find in the
    rewrite that also occurs in the original (what the detectors missed at first)."""

    name = "pii"

    def __init__(self, use_presidio: bool = True) -> None:
        self.use_presidio = use_presidio

    def __call__(self, original: str, rewrite: str, findings: Sequence[Finding]) -> Verdict:
        leaked = [f for f in findings if leak(f.text, rewrite)]
        seen = {f.text.lower() for f in leaked}
        for f in detect(rewrite, self.use_presidio):
            if f.text.lower() in original.lower() and f.text.lower() not in seen:
                leaked.append(f)
                seen.add(f.text.lower())
        if not leaked:
            return Verdict(self.name, True)
        return Verdict(
            self.name,
            False,
            summary=f"PII left: {_kinds(leaked)}",
            feedback="The rewrite still contains personal information: "
            + "; ".join(f"{f.kind} {f.text!r}" for f in leaked),
        )


class ToxicityVerifier:
    """The rewrite's toxicity (alt-profanity-check) is below the threshold, sentence by sentence."""

    name = "toxicity"

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def __call__(self, original: str, rewrite: str, findings: Sequence[Finding]) -> Verdict:
        sentences = split_sentences(rewrite) or [rewrite]
        scores = toxicity(sentences)
        bad = [s for s, t in zip(sentences, scores, strict=True) if t >= self.threshold]
        if not bad:
            return Verdict(self.name, True, summary=f"max toxicity {scores.max():.2f}")
        return Verdict(
            self.name,
            False,
            summary=f"{len(bad)} toxic sentence(s), max toxicity {scores.max():.2f}",
            feedback="These sentences are still offensive: " + " | ".join(bad),
        )


class SimilarityVerifier:
    """The rewrite keeps the content: MiniLM cosine similarity to the original at least ``min_similarity``."""

    name = "similarity"

    def __init__(self, min_similarity: float) -> None:
        self.min_similarity = min_similarity

    def __call__(self, original: str, rewrite: str, findings: Sequence[Finding]) -> Verdict:
        if not rewrite.strip():
            return Verdict(
                self.name, False, "empty rewrite", "The rewrite was empty; rewrite the whole text."
            )
        from openended.llm.embeddings import embed

        a, b = embed([original, rewrite])
        sim = float(np.dot(a, b))
        if sim >= self.min_similarity:
            return Verdict(self.name, True, summary=f"similarity {sim:.2f}")
        return Verdict(
            self.name,
            False,
            summary=f"similarity {sim:.2f} < {self.min_similarity}",
            feedback="The rewrite lost the original's content; keep everything except what must change.",
        )


class LLMJudgeVerifier:
    """An LLM asked a yes/no question about the rewrite (e.g. "does it contain personal information?");
    fails when P(Yes) is above the threshold."""

    name = "llm_judge"

    def __init__(self, model: LLM, question: str, threshold: float = 0.5) -> None:
        self.model = model
        self.question = question
        self.threshold = threshold

    def __call__(self, original: str, rewrite: str, findings: Sequence[Finding]) -> Verdict:
        prompt = [
            {"role": "user", "content": f"{self.question}\n\nText:\n{rewrite}\n\nAnswer with Yes or No."}
        ]
        p = self.model.score(prompt, answer_choices(self.model, ("Yes", "No"))).probs[0]
        if p <= self.threshold:
            return Verdict(self.name, True, summary=f"P(yes) {p:.2f}")
        return Verdict(
            self.name,
            False,
            summary=f"P(yes) {p:.2f}",
            feedback=f"A reviewer answered yes to: {self.question}",
        )


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def verdict_summary(verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    return [{"verifier": v.name, "passed": v.passed, "summary": v.summary} for v in verdicts]
