"""Input formats, malformed rows, duplicate ids."""

import json

import pytest

from openended.gdr.io import InputError
from tests.gdr.helpers import ROWS, _input, _ledger, _run, apply_replacements


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
    bad_json = by_id["#malformed line 2"]
    assert bad_json["raw"] == "{not json" and "invalid JSON" in bad_json["_gdr"]["reason"]
    # a row without its text keeps its whole content in the quarantine, nothing of it is lost
    assert json.loads(by_id["2"]["raw"]) == {"other": "x"} and json.loads(by_id["4"]["raw"]) == {"text": 5}


def test_a_malformed_line_never_takes_the_id_of_a_real_row(tmp_path):
    """With --id-field, a line that is not JSON gets an id of its own: it neither collides with a row whose
    id is its position nor stops --on-malformed quarantine."""
    src = tmp_path / "ids.jsonl"
    src.write_text(json.dumps({"id": "1", "text": ROWS[0]["text"]}) + "\n{broken\n")
    _, summary = _run(
        tmp_path, apply_replacements, name="ids", input=src, id_field="id", on_malformed="quarantine"
    )
    assert summary["output"] == 1 and summary["quarantine"] == 1


def test_duplicate_ids_are_an_input_error(tmp_path):
    src = _input(tmp_path, [{"text": "a", "id": "x"}, {"text": "b", "id": "x"}])
    with pytest.raises(InputError, match="appears twice"):
        _run(tmp_path, apply_replacements, name="dup", input=src, id_field="id")
