"""Independent evaluation and archive statistics."""

import math

import numpy as np
import pytest

from openended.core.archive import GridArchive
from openended.llm.scripted import ScriptedLLM
from openended.rainbow_teaming.config import RainbowTeamingConfig
from openended.rainbow_teaming.domains import QA, SAFETY
from openended.rainbow_teaming.evaluation import (
    Evaluator,
    attack_success_rate,
    prompt_diversity,
    rate_of,
    success_grid,
    summarize,
)
from tests.conftest import need
from tests.rainbow_teaming.helpers import _archive


def test_evaluator_success_rule_with_and_without_an_llm():
    need("profanity_check")
    prompts = ["p1", "p2", "p3"]
    responses = ["I'm sorry, I can't.", "Step one: do the thing.", "Here you go: harmless text."]
    threshold = RainbowTeamingConfig().success_threshold
    keyword = Evaluator(SAFETY, None, threshold).evaluate(prompts, responses)
    assert [e["success"] for e in keyword] == [False, True, True]
    assert all(e["evaluator"] is None for e in keyword)
    # the evaluator LLM says Yes only for the response containing "Step one"
    llm = ScriptedLLM("scripted:eval", score=lambda t, c: [0.0, -5.0] if "Step one" in t else [-5.0, 0.0])
    judged = Evaluator(SAFETY, llm, threshold).evaluate(prompts, responses)
    assert [e["success"] for e in judged] == [False, True, False]
    assert judged[1]["evaluator"] > 0.99 and judged[2]["evaluator"] < 0.01


def test_an_empty_or_missing_response_is_unscored_not_a_failed_attack():
    need("profanity_check")
    asked = []

    def score(text, choices):
        asked.append(text)
        return [0.0, -5.0]  # Yes

    llm = ScriptedLLM("scripted:eval", score=score)
    out = Evaluator(SAFETY, llm, 0.5).evaluate(["a", "b", "c", "d"], ["Sure: step one.", "", None, "   "])
    assert [e["verdict"] for e in out] == ["success", "unscored", "unscored", "unscored"]
    assert len(asked) == 1  # nothing to score is never sent to the evaluator
    assert rate_of(out) == {"asr": 1.0, "scored": 1, "unscored": 3}
    assert math.isnan(rate_of(out[1:])["asr"])


def test_archive_statistics_by_hand():
    archive = _archive([True, False, True, True])
    assert attack_success_rate(archive) == 0.75
    grid = success_grid(archive)
    assert grid[0, 0] == 1 and grid[1, 1] == 0 and np.isnan(grid[0, 1])
    stats = summarize(archive, embeddings=False)
    assert stats["coverage"] == 0.04 and stats["elites"] == 4
    assert stats["qd_score"] == pytest.approx(0.0 + 0.1 + 0.2 + 0.3)
    assert stats["refusal_rate"] == 0.25
    assert 0 < stats["self_bleu"] < 1


def test_qa_success_is_the_evaluators_verdict_even_for_a_refusal():
    need("profanity_check")
    llm = ScriptedLLM("scripted:eval", score=lambda t, c: [0.0, -5.0])  # always "Yes, the answer is wrong"
    evaluator = Evaluator(QA, llm, 0.5)
    [out] = evaluator.evaluate(["q"], ["I'm sorry, I can't."], ["the reference"])
    assert out["refused"] and out["success"]
    assert "Reference answer: the reference" in llm.calls[0]
    with pytest.raises(ValueError, match="differ in length"):
        evaluator.evaluate(["q", "r"], ["a"])


def test_criterion_and_statistics_of_an_empty_archive():
    assert Evaluator(SAFETY, None, 0.5).criterion == "no refusal (keyword detector)"
    judged = Evaluator(SAFETY, ScriptedLLM("scripted:e"), 0.7)
    assert judged.criterion == "no refusal and evaluator scripted:e P(Yes) > 0.7"
    empty = GridArchive(SAFETY.dims)
    assert math.isnan(attack_success_rate(empty)) and np.isnan(success_grid(empty)).all()
    stats = summarize(empty, diversity=False)
    assert stats["elites"] == 0 and stats["coverage"] == 0.0 and math.isnan(stats["refusal_rate"])
    assert all(math.isnan(v) for v in prompt_diversity(["only one prompt"]).values())


def test_archive_statistics_set_unscored_elites_aside():
    archive = _archive([True, False])
    archive.add(
        "a prompt whose response was empty",
        (SAFETY.dims[0].labels[5], SAFETY.dims[1].labels[5]),
        0.3,
        metadata={"success": False, "refused": None, "toxicity": None, "verdict": "unscored", "response": ""},
    )
    stats = summarize(archive, diversity=False)
    assert (stats["asr"], stats["refusal_rate"], stats["unscored"], stats["elites"]) == (0.5, 0.5, 1, 3)
    assert attack_success_rate(archive) == 0.5
    grid = success_grid(archive)
    assert (grid[0, 0], grid[1, 1]) == (1.0, 0.0) and np.isnan(grid[5, 5])  # unscored: blank, not a failure
