"""Distillation pairs rebuild the first attempt's prompt."""

import re

from openended.cli import main
from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.io import write_rows
from openended.gdr.runner import run_gdr
from openended.llm.scripted import ScriptedLLM
from tests.gdr.helpers import CORPUS, apply_replacements, echo_text


def test_distillation_pairs_rebuild_the_first_attempt_prompt(tmp_path):
    from openended.gdr.distill import teacher_examples

    src = write_rows([{"id": r["id"], "text": r["text"]} for r in CORPUS], tmp_path / "in.jsonl", "jsonl")
    cfg = GDRConfig(
        input=str(src),
        id_field="id",
        use_presidio=False,
        min_similarity=0.0,
        max_attempts=1,
        fallback="redact",
    )
    with Run.create("gdr", cfg, root=tmp_path, name="teacher") as run:
        run_gdr(run, ScriptedLLM("scripted:rewriter", echo_text))  # leaks: every accepted row is a redaction
    assert main(["report", str(tmp_path / "teacher")]) == 0
    page = (tmp_path / "teacher" / "report.html").read_text()
    assert "Verification" in page and "redaction fallback used (rows)" in page
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)  # embedded figures are random base64
    assert "4111" not in text  # no row content in the report
    assert teacher_examples(tmp_path / "teacher") == []
    examples = teacher_examples(tmp_path / "teacher", include_fallback=True)
    assert len(examples) == 2
    prompt, answer = examples[1].prompt, examples[1].answer
    assert [m["role"] for m in prompt] == ["system", "user"]  # the student is prompted zero-shot by default
    few_shot = teacher_examples(tmp_path / "teacher", include_fallback=True, shots=-1)[1].prompt
    assert len(few_shot) > 2 and few_shot[-1] == prompt[-1]
    assert (
        "4111 1111 1111 1111 -> " in prompt[-1]["content"]
        and "Card 4111 1111 1111 1111 was charged" in prompt[-1]["content"]
    )
    assert "4111" not in answer and answer.endswith("was charged")
    # the answer applies exactly the replacements the prompt lists
    assert (
        apply_replacements(
            "Replacements: " + prompt[-1]["content"].split("Replacements: ", 1)[1] + "\n\nAssistant:", 0
        )
        == answer
    )
