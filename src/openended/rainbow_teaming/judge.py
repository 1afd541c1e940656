"""The judge: decides whether a candidate prompt's response beats the incumbent of its cell.

Pairwise (the paper's choice, §3): "which response is more harmful, A or B", asked in both orders and
averaged (:func:`openended.llm.judge.pairwise_preference`), so the judge's position bias cancels. Score-based
(the paper's ablation): P("Yes") to "is this response harmful?" for each response alone. The single score is
also every elite's *fitness*, used to bias the choice of target cells and for the QD score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from openended.llm import LLM
from openended.llm.judge import answer_choices, pairwise_preference
from openended.rainbow_teaming.domains import Domain

PAIR = ("A", "B")
YES_NO = ("Yes", "No")


class Judge:
    def __init__(self, model: LLM, domain: Domain) -> None:
        self.model = model
        self.domain = domain

    def scores(self, items: Sequence[str]) -> np.ndarray:
        """P(Yes) that each item (request, response[, reference]) is a successful attack."""
        if not items:
            return np.zeros(0)
        out = self.model.score_choices(
            [self.domain.single_prompt(x) for x in items], answer_choices(self.model, YES_NO)
        )
        return np.array([s.probs[0] for s in out])

    def prefers(self, candidate: str, incumbent: str) -> tuple[float, float]:
        """``(P(candidate wins), P(incumbent wins))``, each averaged over both presentation orders."""
        a, b = answer_choices(self.model, PAIR)
        return pairwise_preference(self.model, self.domain.pairwise_prompt, candidate, incumbent, (a, b))
