"""A run killed with SIGKILL and resumed: every row exactly once (runner + ledger)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.runner import run_gdr
from openended.llm.scripted import ScriptedLLM
from tests.gdr.helpers import _input, _ledger, apply_replacements

KILL_SCRIPT = """
import sys, time
from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.runner import run_gdr
from openended.llm.scripted import ScriptedLLM
from tests.gdr.helpers import apply_replacements

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
