"""Commands: ``openended gdr anonymize | detoxify | make-corpus | evaluate | distill``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openended.core.commands import Experiment, TourEntry, add_run_command, emit_json, execute
from openended.core.config import ConfigError, param
from openended.core.report import Report
from openended.core.runs import read_metrics
from openended.gdr.config import GDRConfig


@dataclass(frozen=True)
class AnonymizeConfig(GDRConfig):
    task: Literal["anonymize", "detoxify"] = param("anonymize", "fixed by the command")

    def validate(self) -> None:
        super().validate()
        if self.task != "anonymize":
            raise ConfigError("task", "use `openended gdr detoxify` to detoxify")


@dataclass(frozen=True)
class DetoxifyConfig(GDRConfig):
    task: Literal["anonymize", "detoxify"] = param("detoxify", "fixed by the command")

    def validate(self) -> None:
        super().validate()
        if self.task != "detoxify":
            raise ConfigError("task", "use `openended gdr anonymize` to anonymize")


def _main(run: Any) -> None:
    from openended.gdr.runner import run_gdr

    run_gdr(run)


def _sections(report: Report, run_dir: Path) -> None:
    rows = read_metrics(run_dir)
    final = next((r for r in reversed(rows) if r.get("event") == "final"), None)
    if final is None:
        return
    report.section("Rows")
    report.table(
        [
            {
                "input rows": final["rows"],
                "refined (verified)": final["output"],
                "quarantined": final["quarantine"],
                "rows/s": final["rows_per_s"],
            }
        ]
    )
    report.note(
        "Every input row is in exactly one of output.jsonl / quarantine.jsonl. The quarantine holds original "
        "rows (possibly with PII): it is readable by its owner only."
    )
    from collections import Counter

    from openended.gdr.ledger import Ledger

    with Ledger(run_dir) as ledger:
        records = ledger.records("output") + ledger.records("quarantine")
    attempts = Counter(n for r in records for n in r["_gdr"].get("attempts", {}).values())
    failed = Counter(
        v["verifier"]
        for r in records
        for checks in r["_gdr"].get("verifiers", {}).values()
        for v in checks
        if not v["passed"]
    )
    fallback = sum(any(r["_gdr"].get("fallback", {}).values()) for r in records)
    report.section("Verification")
    report.table(
        [{"attempts used": k, "fields": v} for k, v in sorted(attempts.items())],
        caption="rewrite attempts per field (last attempt's verdicts below)",
    )
    report.table(
        [{"verifier": k, "fields failing at the end": v} for k, v in failed.most_common()]
        + [{"verifier": "redaction fallback used (rows)", "fields failing at the end": fallback}]
    )


ANONYMIZE = Experiment("gdr", AnonymizeConfig, _main, _sections)
DETOXIFY = Experiment("gdr", DetoxifyConfig, _main, _sections)
EXPERIMENT = ANONYMIZE  # what `openended report` reads (both tasks share the report)


def _make_corpus(args: argparse.Namespace) -> int:
    from openended.gdr.corpus import pii_corpus, toxic_corpus
    from openended.gdr.io import write_rows

    rows = (pii_corpus if args.kind == "pii" else toxic_corpus)(args.n, args.seed)
    path = write_rows(rows, args.out, "jsonl")
    print(f"{len(rows)} rows with gold annotations: {path}", file=sys.stderr)
    return 0


def outputs_of(run_dir: Path, field: str = "text") -> dict[str, str]:
    """Row id → refined text from a run's ledger (quarantined rows are absent)."""
    from openended.gdr.ledger import Ledger

    with Ledger(run_dir) as ledger:
        return {str(r["_gdr"]["id"]): r[field] for r in ledger.records("output")}


def run_ids(run_dir: Path) -> set[str]:
    """Every row id a run recorded, released or quarantined."""
    from openended.gdr.ledger import Ledger

    with Ledger(run_dir) as ledger:
        return {str(r["_gdr"]["id"]) for where in ("output", "quarantine") for r in ledger.records(where)}


def _evaluate(args: argparse.Namespace) -> int:
    from openended.gdr.io import InputError
    from openended.gdr.metrics import evaluate_detox, evaluate_pii, read_corpus

    corpus = read_corpus(args.corpus)
    if args.presidio:
        from openended.gdr.baselines import presidio_anonymize

        texts = presidio_anonymize([r["text"] for r in corpus])
        outputs = {r["id"]: t for r, t in zip(corpus, texts, strict=True)}
    elif args.run:
        outputs = outputs_of(Path(args.run))
        recorded = run_ids(Path(args.run))
        matched = sum(r["id"] in recorded for r in corpus)
        if matched < len(corpus):  # unmatched rows would count as removed: a perfect-looking score
            sample = next(r["id"] for r in corpus if r["id"] not in recorded)
            raise InputError(
                f"{len(corpus) - matched} of {len(corpus)} corpus ids are not rows of {args.run} (e.g. "
                f"{sample!r}; the run's ids look like {sorted(recorded)[:3]}): was it run on this corpus "
                "with --id-field id?"
            )
    else:
        outputs = {r["id"]: r["text"] for r in corpus}  # the corpus as it is: the do-nothing reference
    toxic = bool(corpus) and corpus[0].get("genre") == "toxic"
    result = (evaluate_detox if toxic else evaluate_pii)(corpus, outputs)
    return emit_json(result, args.json)


def _distill(args: argparse.Namespace) -> int:
    from openended.gdr.distill import distill

    summary = distill(
        args.run,
        args.out,
        args.base,
        args.include_fallback,
        args.shots,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
    )
    print(
        f"student {args.out}: {summary['examples']} examples, {summary['steps']} steps, loss "
        f"{summary['first_loss']:.3f} -> {summary['last_loss']:.3f}; use it with --rewriter hf:{args.out} "
        f"--shots {args.shots}",
        file=sys.stderr,
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(
        sub, ANONYMIZE, "rewrite a dataset without PII (verified; failures quarantined)", "anonymize"
    )
    add_run_command(
        sub, DETOXIFY, "rewrite a dataset without toxicity (verified; failures quarantined)", "detoxify"
    )
    p = sub.add_parser(
        "make-corpus", help="write a Faker benchmark corpus with gold PII spans (or toxic facts)"
    )
    p.add_argument("--kind", choices=["pii", "toxic"], default="pii")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, metavar="FILE.jsonl")
    p.set_defaults(handler=_make_corpus)
    p = sub.add_parser(
        "evaluate", help="leak rate, over-redaction, utility (or toxicity) against a gold corpus"
    )
    p.add_argument("--corpus", required=True, metavar="FILE.jsonl", help="from make-corpus")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--run", metavar="RUN_DIR", help="a GDR run over this corpus (with --id-field id)")
    src.add_argument(
        "--presidio", action="store_true", help="evaluate Presidio analyzer + anonymizer instead"
    )
    p.add_argument("--json", metavar="FILE", help="also write the result here")
    p.set_defaults(handler=_evaluate)
    p = sub.add_parser("distill", help="fine-tune a small rewriter on a run's verified rewrites")
    p.add_argument("--run", required=True, metavar="RUN_DIR", help="the teacher run")
    p.add_argument("--out", required=True, metavar="DIR", help="where the student checkpoint goes")
    p.add_argument("--base", default="hf:smollm2-135m")
    p.add_argument(
        "--include-fallback", action="store_true", help="also learn from rows the fallback redacted"
    )
    p.add_argument("--shots", type=int, default=0, help="worked examples in the student's prompt (0)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--batch-size", type=int, default=8)
    p.set_defaults(handler=_distill)


def tour(root: Path) -> TourEntry:
    from openended.gdr.corpus import pii_corpus
    from openended.gdr.io import write_rows
    from openended.gdr.metrics import evaluate_pii

    corpus = pii_corpus(8, seed=0)
    src = write_rows(corpus, root / "gdr-corpus.jsonl", "jsonl")
    cfg = AnonymizeConfig(
        input=str(src), id_field="id", max_attempts=2, fallback="redact", other_fields="drop"
    )  # the corpus' gold column holds the PII itself
    path = execute(ANONYMIZE, cfg, root=root, name="anonymize")
    metrics = evaluate_pii(corpus, outputs_of(path), embeddings=False)
    summary = {k: metrics[k] for k in ("coverage", "leak_rate", "over_redaction")}
    return TourEntry(path, summary)
