"""The ledger: durable, exactly-once, owner-only; a partial last line (a kill mid-write) is cut on reopen."""

import json
import stat

import pytest

from openended.gdr.ledger import Ledger


def test_records_are_exactly_once_owner_only_and_a_partial_line_is_cut(tmp_path):
    with Ledger(tmp_path) as ledger:
        ledger.write("output", {"text": "a", "_gdr": {"id": "1"}})
        ledger.write("quarantine", {"text": "b", "_gdr": {"id": "2"}})
        with pytest.raises(RuntimeError, match="already in the output"):
            ledger.write("quarantine", {"_gdr": {"id": "1"}})
    for name in ("output.jsonl", "quarantine.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    with open(tmp_path / "output.jsonl", "a") as f:
        f.write('{"text": "c", "_gdr": {"id": "3"')  # the process died mid-write
    with Ledger(tmp_path) as ledger:
        assert ledger.done == {"1": "output", "2": "quarantine"}  # id 3 is not done: it will be redone
        ledger.write("output", {"text": "c", "_gdr": {"id": "3"}})
        assert [r["_gdr"]["id"] for r in ledger.records("output")] == ["1", "3"]
    lines = (tmp_path / "output.jsonl").read_text().splitlines()
    assert [json.loads(x)["text"] for x in lines] == ["a", "c"]
