"""The refinement tasks: what a rewrite must achieve, one object each behind :class:`RefinementTask`.

A task says how an example is prepared for its rewrite (anonymize: detect the PII and draw consistent
surrogates), what the rewriter is asked (its prompt, with the last attempt's findings), which verifiers
judge the rewrite, what the detector-based fallback produces, and what a field that is copied rather than
rewritten must not contain. The verify-and-retry loop (:mod:`openended.gdr.pipeline`) is the same for all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from openended.gdr.config import GDRConfig
from openended.gdr.detectors import Finding, detect, pattern_findings
from openended.gdr.rewriter import anonymize_prompt, detoxify_prompt
from openended.gdr.surrogates import Surrogates
from openended.gdr.verifiers import (
    LLMJudgeVerifier,
    PIIVerifier,
    SimilarityVerifier,
    ToxicityVerifier,
    Verdict,
    Verifier,
    split_sentences,
)
from openended.llm import LLM, Message
from openended.llm.classifiers import toxicity

if TYPE_CHECKING:
    from openended.gdr.io import Row

JUDGE_QUESTIONS = {
    "anonymize": "Does this text contain personal information about a real, identifiable person, such as a "
    "name with contact details, an ID number, an account number or a secret key?",
    "detoxify": "Is this text offensive, insulting, hateful or threatening?",
}


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
    unfit: str = ""  # why the rewriter could not take this item (its prompt is longer than the context)
    fallback_verdicts: list[Verdict] = field(default_factory=list)  # the redaction's, when it was refused

    @property
    def feedback(self) -> str:
        return " ".join(v.feedback for v in self.verdicts if not v.passed and v.feedback)


class RefinementTask(ABC):
    """What one kind of refinement asks of a rewrite."""

    name: str

    def __init__(self, config: GDRConfig) -> None:
        self.config = config
        self.shots = None if config.shots < 0 else config.shots

    def verifiers(self, judge: LLM | None = None) -> list[Verifier]:
        """The task's own verifier, then the shared ones the config asks for."""
        out = [self.verifier()]
        if self.config.min_similarity > 0:
            out.append(SimilarityVerifier(self.config.min_similarity))
        if judge is not None:
            out.append(LLMJudgeVerifier(judge, JUDGE_QUESTIONS[self.name]))
        return out

    @abstractmethod
    def verifier(self) -> Verifier:
        """The criterion h of the paper: the rewrite no longer holds what the task removes."""

    def prepare(self, item: Item) -> None:  # noqa: B027 - optional hook
        """Whatever the prompt and the verifiers need to know about the original."""

    @abstractmethod
    def prompt(self, item: Item) -> list[Message]:
        """The rewriter's prompt for ``item`` (with the last attempt's findings on a retry)."""

    @abstractmethod
    def redact(self, item: Item) -> str:
        """The detector-based fallback rewrite (``--fallback redact``)."""

    @abstractmethod
    def copied_kinds(self, texts: Sequence[str]) -> list[str]:
        """What a copied (not rewritten) field's strings hold that the output must not: kinds only."""


class Anonymize(RefinementTask):
    """Remove personal information: detected values are listed with consistent surrogates for the rewriter
    to use; the rewrite must keep none of the original's PII."""

    name = "anonymize"

    def __init__(self, config: GDRConfig, surrogates: Surrogates) -> None:
        super().__init__(config)
        self.surrogates = surrogates

    def verifier(self) -> Verifier:
        return PIIVerifier(self.config.use_presidio)

    def prepare(self, item: Item) -> None:
        item.findings = detect(item.text, self.config.use_presidio)
        item.replacements = self.surrogates.mapping(item.findings)

    def prompt(self, item: Item) -> list[Message]:
        return anonymize_prompt(item.text, item.replacements, item.feedback, self.shots)

    def redact(self, item: Item) -> str:
        """Surrogates in place of the detected spans."""
        out, last = [], 0
        for f in sorted(item.findings, key=lambda f: f.start):
            out += [item.text[last : f.start], item.replacements[f.text]]
            last = f.end
        return "".join([*out, item.text[last:]])

    def copied_kinds(self, texts: Sequence[str]) -> list[str]:
        # the pattern detectors only: Presidio's NER flags ordinary structured values (a city column)
        return sorted({f.kind for t in texts for f in pattern_findings(t)})


class Detoxify(RefinementTask):
    """Remove insults, slurs and threats, keeping every fact; no sentence of the rewrite may score at or above
    the toxicity threshold."""

    name = "detoxify"

    def verifier(self) -> Verifier:
        return ToxicityVerifier(self.config.toxicity_threshold)

    def prompt(self, item: Item) -> list[Message]:
        return detoxify_prompt(item.text, item.feedback, self.shots)

    def redact(self, item: Item) -> str:
        """The original without its toxic sentences."""
        sentences = split_sentences(item.text)
        scores = toxicity(sentences) if sentences else np.zeros(0)
        threshold = self.config.toxicity_threshold
        return " ".join(s for s, t in zip(sentences, scores, strict=True) if t < threshold)

    def copied_kinds(self, texts: Sequence[str]) -> list[str]:
        toxic = self.verifier()
        return ["toxic"] if any(not toxic("", t, []).passed for t in texts) else []


def make_task(config: GDRConfig, key: str) -> RefinementTask:
    """The task ``config.task`` names; ``key`` seeds anonymization's surrogates."""
    if config.task == "anonymize":
        return Anonymize(config, Surrogates(key))
    return Detoxify(config)
