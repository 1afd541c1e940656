"""Scripted rewriters and a small run helper shared by the GDR tests (not a test module)."""

from pathlib import Path

from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.io import write_rows
from openended.gdr.ledger import Ledger
from openended.gdr.runner import run_gdr
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
    kw.setdefault("min_similarity", 0.0)
    cfg = GDRConfig(input=str(kw.pop("input", None) or _input(tmp_path)), use_presidio=False, **kw)
    with Run.create("gdr", cfg, root=tmp_path, name=name) as run:
        summary = run_gdr(run, ScriptedLLM("scripted:rewriter", respond))
    return run.path, summary


def _ledger(path: Path):
    with Ledger(path) as ledger:
        return ledger.records("output"), ledger.records("quarantine")


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
