"""The judge: pairwise in both orders, or a single P(Yes) score."""

import math

import numpy as np

from openended.core.archive import Status
from openended.llm.scripted import ScriptedLLM
from openended.rainbow_teaming.domains import SAFETY
from openended.rainbow_teaming.judge import Judge
from tests.rainbow_teaming.helpers import _blocks, fill, make


def test_judge_asks_both_orders_so_a_position_biased_judge_never_replaces():
    always_a = lambda text, choices: [0.0, -4.0] if choices == ("A", "B") else [0.0, 0.0]  # noqa: E731
    rt = make(judge=always_a)
    fill(rt, [(0, 0)])
    incumbent = rt.archive.get((0, 0), is_cell=True)
    status = rt.archive.add(
        "candidate prompt",
        incumbent.measures,
        0.9,
        compare=rt._beats,
        metadata={"response": "cand #99", "reference": None},
    )
    assert status is Status.NOT_ADDED  # P(A) in both orders: the two averages tie
    pair_calls = [c for c in rt.roles.judge.calls if "[A]" in c]
    assert len(pair_calls) == 2
    firsts = [_blocks(c)[0] for c in pair_calls]
    assert any("cand #99" in f for f in firsts) and any("r #0" in f for f in firsts)


def test_single_scores_are_p_yes_and_a_base_model_gets_spaced_answers():
    seen = []

    def score(text, choices):
        seen.append(choices)
        return [math.log(0.3), math.log(0.7)]

    model = ScriptedLLM("scripted:judge", score=score)
    judge = Judge(model, SAFETY)
    np.testing.assert_allclose(judge.scores(["item one", "item two"]), [0.3, 0.3])
    assert judge.scores([]).shape == (0,) and len(model.calls) == 2
    assert "item one" in model.calls[0] and model.calls[0].endswith("Answer with Yes or No.\n\nAssistant:")
    model.has_chat_template = False  # as a base model reports
    judge.scores(["item"])
    assert seen == [("Yes", "No"), ("Yes", "No"), (" Yes", " No")]
