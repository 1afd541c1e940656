"""GDR and Presidio on two PII corpora from different generators: the one the detectors were developed on
(``openended.gdr.corpus.pii_corpus``, seed 0) and the held-out one (``benchmarks/data/gdr-heldout.jsonl``,
fixed before the detectors were changed; its SHA-256 is checked). Per corpus and method: the leak rate,
exact and near, per PII kind, the coverage and rows/s.

    python benchmarks/gdr/generalization.py [--n 100] [--root runs/gdr-generalization]

GDR runs with the embedded SmolLM2-135M rewriter, the redaction fallback and otherwise the defaults; every
run resumes if interrupted. Writes ``benchmarks/results/gdr-generalization.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from openended.core.commands import run_or_resume
from openended.core.runs import provenance, read_metrics
from openended.gdr.baselines import presidio_anonymize
from openended.gdr.cli import ANONYMIZE, AnonymizeConfig, outputs_of
from openended.gdr.corpus import pii_corpus
from openended.gdr.io import write_rows
from openended.gdr.metrics import evaluate_pii, read_corpus

HERE = Path(__file__).resolve().parents[1]
HELDOUT = HERE / "data" / "gdr-heldout.jsonl"
MODEL = "smollm2-135m?threads=2"


def _heldout() -> list[dict[str, Any]]:
    want = (HERE / "data" / "gdr-heldout.sha256").read_text().split()[0]
    got = hashlib.sha256(HELDOUT.read_bytes()).hexdigest()
    if got != want:
        raise SystemExit(f"{HELDOUT} changed since it was fixed (sha256 {got}, recorded {want})")
    return read_corpus(HELDOUT)


def _table(result: dict[str, Any]) -> dict[str, Any]:
    keep = ("rows", "coverage", "leak_rate", "leak_rate_exact", "leak_rate_near", "leak_rate_by_kind")
    return {k: result[k] for k in keep} | {"over_redaction": result["over_redaction"]}


def _fallbacks(run: Path) -> int:
    """Released rows whose text is the detectors' redaction rather than the model's rewrite."""
    from openended.gdr.ledger import Ledger

    with Ledger(run) as ledger:
        return sum(any(r["_gdr"].get("fallback", {}).values()) for r in ledger.records("output"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100, help="rows of the development corpus")
    p.add_argument("--root", default="runs/gdr-generalization")
    p.add_argument("--out", default=str(HERE / "results" / "gdr-generalization.json"))
    a = p.parse_args()
    root = Path(a.root)
    root.mkdir(parents=True, exist_ok=True)
    corpora = {"development": pii_corpus(a.n, seed=0), "held-out": _heldout()}
    results: dict[str, Any] = {}
    for name, corpus in corpora.items():
        src = write_rows(
            [{"id": r["id"], "text": r["text"]} for r in corpus], root / f"{name}.jsonl", "jsonl"
        )
        presidio = presidio_anonymize([r["text"] for r in corpus])
        outputs = {r["id"]: t for r, t in zip(corpus, presidio, strict=True)}
        cfg = AnonymizeConfig(
            input=str(src), id_field="id", rewriter=MODEL, fallback="redact", other_fields="drop"
        )
        run = run_or_resume(ANONYMIZE, cfg, root, f"gdr-{name}", report=False)
        final = next(r for r in reversed(read_metrics(run)) if r.get("event") == "final")
        results[name] = {
            "presidio": _table(evaluate_pii(corpus, outputs, embeddings=False)),
            "gdr_fallback": _table(evaluate_pii(corpus, outputs_of(run), embeddings=False))
            | {
                "rows_per_s": final["rows_per_s"],
                "output": final.get("output"),
                "fallbacks": final.get("fallback"),
            },
        }
        print(name, json.dumps({m: results[name][m]["leak_rate"] for m in results[name]}), flush=True)
    out = {
        "benchmark": "gdr-generalization",
        "provenance": provenance(),
        "settings": {"development_rows": a.n, "heldout": str(HELDOUT.relative_to(HERE.parent)),
                     "rewriter": MODEL, "fallback": "redact",
                     "presidio_threshold": "0.35, all entities (the baseline's)"},
        "results": results,
    }  # fmt: skip
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
