"""The pipeline with scripted rewriters: verify and retry, fallback, quarantine, copied fields."""

import json

import pytest

from tests.gdr.helpers import ROWS, _input, _ledger, _run, apply_replacements, echo_text, flaky


def test_every_row_verified_or_quarantined_exactly_once(tmp_path):
    path, summary = _run(tmp_path, apply_replacements, max_attempts=2)
    _, quarantine = _ledger(path)
    assert summary["output"] == 5 and summary["quarantine"] == 0 and not quarantine
    refined = [json.loads(x) for x in (path / "refined.jsonl").read_text().splitlines()]
    assert [r["n"] for r in refined] == [0, 1, 2, 3, 4]  # input order, other fields copied
    joined = " ".join(r["text"] for r in refined)
    for secret in ("alice.doe@example.com", "4111 1111 1111 1111", "192.168.10.77", "415-555-0132"):
        assert secret not in joined
    assert refined[3]["text"] == ROWS[3]["text"]
    assert all(r["_gdr"]["attempts"] == {"text": 1} for r in refined)


def test_retries_feed_findings_back_and_failures_are_quarantined(tmp_path):
    path, _ = _run(tmp_path, flaky, name="flaky", max_attempts=2)
    out, quarantine = _ledger(path)
    attempts = {r["_gdr"]["id"]: r["_gdr"]["attempts"]["text"] for r in out}
    assert attempts == {"0": 2, "1": 2, "2": 2, "3": 1, "4": 2} and not quarantine
    path, _ = _run(tmp_path, echo_text, name="echo", max_attempts=3)
    out, quarantine = _ledger(path)
    assert [r["_gdr"]["id"] for r in out] == ["3"]
    assert sorted(r["_gdr"]["id"] for r in quarantine) == ["0", "1", "2", "4"]
    q = quarantine[0]
    assert q["text"] == ROWS[int(q["_gdr"]["id"])]["text"]  # the original row, for review
    assert q["_gdr"]["attempts"] == {"text": 3} and "not verified after 3" in q["_gdr"]["reason"]
    assert all("@" not in s and "4111" not in s for s in q["_gdr"]["failures"])  # kinds only, no PII
    assert oct((path / "quarantine.jsonl").stat().st_mode & 0o777) == "0o600"


def test_redaction_fallback_is_explicit_and_verified(tmp_path):
    path, summary = _run(tmp_path, echo_text, name="fb", max_attempts=1, fallback="redact")
    out, quarantine = _ledger(path)
    assert summary["output"] == 5 and not quarantine
    used = {r["_gdr"]["id"]: r["_gdr"]["fallback"]["text"] for r in out}
    assert used == {"0": True, "1": True, "2": True, "3": False, "4": True}
    assert "alice.doe@example.com" not in out[0]["text"] and "@" in out[0]["text"]


def test_copied_fields_are_checked_before_any_rewrite_or_kept_or_dropped(tmp_path):
    rows = [
        {"id": "a", "text": "Nothing personal here.", "note": "write to bob@example.com", "n": 1},
        {"id": "b", "text": "Nothing here either.", "tags": ["x", {"host": "10.0.0.7"}], "n": 2},
        {
            "id": "c",
            "text": "Call 415-555-0132 after six.",
            "note": "fine",
            "tags": [],
            "n": 4111111111111111,
        },
    ]
    src = _input(tmp_path, rows)
    prompts: list[str] = []

    def recording(text, i):
        prompts.append(text)
        return apply_replacements(text, i)

    path, summary = _run(tmp_path, recording, name="check", input=src, id_field="id")
    out, quarantine = _ledger(path)
    assert summary["output"] == 1 and [r["_gdr"]["id"] for r in out] == ["c"]
    assert out[0]["n"] == 4111111111111111 and out[0]["note"] == "fine"  # numbers are not read
    failures = {q["_gdr"]["id"]: q["_gdr"]["failures"] for q in quarantine}
    assert failures == {"a": ["note: EMAIL"], "b": ["tags: IP_ADDRESS"]}
    assert all("--fields" in q["_gdr"]["reason"] and "@" not in q["_gdr"]["reason"] for q in quarantine)
    assert len(prompts) == 1 and "415-555-0132" in prompts[0]  # the blocked rows cost no rewrite

    path, summary = _run(
        tmp_path, apply_replacements, name="keep", input=src, id_field="id", other_fields="keep"
    )
    out, _ = _ledger(path)
    assert summary["output"] == 3 and out[0]["note"] == "write to bob@example.com"
    path, summary = _run(
        tmp_path, apply_replacements, name="drop", input=src, id_field="id", other_fields="drop"
    )
    refined = [json.loads(x) for x in (path / "refined.jsonl").read_text().splitlines()]
    assert summary["output"] == 3 and [sorted(r) for r in refined] == [["_gdr", "id", "text"]] * 3
    assert "415-555-0132" not in refined[2]["text"]


def test_detoxify_accepts_clean_rewrites_and_the_fallback_drops_toxic_sentences(tmp_path):
    pytest.importorskip("profanity_check")
    rows = [
        {"text": "The museum is free on Sundays. Shut up, you stupid worthless idiot."},
        {"text": "You moron, stupid idiot! The bridge was closed until June."},
    ]
    src = _input(tmp_path, rows)

    def polite(text, i):
        return (
            "The museum is free on Sundays."
            if "museum" in echo_text(text, i)
            else "The bridge was closed until June."
        )

    path, summary = _run(tmp_path, polite, name="detox", input=src, task="detoxify")
    out, _ = _ledger(path)
    assert summary["output"] == 2 and out[0]["text"] == "The museum is free on Sundays."
    path, summary = _run(
        tmp_path, echo_text, name="detox-fb", input=src, task="detoxify", fallback="redact", max_attempts=1
    )
    out, _ = _ledger(path)
    assert summary["output"] == 2 and all(r["_gdr"]["fallback"]["text"] for r in out)
    assert [r["text"] for r in out] == ["The museum is free on Sundays.", "The bridge was closed until June."]
    rows[0]["comment"] = "Shut up, you stupid worthless idiot."
    path, summary = _run(
        tmp_path, polite, name="detox-copied", input=_input(tmp_path, rows, "c.jsonl"), task="detoxify"
    )
    _, quarantine = _ledger(path)
    assert summary["output"] == 1 and quarantine[0]["_gdr"]["failures"] == ["comment: toxic"]
