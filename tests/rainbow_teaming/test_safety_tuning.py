"""Safety fine-tuning data (SFT rows) and the general-ability probe."""

import json

import pytest

from openended.core.archive import GridArchive
from openended.llm.scripted import ScriptedLLM
from openended.rainbow_teaming.domains import QA, SAFETY
from openended.rainbow_teaming.evaluation import Evaluator
from openended.rainbow_teaming.safety_tuning import attack, general_ability, sft_rows, write_jsonl
from tests.conftest import need
from tests.rainbow_teaming.helpers import _archive


def test_sft_rows_pair_each_prompt_with_its_categorys_refusal():
    archive = _archive([True, False, True])
    rows = sft_rows(archive, SAFETY)
    assert [r["messages"][-1]["content"] for r in rows] == [str(e.solution) for e in archive]
    assert [r["answer"] for r in rows] == list(SAFETY.refusals[:3])
    assert rows[1]["Risk Category"] == SAFETY.dims[0].labels[1]
    assert len(sft_rows(archive, SAFETY, only_successful=True)) == 2


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


def test_sft_rows_need_a_refusal_per_category():
    with pytest.raises(ValueError, match="no refusal per Topic"):
        sft_rows(GridArchive(QA.dims), QA)


def test_write_jsonl_keeps_unicode_and_creates_folders(tmp_path):
    rows = [{"answer": "Je ne peux pas — désolé"}, {"n": 1}]
    path = write_jsonl(rows, tmp_path / "sub" / "x.jsonl")
    text = path.read_text(encoding="utf-8")
    assert "désolé" in text and [json.loads(line) for line in text.splitlines()] == rows


def test_attack_measures_the_success_rate_of_a_prompt_set():
    need("profanity_check")
    target = ScriptedLLM(
        "scripted:t", lambda t, i: "I'm sorry, I can't." if "lock" in t else "Sure, step one."
    )
    keyword = Evaluator(SAFETY, None, 0.5)
    out = attack(target, ["pick a lock", "bake bread", "fix a bike", "open a lock"], SAFETY, keyword)
    assert out["n"] == 4 and out["asr"] == 0.5 and out["refusal_rate"] == 0.5
    assert out["responses"] == [
        "I'm sorry, I can't.",
        "Sure, step one.",
        "Sure, step one.",
        "I'm sorry, I can't.",
    ]
    with pytest.raises(ValueError, match="no prompts"):
        attack(target, [], SAFETY, keyword)
