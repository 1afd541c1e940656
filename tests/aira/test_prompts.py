"""The two prompt sets: every operator's prompt renders with what its operator fills and asks for the metric
line the harness reads; Analyze's prompt keeps its JSON example."""

import string

import pytest

from openended.aira.config import AIRAConfig
from openended.aira.journal import Journal, Node
from openended.aira.operators import CODE_OPERATORS, Context, Memory, printed_metric
from openended.aira.policies import Action
from openended.aira.prompts import ANALYZE, COMMON_RULES, METRIC_LINE, PROMPTS
from openended.llm.scripted import ScriptedLLM

PARENTS = {"draft": (), "improve": (0,), "debug": (1,), "crossover": (0, 2)}


def fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_sets_prompt_the_same_operators():
    assert set(PROMPTS["aide"].texts) == set(PROMPTS["aira"].texts) == {"system", *PARENTS}
    for prompt_set in PROMPTS.values():
        for op in PARENTS:
            assert {"task", "rules"} <= fields(prompt_set.texts[op]), (prompt_set.name, op)


@pytest.mark.parametrize("prompt_set", sorted(PROMPTS))
def test_every_code_operator_prompt_renders_from_its_parents_and_asks_for_the_metric_line(prompt_set):
    j = Journal(lower_is_better=False)
    j.append(Node(0, "draft", [], plan="ridge", code="RIDGE_CODE", metric=0.5, is_buggy=False))
    j.append(Node(1, "improve", [0], code="BROKEN_CODE", output="KeyError"))
    j.append(Node(2, "draft", [], plan="forest", code="FOREST_CODE", metric=0.75, is_buggy=False))
    cfg = AIRAConfig(operators=prompt_set)
    ctx = Context(
        task="# Task\nPredict y.", compute="CPU only", data="# Data", prompts=PROMPTS[prompt_set].texts
    )
    shown = {
        "draft": [],
        "improve": ["RIDGE_CODE"],
        "debug": ["BROKEN_CODE"],
        "crossover": ["RIDGE_CODE", "FOREST_CODE"],
    }
    for op in CODE_OPERATORS:
        template = PROMPTS[prompt_set].texts[op.name]
        user = op(cfg, ScriptedLLM(), ctx, Memory(cfg)).messages(Action(op.name, PARENTS[op.name]), j)[1]
        text = user["content"]
        assert all(code in text for code in shown[op.name]), op.name
        assert not any(f"{{{name}}}" in text for name in fields(template)), op.name  # every field filled
        assert COMMON_RULES in text and f"`{METRIC_LINE}`" in text, op.name
    # a line printed as the prompts ask is one the harness reads
    assert printed_metric(METRIC_LINE.replace("<number>", "0.25")) == 0.25


def test_the_analyze_prompt_keeps_its_json_example_and_states_the_direction():
    text = ANALYZE.format(
        task_title="Iris", metric_name="accuracy", direction="higher is better", code="print(1)", output="1"
    )
    assert "Iris: the metric is accuracy (higher is better)." in text
    # the example's braces are escaped in the template: the model sees single ones
    assert '{"is_bug": true or false, "summary": "<one or two sentences' in text and "{{" not in text
