"""The operators: a reply split into plan and code, the printed metric, Analyze's verdict, the memory fed
back into prompts, re-asks for a code block, and each code operator's prompt built from its parents."""

from pathlib import Path

from openended.aira.config import AIRAConfig
from openended.aira.journal import Journal, Node
from openended.aira.operators import (
    Analyze,
    Context,
    Crossover,
    Debug,
    Draft,
    Improve,
    Memory,
    data_overview,
    extract,
    printed_metric,
)
from openended.aira.policies import Action
from openended.aira.prompts import DEBUG_MEMORY_HEADER, MEMORY_HEADER, PROMPTS
from openended.aira.task import Prepared, Task
from openended.llm import LLMError
from openended.llm.scripted import ScriptedLLM


def test_extract_takes_the_plan_before_the_first_block_and_the_longest_block():
    reply = "Plan: two models.\n```python\nx = 1\n```\nthen\n```py\nimport numpy as np\ny = 2\n```\n"
    assert extract(reply) == ("Plan: two models.", "import numpy as np\ny = 2")
    # a reply cut by max_tokens inside its block still has code
    assert extract("Fix:\n```python\nprint(1)\nprint(2") == ("Fix:", "print(1)\nprint(2")
    # a reasoning model's thoughts are not the answer
    assert extract("<think>```python\nthought = 1\n```</think>Plan\n```\nok = 1\n```") == ("Plan", "ok = 1")
    assert extract("  I would use a random forest.  ") == ("I would use a random forest.", None)
    assert extract("Plan\n```python\n\n```")[1] is None  # an empty block is no code


def test_printed_metric_is_the_last_finite_metric_line():
    out = "Validation metric: 0.5\nfold 2\nvalidation METRIC = -1.25e-3\ndone"
    assert printed_metric(out) == -0.00125
    assert printed_metric("Validation metric: .75") == 0.75
    assert printed_metric("accuracy 0.9") is None
    assert printed_metric("Validation metric: nan") is None
    assert printed_metric("Validation metric: 1e999") is None  # overflows to inf


def toy_prepared() -> Prepared:
    task = Task(name="toy", title="Toy", description="toy", metric="rmse", target="y", load=lambda: None)
    return Prepared(task, Path("public"), Path("private"))


def verdict(reply, output, code="print(1)"):
    def respond(prompt, _i):
        if isinstance(reply, Exception):
            raise reply
        return reply

    model = ScriptedLLM(respond=respond)
    result = Analyze(AIRAConfig(), model, toy_prepared())(Node(0, "draft", [], code=code, output=output))
    return result, model


def test_analyze_believes_a_reported_metric_only_when_the_output_contains_it():
    out = "fold scores 0.93 0.89\nValidation metric: 0.91"
    v, model = verdict('{"is_bug": false, "summary": "trained", "metric": 0.123456}', out)
    assert (v.is_bug, v.summary, v.metric) == (False, "trained", 0.91)  # invented: the printed line stands
    assert "Toy: the metric is rmse (lower is better)" in model.calls[0] and out in model.calls[0]
    v, _ = verdict('Sure! {"is_bug": false, "summary": "ok", "metric": 0.93} Hope it helps.', out)
    assert v.metric == 0.93  # it is in the output
    v, _ = verdict('{"is_bug": true, "summary": "' + "leak " * 200 + '"}', out)
    assert v.is_bug and len(v.summary) == 500


def test_without_a_verdict_the_printed_metric_decides():
    for reply in ("looks fine to me", "[1, 2]", LLMError("context too small")):
        v, _ = verdict(reply, "Validation metric: 0.91")
        assert (v.is_bug, v.summary, v.metric) == (False, "validation 0.91", 0.91), reply
        v, _ = verdict(reply, "Traceback: KeyError")
        assert (v.is_bug, v.summary, v.metric) == (True, "no validation score printed", None), reply
    v, _ = verdict(LLMError("context too small"), "Validation metric: 0.91")
    assert (v.tokens, v.seconds) == (0, 0.0)


def memory_journal() -> Journal:
    j = Journal(lower_is_better=False)
    j.append(Node(0, "draft", [], plan="ridge", metric=0.5, is_buggy=False))
    j.append(Node(1, "draft", [], plan="broken", bug="exit code 1"))
    j.append(Node(2, "draft", [], plan="forest", metric=0.7, is_buggy=False))
    j.append(Node(3, "improve", [2], plan="", summary="boosting\n  run", metric=0.8, is_buggy=False))
    j.append(Node(4, "debug", [1], plan="p" * 200, bug="KeyError: 'x'", debug_depth=1))
    j.append(Node(5, "debug", [4], plan="third try", bug="still", debug_depth=2))
    return j


def test_simple_memory_lists_the_most_recent_good_solutions():
    j = memory_journal()
    text = Memory(AIRAConfig(memory_items=2)).simple(j)
    assert text == MEMORY_HEADER + "- forest -> validation 0.7\n- boosting run -> validation 0.8\n\n"
    assert Memory(AIRAConfig(memory="none")).simple(j) == ""
    assert Memory(AIRAConfig(memory_items=0)).simple(j) == ""
    assert Memory(AIRAConfig()).simple(Journal(lower_is_better=False)) == ""


def test_ancestral_memory_lists_the_earlier_attempts_of_a_debug_chain():
    j = memory_journal()
    text = Memory(AIRAConfig()).ancestral(j, j[5])
    assert text == DEBUG_MEMORY_HEADER + "- broken: exit code 1\n- " + "p" * 157 + "...: KeyError: 'x'\n\n"
    assert Memory(AIRAConfig()).ancestral(j, j[1]) == ""  # nothing before it


def context(prompt_set="aira"):
    return Context(
        task="# Task\nPredict y.", compute="CPU only", data="# Data", prompts=PROMPTS[prompt_set].texts
    )


def test_a_reply_without_code_is_asked_again_up_to_llm_retries():
    replies = ["no code here", "still none", "Plan.\n```python\nprint(1)\n```"]
    model = ScriptedLLM(respond=replies)
    cfg = AIRAConfig(llm_retries=3)
    proposal = Draft(cfg, model, context(), Memory(cfg))(Action("draft"), Journal(lower_is_better=False), 0)
    # the scripted model counts words as tokens: 3 + 2 + 4 over the three attempts
    assert (proposal.plan, proposal.code, proposal.tokens, len(model.calls)) == ("Plan.", "print(1)", 9, 3)
    model = ScriptedLLM(respond=replies)
    cfg = AIRAConfig(llm_retries=2)
    proposal = Draft(cfg, model, context(), Memory(cfg))(Action("draft"), Journal(lower_is_better=False), 0)
    assert (proposal.plan, proposal.code, proposal.tokens, len(model.calls)) == ("still none", None, 5, 2)


def test_each_code_operator_shows_its_parents():
    j = Journal(lower_is_better=False)
    j.append(Node(0, "draft", [], plan="ridge", code="RIDGE_CODE", metric=0.5, is_buggy=False))
    j.append(Node(1, "draft", [], plan="forest", code="FOREST_CODE", metric=0.75, is_buggy=False))
    j.append(Node(2, "improve", [0], code="BROKEN_CODE", output="Traceback: KeyError 'x'"))
    j.append(Node(3, "improve", [0], code="SILENT_CODE", bug="the reply had no code block"))
    cfg = AIRAConfig()
    model, memory = ScriptedLLM(), Memory(cfg)

    def user(op, *parents):
        messages = op(cfg, model, context(), memory).messages(Action(op.name, parents), j)
        assert messages[0] == {"role": "system", "content": PROMPTS["aira"].texts["system"]}
        assert "# Task\nPredict y." in messages[1]["content"]
        return messages[1]["content"]

    improve = user(Improve, 1)
    assert "FOREST_CODE" in improve and "(validation 0.75)" in improve and "RIDGE_CODE" not in improve
    debug = user(Debug, 2)
    assert "BROKEN_CODE" in debug and "KeyError 'x'" in debug and "RIDGE_CODE" not in debug
    assert "the reply had no code block" in user(Debug, 3)  # no output: the reason it is buggy
    crossover = user(Crossover, 0, 1)
    assert "RIDGE_CODE" in crossover and "FOREST_CODE" in crossover
    assert "(validation 0.5)" in crossover and "(validation 0.75)" in crossover
    draft = user(Draft)
    assert "# Data" in draft and "- ridge -> validation 0.5" in draft and "RIDGE_CODE" not in draft


def test_data_overview_lists_files_rows_and_columns(tmp_path):
    (tmp_path / "description.md").write_text("# Toy\n")
    (tmp_path / "train.csv").write_text("a,b\n1,x\n2,y\n3,z\n")
    wide = ",".join(f"c{i}" for i in range(45))
    (tmp_path / "wide.csv").write_text(wide + "\n" + ",".join(["0"] * 45) + "\n")
    lines = data_overview(tmp_path).splitlines()
    assert lines[0] == "# Data (./data)"
    assert [line.split(" (")[0] for line in lines if line.startswith("- ")] == [
        "- description.md",
        "- train.csv",
        "- wide.csv",
    ]
    train = lines[lines.index(next(x for x in lines if x.startswith("- train.csv"))) + 1]
    assert train.startswith("  3 rows; columns a: int64, b: ")
    assert lines[-1].startswith("  1 rows; columns c0: int64") and lines[-1].endswith(", ... (5 more)")
    assert "c40" not in lines[-1] and "c39: int64" in lines[-1]


def test_the_context_follows_the_config(tmp_path):
    (tmp_path / "description.md").write_text("  # Toy\n\nPredict y.\n")
    (tmp_path / "train.csv").write_text("a,y\n1,2\n")
    prepared = Prepared(toy_prepared().task, tmp_path, tmp_path / "private")
    ctx = Context.of(AIRAConfig(operators="aide", memory_mb=1024, exec_timeout_s=90), prepared)
    assert ctx.task == "# Task\n# Toy\n\nPredict y." and ctx.prompts == PROMPTS["aide"].texts
    assert "1024 MB of memory" in ctx.compute and "after 90 s" in ctx.compute
    assert ctx.data == data_overview(tmp_path)
    ctx = Context.of(AIRAConfig(operators="aira", data_preview=False), prepared)
    assert ctx.prompts == PROMPTS["aira"].texts and ctx.data == ""
