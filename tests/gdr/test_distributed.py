"""The Ray Data path accounts for every row."""

import json

import pytest

from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.io import write_rows
from openended.gdr.runner import run_gdr
from tests.conftest import need


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
