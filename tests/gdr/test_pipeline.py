"""GDR row accounting: retries, quarantine, fallback, resume after SIGKILL, input formats, malformed input."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.detectors import date_ok, iban_ok, luhn_ok, pattern_findings
from openended.gdr.io import InputError, write_rows
from openended.gdr.ledger import Ledger
from openended.gdr.runner import run_gdr
from openended.gdr.surrogates import Surrogates
from openended.llm.scripted import ScriptedLLM

ROWS = [
    {"text": "Write to alice.doe@example.com about the invoice.", "n": 0},
    {"text": "My card is 4111 1111 1111 1111, charge it.", "n": 1},
    {"text": "The server at 192.168.10.77 is down again.", "n": 2},
    {"text": "Nothing personal here, just the weather.", "n": 3},
    {"text": "Call 415-555-0132 after six.", "n": 4},
]


def apply_replacements(text: str, i: int) -> str:
    """A rewriter that does what the prompt asks: apply the listed replacements to the text."""
    body = text.rsplit("Replacements: ", 1)[1]
    repl, _, rest = body.partition("\n")
    source = rest.split("Text:\n", 1)[1].rsplit("\n\nAssistant:", 1)[0]
    for pair in repl.split("; "):
        if " -> " in pair:
            old, new = pair.split(" -> ", 1)
            source = source.replace(old, new)
    return source


def echo_text(text: str, i: int) -> str:
    """A rewriter that changes nothing: every row with PII must fail verification."""
    return text.rsplit("Text:\n", 1)[1].rsplit("\n\nAssistant:", 1)[0]


def flaky(text: str, i: int) -> str:
    """Leaks on the first attempt, complies once told what leaked."""
    return apply_replacements(text, i) if "previous attempt was rejected" in text else echo_text(text, i)


def _input(tmp_path: Path, rows=ROWS, name="in.jsonl", fmt="jsonl") -> Path:
    return write_rows(rows, tmp_path / name, fmt)


def _run(tmp_path: Path, respond, name="r", **kw):
    cfg = GDRConfig(
        input=str(kw.pop("input", None) or _input(tmp_path)), use_presidio=False, min_similarity=0.0, **kw
    )
    with Run.create("gdr", cfg, root=tmp_path, name=name) as run:
        summary = run_gdr(run, ScriptedLLM("scripted:rewriter", respond))
    return run.path, summary


def _ledger(path: Path):
    with Ledger(path) as ledger:
        return ledger.records("output"), ledger.records("quarantine")


def test_checksums_and_pattern_detectors():
    assert luhn_ok("4111 1111 1111 1111") and not luhn_ok("4111 1111 1111 1112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB82 WEST 1234 5698 7654 33")
    text = "mail bob@x.org, key AKIAIOSFODNN7EXAMPLE, ip 10.1.2.3, ssn 219-09-9999, bad ip 999.1.1.1"
    kinds = {(f.kind, f.text) for f in pattern_findings(text)}
    assert ("EMAIL", "bob@x.org") in kinds and ("SECRET", "AKIAIOSFODNN7EXAMPLE") in kinds
    assert ("IP_ADDRESS", "10.1.2.3") in kinds and ("US_SSN", "219-09-9999") in kinds
    assert not any(t == "999.1.1.1" for _, t in kinds)


def test_street_addresses_and_dates_of_birth_are_found_and_other_dates_are_content():
    text = (
        "Ann (born 1985-03-12) lives at 79402 Peterson Drives Apt. 511; DOB of her son: 03/12/2011, date of "
        "birth of her father 7 March 1950. The meeting is on 2024-05-01, she was born on 1985-02-30 (no such "
        "day), Python 3.11, expiry 09/27, office at 10 Downing Street, London."
    )
    kinds = [(f.kind, f.text) for f in pattern_findings(text)]
    assert kinds == [
        ("DATE_OF_BIRTH", "1985-03-12"),
        ("ADDRESS", "79402 Peterson Drives Apt. 511"),
        ("DATE_OF_BIRTH", "03/12/2011"),
        ("DATE_OF_BIRTH", "7 March 1950"),
        ("ADDRESS", "10 Downing Street"),
    ]
    assert date_ok("March 12, 1985") and date_ok("31/12/99") and not date_ok("13/13/1999")
    assert not date_ok("2023-02-29") and date_ok("2024-02-29")


def test_surrogates_are_consistent_keyed_and_realistic():
    a, b = Surrogates("k" * 32), Surrogates("other-key-" * 4)
    assert a.of("EMAIL", "x@y.org") == a.of("EMAIL", "x@y.org") != "x@y.org"
    assert "@" in a.of("EMAIL", "x@y.org")
    assert a.of("EMAIL", "x@y.org") != b.of("EMAIL", "x@y.org")
    assert luhn_ok(a.of("CREDIT_CARD", "4111111111111111"))
    assert "k" * 32 not in repr(a)


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


@pytest.mark.parametrize(
    "fmt,name", [("jsonl", "in.jsonl"), ("csv", "in.csv"), ("parquet", "in.parquet"), ("hf", "in_hf")]
)
def test_each_input_format_round_trips(tmp_path, fmt, name):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    if fmt == "hf":
        pytest.importorskip("datasets")
    rows = [{"text": r["text"], "n": str(r["n"])} for r in ROWS]  # CSV holds text
    src = _input(tmp_path, rows, name, fmt)
    path, summary = _run(tmp_path, apply_replacements, name=f"rt-{fmt}", input=src)
    assert summary["output"] == 5
    from openended.gdr.io import Row, read_rows
    from openended.gdr.runner import EXTENSIONS

    back = list(read_rows(path / EXTENSIONS[fmt], ["text"]))
    assert all(isinstance(r, Row) for r in back)
    assert [r.data["n"] for r in back] == [str(i) for i in range(5)]
    assert set(back[0].data) == {"text", "n", "_gdr"}
    assert "alice.doe@example.com" not in back[0].data["text"]


def test_malformed_input_stops_before_work_or_is_quarantined(tmp_path):
    src = tmp_path / "bad.jsonl"
    lines = [
        json.dumps(ROWS[0]),
        "{not json",
        json.dumps({"other": "x"}),
        json.dumps(ROWS[3]),
        json.dumps({"text": 5}),
    ]
    src.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        InputError,
        match=r"3 malformed row\(s\): line 2: invalid JSON.*line 3: missing field 'text'.*line 5: field",
    ):
        _run(tmp_path, apply_replacements, name="stop", input=src)
    assert not (tmp_path / "stop" / "output.jsonl").exists()  # stopped before any work
    path, summary = _run(tmp_path, apply_replacements, name="q", input=src, on_malformed="quarantine")
    _, quarantine = _ledger(path)
    assert summary["output"] == 2 and summary["quarantine"] == 3
    by_id = {r["_gdr"]["id"]: r for r in quarantine}
    assert by_id["1"]["raw"] == "{not json" and "invalid JSON" in by_id["1"]["_gdr"]["reason"]


def test_duplicate_ids_are_an_input_error(tmp_path):
    src = _input(tmp_path, [{"text": "a", "id": "x"}, {"text": "b", "id": "x"}])
    with pytest.raises(InputError, match="appears twice"):
        _run(tmp_path, apply_replacements, name="dup", input=src, id_field="id")


KILL_SCRIPT = """
import sys, time
from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.runner import run_gdr
from openended.llm.scripted import ScriptedLLM
from tests.gdr.test_pipeline import apply_replacements

def slow(text, i):
    time.sleep(0.05)
    return apply_replacements(text, i)

cfg = GDRConfig(input=sys.argv[1], use_presidio=False, min_similarity=0.0, batch_size=3)
with Run.create("gdr", cfg, root=sys.argv[2], name="killed") as run:
    run_gdr(run, ScriptedLLM("scripted:rewriter", slow))
"""


def test_sigkill_mid_run_then_resume_keeps_every_row_exactly_once(tmp_path):
    rows = [
        {"text": f"Row {k}: mail user{k}@example.com or call 415-555-{1000 + k:04d}."} for k in range(120)
    ]
    src = _input(tmp_path, rows)
    env = {**os.environ, "OPENENDED_PROGRESS": "0", "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(src), str(tmp_path)], env=env, cwd=Path(__file__).parents[2]
    )
    out_file = tmp_path / "killed" / "output.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and (not out_file.is_file() or out_file.read_text().count("\n") < 20):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = out_file.read_text().count("\n")
    assert 20 <= done_before < 120, "the run was not killed mid-way"
    with open(out_file, "ab") as f:
        f.write(b'{"text": "a half-written li')  # as if killed inside a write
    run = Run.resume(tmp_path / "killed", "gdr", GDRConfig)
    with run:
        summary = run_gdr(run, ScriptedLLM("scripted:rewriter", apply_replacements))
    out, quarantine = _ledger(tmp_path / "killed")
    ids = [r["_gdr"]["id"] for r in out] + [r["_gdr"]["id"] for r in quarantine]
    assert sorted(ids, key=int) == [str(k) for k in range(120)]  # every row, once
    assert summary["rows"] == 120
    refined = (tmp_path / "killed" / "refined.jsonl").read_text()
    assert not re.search(r"user\d+@example\.com", refined)


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
