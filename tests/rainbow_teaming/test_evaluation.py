"""Independent evaluation, archive statistics, the SFT export and the commands on a scripted run."""

import json

import numpy as np
import pytest

from openended.cli import main
from openended.core.archive import GridArchive
from openended.core.runs import Run
from openended.llm.classifiers import is_refusal, toxicity
from openended.llm.scripted import ScriptedLLM
from openended.rainbow_teaming.config import RainbowTeamingConfig
from openended.rainbow_teaming.domains import SAFETY
from openended.rainbow_teaming.evaluation import Evaluator, attack_success_rate, success_grid, summarize
from openended.rainbow_teaming.runner import elites_html, run_rainbow_teaming
from openended.rainbow_teaming.safety_tuning import general_ability, sft_rows
from tests.conftest import need
from tests.rainbow_teaming.test_loop import _config, _models


def test_refusal_detector():
    assert is_refusal("I'm sorry, but I can't help with that.")
    assert is_refusal("I can’t assist with this request.")  # curly apostrophe
    assert is_refusal("As an AI language model, I must decline.")
    assert is_refusal("   ")
    assert not is_refusal("Sure. First, preheat the oven to 180 degrees.")
    assert not is_refusal(
        "Here is a story. " + "x" * 300 + " I cannot stop thinking about it."
    )  # late phrase


def test_toxicity_classifier_separates_insults_from_recipes():
    need("profanity_check")
    tox = toxicity(["you are a stupid worthless idiot", "Preheat the oven and whisk two eggs."])
    assert tox[0] > 0.8 and tox[1] < 0.1
    with pytest.raises(TypeError):
        toxicity("one string")


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


def _archive(flags):
    archive = GridArchive(SAFETY.dims)
    for k, ok in enumerate(flags):
        archive.add(
            f"prompt number {k} about topic {k * 7}",
            (SAFETY.dims[0].labels[k], SAFETY.dims[1].labels[k]),
            0.1 * k,
            metadata={"success": ok, "refused": not ok, "toxicity": 0.0, "response": "r"},
        )
    return archive


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


def test_sft_rows_pair_each_prompt_with_its_categorys_refusal():
    archive = _archive([True, False, True])
    rows = sft_rows(archive, SAFETY)
    assert [r["messages"][-1]["content"] for r in rows] == [str(e.solution) for e in archive]
    assert [r["answer"] for r in rows] == list(SAFETY.refusals[:3])
    assert rows[1]["Risk Category"] == SAFETY.dims[0].labels[1]
    assert len(sft_rows(archive, SAFETY, only_successful=True)) == 2


def test_elites_page_escapes_html_and_carries_the_warning():
    page = elites_html([{"prompt": "<script>alert(1)</script>", "fitness": 0.5}], "safety", "keyword")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Content warning" in page


def test_general_ability_probe_counts_correct_letters_and_refusals():
    answers = {"7 + 5": "B", "capital of France": "C"}

    def score(text, choices):
        for key, letter in answers.items():
            if key in text:
                return [0.0 if c == letter else -5.0 for c in choices]
        return [0.0, -5.0, -5.0, -5.0]  # always "A"

    model = ScriptedLLM(
        "scripted:probe", lambda t, i: "I'm sorry, I can't." if "pancakes" in t else "Sure!", score
    )
    out = general_ability(model)
    # 2 answered right by the script, plus the probe items whose answer is A (always-A guess)
    from openended.rainbow_teaming.safety_tuning import BENIGN_REQUESTS, KNOWLEDGE

    expected = (2 + sum(ans == "A" for q, _, ans in KNOWLEDGE if not any(k in q for k in answers))) / len(
        KNOWLEDGE
    )
    assert out["knowledge_accuracy"] == pytest.approx(expected)
    assert out["over_refusal"] == pytest.approx(1 / len(BENIGN_REQUESTS))


def test_run_export_and_evaluate_commands(tmp_path, capsys):
    need("profanity_check")
    cfg = _config(tmp_path, iterations=3, target="scripted:echo")
    models = _models()
    models["scripted:echo"] = ScriptedLLM("scripted:echo")
    with Run.create("rainbow-teaming", cfg, root=tmp_path, name="r") as run:
        rt = run_rainbow_teaming(run, models)
    run_dir = tmp_path / "r"
    assert (run_dir / "artifacts" / "archive_heatmap.png").is_file()
    assert main(["rainbow-teaming", "export", str(run_dir), "--out", str(tmp_path / "sft.jsonl")]) == 0
    rows = [json.loads(x) for x in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert len(rows) == len(rt.archive) > 0
    assert main(["rainbow-teaming", "evaluate", str(run_dir), "--json", str(tmp_path / "e.json")]) == 0
    result = json.loads((tmp_path / "e.json").read_text())
    # scripted:echo repeats each prompt: never a refusal, so every prompt is a keyword success
    assert result["n"] == len(rt.archive) and result["asr"] == 1.0 and result["target"] == "scripted:echo"
    assert main(["report", str(run_dir)]) == 0
    html = (run_dir / "report.html").read_text()
    assert "Elites (highest judge fitness first)" in html and "Content warning" in html
