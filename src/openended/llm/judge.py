"""Pairwise judging in both orders, symmetric by construction.

An LLM judge shown "A: x, B: y" favours one position. :func:`pairwise_preference` asks both orders and
averages: the score of ``a`` is the mean of P(first wins | a first) and P(second wins | a second), and
likewise for ``b``. Swapping ``a`` and ``b`` evaluates the same two prompts with the roles exchanged, so the
result is exactly swapped (the same floating-point additions, in another order of arguments).
"""

from __future__ import annotations

from collections.abc import Callable

from openended.llm.base import LLM
from openended.llm.types import Prompt

JudgePrompt = Callable[[str, str], Prompt]


def pairwise_preference(
    model: LLM, make_prompt: JudgePrompt, a: str, b: str, choices: tuple[str, str] = ("A", "B")
) -> tuple[float, float]:
    """``(P(a preferred), P(b preferred))``, each averaged over both presentation orders.

    ``make_prompt(first, second)`` builds the judge prompt in which ``choices[0]`` names ``first`` and
    ``choices[1]`` names ``second``.
    """
    a_first, b_first = model.score_choices([make_prompt(a, b), make_prompt(b, a)], choices)
    first, second = choices
    score_a = (a_first.prob(first) + b_first.prob(second)) / 2
    score_b = (b_first.prob(first) + a_first.prob(second)) / 2
    return score_a, score_b


def answer_choices(model: LLM, words: tuple[str, ...]) -> tuple[str, ...]:
    """Answer words as they continue the prompt: right after the assistant header for a chat model, after a
    space for a base model that sees a plain ``Assistant:`` transcript."""
    return words if getattr(model, "has_chat_template", True) else tuple(" " + w for w in words)
