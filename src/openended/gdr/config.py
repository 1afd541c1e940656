"""Configuration of Generative Data Refinement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openended.core.config import Config, ConfigError, param
from openended.llm import DEFAULT_MODEL


@dataclass(frozen=True)
class GDRConfig(Config):
    """Generative Data Refinement (Jiang et al. 2025, arXiv:2509.08653): rewrite each example with a
    generative model until verifiers accept it.

    Sources of the defaults:
    - one rewrite per example, conditioned on that example only (paper §3: y ~ g(·|x) with h(y) = 1 and y
      close to x); the paper publishes no prompts, so the few-shot prompts are written here;
    - verification and re-generation on failure (paper §3); ``max_attempts`` 3 and feeding the verifier's
      findings back are this implementation's choices;
    - rows failing every attempt go to a quarantine file (never emitted unverified); ``fallback=redact``
      replaces detected spans with surrogates (anonymize) or drops toxic sentences (detoxify), then
      verifies that;
    - ``min_similarity`` 0.5 (MiniLM cosine) guards against rewrites that drop the content: paraphrases of the
      same text score about 0.7 and unrelated texts about 0 (reference measurements of this model);
    - ``toxicity_threshold`` 0.5 on alt-profanity-check's probability, its decision threshold;
    - ``other_fields`` ``check``: a field that is copied rather than rewritten is released as it is, so by
      default it must pass the task's cheap detector too (this implementation's choice; the paper rewrites
      whole examples). Anonymize checks it with the pattern detectors only: Presidio's NER flags ordinary
      structured values (a city column, a product name) and would quarantine whole datasets.
    """

    task: Literal["anonymize", "detoxify"] = param("anonymize", "what the rewrite must achieve")
    input: str = param("", "input dataset: .jsonl, .csv, .parquet or a Hugging Face datasets folder")
    input_format: Literal["auto", "jsonl", "csv", "parquet", "hf"] = param("auto", "input format")
    fields: tuple[str, ...] = param(("text",), "text fields to rewrite")
    other_fields: Literal["check", "keep", "drop"] = param(
        "check",
        "fields neither rewritten nor the id: check (a row whose copy holds PII the patterns find, or a "
        "toxic sentence, goes to the quarantine), keep (copied unverified) or drop (left out of the output)",
    )
    id_field: str = param("", "field holding a unique row id (default: the row's position)")
    output_format: Literal["same", "jsonl", "csv", "parquet", "hf"] = param(
        "same", "format of the refined set"
    )
    on_malformed: Literal["error", "quarantine"] = param(
        "error", "a malformed row stops the run before any work, or goes to the quarantine"
    )
    rewriter: str = param(DEFAULT_MODEL, "model spec of the rewriter")
    judge: str = param("", "model spec of an optional LLM judge verifier (empty: none)")
    max_attempts: int = param(3, "rewrites tried per example before fallback or quarantine", ge=1, le=20)
    fallback: Literal["none", "redact"] = param(
        "none", "after the last failed attempt: quarantine, or redact"
    )
    use_presidio: bool = param(True, "use Presidio's analyzer beside the pattern detectors")
    min_similarity: float = param(
        0.5, "minimum MiniLM cosine similarity of rewrite to original", ge=0.0, le=1.0
    )
    toxicity_threshold: float = param(0.5, "a sentence at or above this toxicity fails", gt=0.0, le=1.0)
    retry_temperature: float = param(
        0.7, "sampling temperature of retries (first attempt greedy)", ge=0.0, le=2.0
    )
    shots: int = param(
        -1,
        "worked examples in the rewriter prompt (-1: all; 0 for a rewriter distilled on 0-shot prompts)",
        ge=-1,
    )
    batch_size: int = param(8, "rows per rewriter batch (and per durable write)", ge=1, le=4096)
    executor: Literal["local", "ray"] = param("local", "run in this process, or on Ray Data workers")
    workers: int = param(2, "Ray workers (one model each)", ge=1)
    endpoints: tuple[str, ...] = param(
        (), "Ray: model specs assigned to workers round-robin (default: rewriter)"
    )
    seed: int = param(0, "random seed of retries", ge=0)

    def validate(self) -> None:
        if not self.fields or any(not f for f in self.fields):
            raise ConfigError("fields", "name at least one non-empty field")
        if self.id_field and self.id_field in self.fields:
            raise ConfigError("id_field", "the id field cannot also be rewritten")
