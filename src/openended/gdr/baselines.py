"""Baselines beside GDR: Presidio's analyzer + anonymizer, and prompt-only synthetic data.

- :func:`presidio_anonymize`: the industry tool run as shipped: the analyzer (spaCy NER + patterns, offline
  model package) finds entities and the anonymizer replaces each with ``<ENTITY_TYPE>``.
- :func:`synthetic_generation`: the alternative GDR argues against: asking the same model to *generate*
  examples of the same genre without any real example; its outputs' diversity is compared with GDR's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from openended.gdr.detectors import BASELINE_THRESHOLD, presidio_analyzer
from openended.llm import LLM


@functools.cache
def _anonymizer() -> Any:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def presidio_anonymize(texts: Sequence[str], threshold: float = BASELINE_THRESHOLD) -> list[str]:
    """Presidio with its default entities and its default replacement (``<PERSON>`` etc.)."""
    analyzer, anonymizer = presidio_analyzer(), _anonymizer()
    out = []
    for text in texts:
        results = analyzer.analyze(text=text, language="en", score_threshold=threshold)
        out.append(anonymizer.anonymize(text=text, analyzer_results=results).text)
    return out


SYNTHETIC_PROMPTS = {
    "prose": "Write a short realistic note, e-mail or support ticket (two or three sentences) that "
    "mentions a person and their contact details. Answer with the text only.",
    "chat": "Write a short realistic chat log of three lines between two people, with timestamps like "
    "[09:14]. Answer with the chat only.",
    "code": "Write a short realistic Python snippet (four to six lines) that configures a service. Answer "
    "with the code only.",
    "toxic": "Write one sentence stating a fact about the world. Answer with the sentence only.",
}


def synthetic_generation(
    model: LLM, genres: Sequence[str], seed: int = 0, max_tokens: int = 128
) -> list[str]:
    """One generated example per requested genre (sampled, temperature 1, a different seed each)."""
    prompts = [[{"role": "user", "content": SYNTHETIC_PROMPTS[g]}] for g in genres]
    out = []
    for i, prompt in enumerate(prompts):
        out.append(model.complete(prompt, temperature=1.0, max_tokens=max_tokens, seed=seed + i).text.strip())
    return out
