"""Every bad input of issue 30: an error naming file, line and field, or a quarantined row that keeps its
content and the check that failed; long rows never end the run; empty input is a warning; refined output
is owner-only; evaluate refuses ids that match nothing and takes a plain list of gold strings."""

import json
import os
import stat
import subprocess
import sys

import pytest

from openended.gdr import detectors
from openended.gdr.io import InputError
from openended.gdr.metrics import read_corpus
from openended.llm import PromptTooLong
from tests.gdr.helpers import ROWS, _input, _ledger, _run, apply_replacements, echo_text


def test_a_prompt_too_long_for_the_model_quarantines_that_row_only(tmp_path):
    long_row = {"text": "Write to bob@example.org. " + "filler words " * 400, "n": 9}
    src = _input(tmp_path, [*ROWS, long_row])

    def respond(prompt: str, i: int) -> str:
        if len(prompt) > 3000:
            raise PromptTooLong("prompt of 2100 tokens does not fit the context of 2048")
        return apply_replacements(prompt, i)

    path, summary = _run(tmp_path, respond, input=src, batch_size=8)
    _, quarantine = _ledger(path)
    assert summary["output"] == len(ROWS) and summary["quarantine"] == 1
    (q,) = quarantine
    assert q["_gdr"]["reason"] == "too long for the model's context: text"
    assert "does not fit the context" in q["_gdr"]["failures"][0]
    assert q["text"] == long_row["text"]  # its content is kept, nothing lost


def test_with_the_fallback_a_row_too_long_for_the_model_is_still_refined(tmp_path):
    long_row = {"text": "Write to bob@example.org. " + "filler words " * 400, "n": 9}

    def respond(prompt: str, i: int) -> str:
        if len(prompt) > 3000:
            raise PromptTooLong("too long")
        return apply_replacements(prompt, i)

    path, summary = _run(tmp_path, respond, input=_input(tmp_path, [long_row]), fallback="redact")
    (out,), _ = _ledger(path)
    assert summary["output"] == 1 and out["_gdr"]["fallback"] == {"text": True}
    assert "bob@example.org" not in out["text"]


def test_a_text_longer_than_the_ner_limit_is_read_in_overlapping_chunks(monkeypatch):
    monkeypatch.setattr(detectors, "NER_CHUNK", 200)
    monkeypatch.setattr(detectors, "_OVERLAP", 60)
    text = "word " * 37 + "Angela Merkel visited Paris. " + "more text here " * 30
    pieces = list(detectors._chunks(text))
    assert pieces[0][0] == 0 and all(text[o : o + len(c)] == c for o, c in pieces)
    assert max(len(c) for _, c in pieces) <= 200 and pieces[-1][0] + len(pieces[-1][1]) == len(text)
    pytest.importorskip("presidio_analyzer")
    found = [f for f in detectors.detect(text) if f.kind == "PERSON"]
    assert [(text[f.start : f.end], f.text) for f in found] == [("Angela Merkel", "Angela Merkel")]


def test_the_quarantine_names_the_check_that_refused_the_fallback(tmp_path):
    # similarity 0.99: the redaction of a short text changes too much of it and is refused
    path, _ = _run(
        tmp_path, echo_text, input=_input(tmp_path, ROWS[:1]), fallback="redact", min_similarity=0.99
    )
    (q,) = _ledger(path)[1]
    assert any("fallback redaction refused by similarity" in f for f in q["_gdr"]["failures"])


def test_empty_input_is_a_warning_and_refined_output_is_owner_only(tmp_path, caplog):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with caplog.at_level("WARNING"):
        _, summary = _run(tmp_path, apply_replacements, name="empty", input=empty)
    assert summary["rows"] == 0 and "has no rows" in caplog.text
    path, _ = _run(tmp_path, apply_replacements, name="full")
    for name in ("refined.jsonl", "output.jsonl", "quarantine.jsonl"):
        if (path / name).exists():
            assert stat.S_IMODE(os.stat(path / name).st_mode) == 0o600, name


def test_gold_corpora_with_integer_ids_and_plain_string_gold(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": 7, "text": "Mail ann@x.org", "gold": ["ann@x.org"]}) + "\n")
    (row,) = read_corpus(corpus)
    assert row["id"] == "7" and row["gold"] == [{"kind": "PII", "value": "ann@x.org"}]
    corpus.write_text('{"id": 1, "text": "x", "gold": [5]}\n')
    with pytest.raises(InputError, match=r"line 1, field 'gold\[0\]'"):
        read_corpus(corpus)


def test_evaluate_refuses_a_run_whose_ids_match_nothing(tmp_path):
    path, _ = _run(tmp_path, apply_replacements)  # ids are positions: "0", "1", …
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": f"pii-{i}", "text": r["text"], "gold": []}) + "\n" for i, r in enumerate(ROWS)
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "openended", "gdr", "evaluate", "--corpus", str(corpus), "--run", str(path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and "5 of 5 corpus ids are not rows of" in err[0]
