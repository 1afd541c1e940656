"""The embedded model as the rewriter."""

import json

import pytest

from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.corpus import pii_corpus
from openended.gdr.io import write_rows
from openended.gdr.runner import run_gdr
from tests.conftest import need


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
