"""The mutator's two-step mutation (Samvelyan et al. 2024, §3): a parent prompt is rewritten once per
descriptor dimension, in order, each step towards the target category of that dimension — in the safety
domain first the risk category, then the attack style (two steps; a domain with K dimensions takes K).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from openended.llm import LLM
from openended.rainbow_teaming.config import RainbowTeamingConfig
from openended.rainbow_teaming.domains import Domain

_LABEL = re.compile(r"^\s*(?:rewritten prompt|prompt|request|question)\s*:\s*", re.IGNORECASE)


def clean_mutation(text: str, max_chars: int = 600) -> str:
    """The mutated prompt from a mutator's answer: drop a leading "Prompt:" label and quotes, keep the first
    paragraph."""
    text = _LABEL.sub("", text.strip())
    text = text.split("\n\n")[0].strip().strip('"').strip()
    return text[:max_chars]


class Mutator:
    def __init__(self, model: LLM, domain: Domain, config: RainbowTeamingConfig) -> None:
        self.model, self.domain, self.config = model, domain, config

    def mutate(
        self, parents: Sequence[str], targets: Sequence[tuple[str, ...]], seed: Callable[[int], int]
    ) -> list[str]:
        """The two-step mutation of each parent towards its target descriptor, batched over parents; step
        ``k`` samples with ``seed(k)``. A step whose answer is empty keeps the text it was given."""
        texts = list(parents)
        for k, dim in enumerate(self.domain.dims):
            prompts = [
                self.domain.mutation_prompt(dim, target[k], text)
                for target, text in zip(targets, texts, strict=True)
            ]
            out = self.model.generate(
                prompts,
                temperature=self.config.mutator_temperature,
                max_tokens=self.config.mutation_max_tokens,
                seed=seed(k),
            )
            texts = [clean_mutation(r.text) or t for r, t in zip(out, texts, strict=True)]
        return texts
