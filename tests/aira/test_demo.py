"""``scripted:aira-demo``: the scripted model that replays three fixed working solutions (a test double)."""

import json

from openended.aira.demo import ANALYZE_MARKER, DEBUG_MARKERS, MODELS, demo_model, solution
from openended.aira.operators import extract
from openended.aira.prompts import PROMPTS
from openended.cli import main
from openended.llm.types import SamplingParams


def test_the_demo_model_runs_a_whole_search_from_the_cli(tmp_path, bwrap_ok):
    # scripted:aira-demo replays fixed working solutions: a test double that exercises the whole loop
    args = ["aira", "run", "--task", "penguins", "--model", "scripted:aira-demo", "--steps", "4"]
    assert main([*args, "--greedy.num-drafts", "3", "--runs-root", str(tmp_path), "--name", "demo"]) == 0
    summary = json.loads((tmp_path / "demo" / "artifacts" / "summary.json").read_text())
    assert summary["valid_submission_rate"] == 1.0 and summary["selected"]["score"] is not None
    nodes = [json.loads(line) for line in (tmp_path / "demo" / "journal.jsonl").read_text().splitlines()]
    assert [n["operator"] for n in nodes] == ["draft", "draft", "draft", "improve"]
    assert len({n["code"] for n in nodes[:3]}) == 3  # three different models


PARAMS = SamplingParams(max_tokens=10_000)  # the scripted model cuts replies at max_tokens words


def ask(model, user, system="You are an engineer."):
    return model.complete(
        [{"role": "system", "content": system}, {"role": "user", "content": user}], PARAMS
    ).text


def debug_prompt(prompt_set):
    fields = {"task": "# Task\niris", "code": "print(1 / 0)", "output": "ZeroDivisionError", "memory": ""}
    return PROMPTS[prompt_set].texts["debug"].format(**fields, rules="", compute="")


def test_the_demo_model_writes_the_three_solutions_in_turn_and_debugs_with_the_linear_one():
    model = demo_model()
    replies = [
        ask(model, "# Task\nDraft a solution."),
        ask(model, "# Task\nDraft another."),
        ask(model, debug_prompt("aide")),  # Debug: the linear solution, and the turn does not advance
        ask(model, "# Task\nImprove this one."),
        ask(model, debug_prompt("aira")),
        ask(model, "# Task\nA fourth."),
    ]
    names = ["linear", "forest", "linear", "boosting", "linear", "linear"]
    for reply, name in zip(replies, names, strict=True):
        plan, code = extract(reply)
        assert code == solution(name).strip() and plan.startswith(f"A {name} model"), (name, plan)
    # Analyze gets an empty verdict: the harness's reading of the run stands
    analyze = [{"role": "user", "content": f"{ANALYZE_MARKER}\n# Task\niris"}]
    assert model.complete(analyze, PARAMS).text == "{}"


def test_each_demo_solution_is_valid_python_and_differs_only_in_its_model():
    programs = {name: solution(name) for name in MODELS}
    for name, program in programs.items():
        compile(program, f"demo-{name}.py", "exec")  # the template's escaped braces came out right
        assert 'print("Validation metric:"' in program and '.to_csv("submission.csv"' in program
    linear_estimator, linear_imports = MODELS["linear"]
    for name, (estimator, imports) in MODELS.items():
        swapped = programs["linear"].replace(linear_estimator, estimator).replace(linear_imports, imports)
        assert swapped == programs[name]
    assert len(set(programs.values())) == 3


def test_the_debug_markers_are_headings_of_the_debug_prompts_and_of_no_other_prompt():
    # the demo tells Debug from the other operators by these headings: one elsewhere would misroute a prompt
    assert len(DEBUG_MARKERS) == len(PROMPTS)
    for marker, prompt_set in zip(DEBUG_MARKERS, PROMPTS.values(), strict=True):
        assert marker.startswith("# ") and marker in prompt_set.texts["debug"].splitlines()
    others = [text for p in PROMPTS.values() for op, text in p.texts.items() if op != "debug"]
    assert not any(marker in text for marker in DEBUG_MARKERS for text in others)
