"""GDR side by side on a Faker corpus with gold PII: the embedded rewriter, the same after distillation, and
Presidio; diversity of GDR output vs prompt-only generation; detoxification before/after.

    python benchmarks/gdr/run.py            # every step; each run resumes if interrupted

Steps: corpora (test seed 0, distillation-training seed 1, toxic seed 0) → Presidio → GDR with SmolLM2 →
GDR with SmolLM2 and the redaction fallback on the training corpus (the teacher: only verified rows) →
distill a student on the teacher's verified rewrites → GDR with the student on the test corpus → prompt-only
synthetic generation → detoxify. Writes ``benchmarks/results/gdr.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from openended.core.commands import run_or_resume
from openended.core.runs import provenance, read_metrics
from openended.gdr.cli import ANONYMIZE, DETOXIFY, AnonymizeConfig, DetoxifyConfig, outputs_of
from openended.gdr.corpus import pii_corpus, toxic_corpus
from openended.gdr.io import write_rows
from openended.gdr.metrics import diversity, evaluate_detox, evaluate_pii

RESULTS = Path(__file__).resolve().parents[1] / "results"
MODEL = "smollm2-135m?threads=1"


def _rows_per_s(path: Path) -> float:
    return next(r for r in reversed(read_metrics(path)) if r.get("event") == "final")["rows_per_s"]


def _read(path: Path) -> dict[str, Any] | str:
    return json.loads(path.read_text()) if path.is_file() else f"not measured yet ({path.name})"


def _carried(distillation: Any, provenance_then: dict[str, Any] | None) -> Any:
    """The earlier distillation result, labelled with where and when it was measured."""
    if not isinstance(distillation, dict):
        return "pending (--no-distill)"
    return distillation | {"measured_at": distillation.get("measured_at") or provenance_then}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=100, help="test corpus rows")
    p.add_argument("--train", type=int, default=200, help="distillation corpus rows")
    p.add_argument("--root", default="runs/gdr-bench")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=2, help="torch threads of the student's training and runs")
    p.add_argument(
        "--no-distill", action="store_true",
        help="skip the teacher and student; the earlier gdr.json's distillation row is kept, labelled "
        "with its commit",
    )  # fmt: skip
    a = p.parse_args()
    root = Path(a.root)
    root.mkdir(parents=True, exist_ok=True)
    test, train, toxic = pii_corpus(a.n, 0), pii_corpus(a.train, 1), toxic_corpus(a.n // 2, 0)
    for rows, name in ((test, "test.jsonl"), (train, "train.jsonl"), (toxic, "toxic.jsonl")):
        write_rows(rows, root / name, "jsonl")
    table: list[dict[str, Any]] = []

    from openended.gdr.baselines import presidio_anonymize, synthetic_generation

    presidio = presidio_anonymize([r["text"] for r in test])
    table.append(
        {
            "method": "Presidio analyzer + anonymizer",
            **evaluate_pii(test, {r["id"]: t for r, t in zip(test, presidio, strict=True)}),
        }
    )

    # the corpus' gold column holds the PII itself: released rows carry only id and text
    common = {"id_field": "id", "rewriter": MODEL, "max_attempts": 2, "other_fields": "drop"}
    gdr = run_or_resume(
        ANONYMIZE, AnonymizeConfig(input=str(root / "test.jsonl"), **common), root, "gdr-smollm2"
    )
    table.append(
        {"method": "GDR, SmolLM2-135M", "rows_per_s": _rows_per_s(gdr), **evaluate_pii(test, outputs_of(gdr))}
    )
    fb = run_or_resume(
        ANONYMIZE,
        AnonymizeConfig(input=str(root / "test.jsonl"), fallback="redact", **common),
        root,
        "gdr-smollm2-fallback",
    )
    table.append(
        {
            "method": "GDR, SmolLM2-135M + redaction fallback",
            "rows_per_s": _rows_per_s(fb),
            **evaluate_pii(test, outputs_of(fb)),
        }
    )

    if not a.no_distill:
        teacher = run_or_resume(
            ANONYMIZE,
            AnonymizeConfig(input=str(root / "train.jsonl"), fallback="redact", **common),
            root,
            "teacher",
        )
        student = root / "student"
        if not (student / "finetune.json").is_file():
            from openended.gdr.distill import distill

            distill(
                teacher,
                student,
                include_fallback=True,
                shots=0,
                epochs=a.epochs,
                lr=5e-5,
                batch_size=8,
                threads=a.threads,
            )
        distilled = run_or_resume(
            ANONYMIZE,
            AnonymizeConfig(
                input=str(root / "test.jsonl"),
                id_field="id",
                rewriter=f"hf:{student}?threads={a.threads}",
                max_attempts=2,
                shots=0,
                other_fields="drop",
            ),
            root,
            "gdr-student",
        )
        table.append(
            {
                "method": "GDR, SmolLM2-135M distilled",
                "rows_per_s": _rows_per_s(distilled),
                **evaluate_pii(test, outputs_of(distilled)),
            }
        )

    earlier = json.loads((RESULTS / "gdr.json").read_text()) if (RESULTS / "gdr.json").is_file() else {}
    if a.no_distill and earlier.get("distillation") and not isinstance(earlier["distillation"], str):
        # the distillation step takes hours on a 2-core CPU: its last measurement is carried over as such
        measured_at = earlier["distillation"].get("measured_at") or earlier["provenance"]
        table += [
            r | {"measured_at": r.get("measured_at") or measured_at}
            for r in earlier["anonymization"]
            if "distilled" in r["method"]
        ]

    from openended.llm import load

    model = load(MODEL)
    synthetic = synthetic_generation(model, [r["genre"] for r in test], seed=0)
    refined = list(outputs_of(fb).values())
    diversity_rows = [
        {"set": "original corpus", **diversity([r["text"] for r in test])},
        {"set": "GDR output (fallback run, verified rows)", **diversity(refined)},
        {"set": "prompt-only synthetic, same model and genres", **diversity(synthetic)},
    ]
    detox = run_or_resume(
        DETOXIFY,
        DetoxifyConfig(
            input=str(root / "toxic.jsonl"),
            id_field="id",
            rewriter=MODEL,
            max_attempts=2,
            fallback="redact",
            other_fields="drop",
        ),
        root,
        "detox",
    )
    out = {
        "provenance": provenance(),
        "device": "cpu",  # llama.cpp, transformers and the student's training all run on the CPU here
        "corpus": {
            "test_rows": a.n,
            "train_rows": a.train,
            "seed": 0,
            "generator": "openended.gdr.corpus.pii_corpus",
        },
        "anonymization": table,
        "diversity": diversity_rows,
        "detoxification": {
            "method": "GDR, SmolLM2-135M + redaction fallback",
            **evaluate_detox(toxic, outputs_of(detox)),
        },
        "distillation": (
            _carried(earlier.get("distillation"), earlier.get("provenance"))
            if a.no_distill
            else json.loads((root / "student" / "finetune.json").read_text()) | {"losses": None}
        ),
        # the same pipeline on a corpus from another generator, and its speed: their own benchmarks' files
        "generalization": _read(RESULTS / "gdr-generalization.json"),
        "throughput": _read(RESULTS / "gdr-throughput.json"),
    }
    (RESULTS / "gdr.json").write_text(json.dumps(out, indent=1) + "\n")
    for row in table:
        print({k: v for k, v in row.items() if k != "leak_rate_by_kind"})


if __name__ == "__main__":
    main()
