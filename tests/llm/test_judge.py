"""Pairwise judging in both orders."""

import math

import pytest

from openended.llm.judge import answer_choices, pairwise_preference
from openended.llm.scripted import ScriptedLLM


def test_pairwise_judge_cancels_position_bias_and_swaps_exactly():
    # A judge that likes longer answers but is biased towards whatever is shown first.
    def score(text, choices):
        first = text.split("A: ")[1].split("\n")[0]
        second = text.split("B: ")[1].split("\n")[0]
        return [len(first) / 10 + 0.7, len(second) / 10]

    judge = ScriptedLLM(score=score)

    def prompt(x, y):
        return f"Which is longer?\nA: {x}\nB: {y}\n"

    p_long, p_short = pairwise_preference(judge, prompt, "a much longer answer", "short")
    assert p_long > 0.5 > p_short and p_long + p_short == pytest.approx(1.0)
    assert pairwise_preference(judge, prompt, "short", "a much longer answer") == (p_short, p_long)
    tie = pairwise_preference(judge, prompt, "same", "same")
    assert tie[0] == tie[1] == pytest.approx(0.5)


def test_a_judge_with_nothing_but_position_bias_prefers_neither():
    # P(the first shown wins) = 0.8 whatever is shown: each answer wins 0.8 shown first, 0.2 shown second
    judge = ScriptedLLM(score=lambda text, choices: [math.log(0.8), math.log(0.2)])
    result = pairwise_preference(judge, lambda x, y: f"A: {x}\nB: {y}", "yes", "no")
    assert result == pytest.approx((0.5, 0.5)) and len(judge.calls) == 2


def test_preferences_average_both_orders_by_hand():
    # P(first wins) is 0.9 when "good" is first and 0.3 when "bad" is first
    def score(text, choices):
        p = 0.9 if text.split("1) ")[1].split("\n")[0] == "good" else 0.3
        return [math.log(p), math.log(1 - p)]

    judge = ScriptedLLM(score=score)
    good, bad = pairwise_preference(judge, lambda x, y: f"1) {x}\n2) {y}\n", "good", "bad", ("1", "2"))
    assert good == pytest.approx((0.9 + 0.7) / 2) and bad == pytest.approx((0.3 + 0.1) / 2)


def test_answer_choices_get_a_leading_space_for_a_base_model():
    model = ScriptedLLM()
    assert answer_choices(model, ("A", "B")) == ("A", "B")
    model.has_chat_template = False  # as a base model without a chat template reports
    assert answer_choices(model, ("A", "B")) == (" A", " B")
