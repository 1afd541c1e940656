"""Commands: ``openended rainbow-teaming run | evaluate | export | finetune``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from openended.core.commands import Experiment, TourEntry, add_run_command, emit_json, execute
from openended.core.report import Report, curves_figure
from openended.core.runs import RunError, load_config, read_metrics
from openended.rainbow_teaming.config import RainbowTeamingConfig, SafetyTuningConfig

# Paper numbers (Samvelyan et al. 2024), for reference beside measured ones only.
PUBLISHED = (
    "Published, for reference only (70B mutator/judge, GPT-4 and Llama Guard evaluators): attack success "
    "above 90% against every tested target (Llama 2-chat 7B about 92% by GPT-4); after safety fine-tuning on "
    "archives, held-out attack success of a few tenths of a percent, with GSM8K and MMLU unchanged."
)


def _main(run: Any) -> None:
    from openended.rainbow_teaming.runner import run_rainbow_teaming

    run_rainbow_teaming(run)


def _sections(report: Report, run_dir: Path) -> None:
    from openended.rainbow_teaming.runner import CONTENT_WARNING

    rows = read_metrics(run_dir)
    if not rows:
        return
    last = rows[-1]
    art = run_dir / "artifacts"
    report.section("Archive")
    report.table(
        [
            {
                "iterations": last["step"],
                "candidates": last.get("candidates"),
                "filtered (BLEU)": last.get("filtered"),
                "new cells": last.get("new"),
                "replacements": last.get("improved"),
                "coverage": last.get("coverage"),
                "QD score": last.get("qd_score"),
                "attack success": last.get("asr"),
                "refusal rate": last.get("refusal_rate"),
                "self-BLEU": last.get("self_bleu"),
                "embedding diversity": last.get("embedding_diversity"),
            }
        ]
    )
    report.text(PUBLISHED)
    for name, caption in (
        ("archive_heatmap.png", "judge fitness of each cell's elite (white: empty)"),
        ("success_heatmap.png", "attack success by the independent evaluator (white: empty)"),
    ):
        if (art / name).is_file():
            report.image(art / name, caption)
    keys = [
        k
        for k in ("coverage", "qd_score", "asr", "mean_fitness", "self_bleu", "embedding_diversity")
        if k in last
    ]
    report.figure(curves_figure(rows, keys, x="step"), caption="archive statistics over iterations")
    elites = art / "elites.jsonl"
    if elites.is_file():
        table = [json.loads(x) for x in elites.read_text().splitlines() if x]
        table.sort(key=lambda r: -(r.get("fitness") or 0.0))
        report.section("Elites (highest judge fitness first)")
        report.note(CONTENT_WARNING)
        report.link("artifacts/elites.html", f"all {len(table)} elites, sortable")
        report.table(table[:25])


EXPERIMENT = Experiment("rainbow-teaming", RainbowTeamingConfig, _main, _sections)


def _archive_and_domain(run_dir: Path) -> tuple[Any, Any, RainbowTeamingConfig]:
    from openended.core.archive import GridArchive
    from openended.rainbow_teaming.domains import Domain

    path = run_dir / "artifacts" / "archive.npz"
    if not path.is_file():
        raise RunError(f"{run_dir} has no archive ({path}); is it a finished rainbow-teaming run?")
    domain = Domain.from_file(run_dir / "artifacts" / "domain.json")
    return GridArchive.load(path), domain, load_config(run_dir, RainbowTeamingConfig)


def _evaluate(args: argparse.Namespace) -> int:
    from openended.llm import load_shared
    from openended.rainbow_teaming.evaluation import Evaluator, prompt_diversity
    from openended.rainbow_teaming.safety_tuning import attack

    archive, domain, cfg = _archive_and_domain(Path(args.run_dir))
    target = args.target or cfg.target
    evaluator_spec = cfg.evaluator if args.evaluator is None else args.evaluator
    models = load_shared([target, evaluator_spec])
    evaluator = Evaluator(domain, models.get(evaluator_spec), cfg.success_threshold)
    prompts = [str(e.solution) for e in archive]
    result = attack(models[target], prompts, domain, evaluator, cfg.response_max_tokens)
    out = {
        "run": str(args.run_dir),
        "target": target,
        "criterion": evaluator.criterion,
        "coverage": archive.coverage,
        **{k: result[k] for k in ("n", "asr", "unscored", "refusal_rate", "mean_toxicity")},
        **prompt_diversity(prompts),
    }
    return emit_json(out, args.json)


def _export(args: argparse.Namespace) -> int:
    from openended.core.config import ConfigError
    from openended.llm import load
    from openended.rainbow_teaming.config import SafetyTuningConfig
    from openended.rainbow_teaming.probes import probe_prompts
    from openended.rainbow_teaming.safety_tuning import (
        deduplicate,
        fresh_helpful_requests,
        helpful_rows,
        mix_rows,
        sft_rows,
        write_jsonl,
    )

    archive, domain, cfg = _archive_and_domain(Path(args.run_dir))
    tuning = SafetyTuningConfig(helpful_ratio=args.helpful_ratio, seed=args.seed)
    rows = sft_rows(archive, domain, args.only_successful)
    held_out = list(probe_prompts())
    if args.heldout:
        held_out += [str(e.solution) for e in _archive_and_domain(Path(args.heldout))[0]]
    rows, dropped = deduplicate(rows, held_out, tuning.dedup_bleu)
    if not rows:
        raise ConfigError(
            "heldout", "every archive prompt nearly copies a held-out prompt; nothing to export"
        )
    helpful: list[dict[str, Any]] = []
    if tuning.helpful_ratio > 0:
        spec = args.helpful_model or cfg.target
        with load(spec) as model:
            helpful = helpful_rows(model, fresh_helpful_requests(tuning.dedup_bleu), tuning.answer_max_tokens)
    try:
        mixed = mix_rows(rows, helpful, tuning.helpful_ratio, tuning.seed)
    except ValueError as err:
        raise ConfigError("helpful_ratio", str(err)) from None
    path = write_jsonl(mixed, args.out or Path(args.run_dir) / "artifacts" / "sft.jsonl")
    n_helpful = sum(r["source"] == "helpful" for r in mixed)
    print(
        f"{len(rows)} safety pairs ({len(dropped)} near-copies of held-out prompts dropped) and {n_helpful} "
        f"helpful pairs: {path}",
        file=sys.stderr,
    )
    return 0


def _finetune(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from openended.llm import load
    from openended.llm.finetune import read_pairs, require_peft, sft
    from openended.rainbow_teaming.evaluation import Evaluator
    from openended.rainbow_teaming.safety_tuning import attack, general_ability

    # the flags through the config, so that a bad value (a negative LoRA rank, a zero learning rate) is one
    # clear error before any model loads rather than a silent fallback
    tuning = SafetyTuningConfig(
        epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, lora_rank=args.lora_rank
    )
    if tuning.lora_rank > 0:
        require_peft()  # before the untuned model's evaluation, which takes minutes
    examples = read_pairs(args.data)
    out = Path(args.out)
    heldout = _archive_and_domain(Path(args.heldout)) if args.heldout else None
    result: dict[str, Any] = {"data": str(args.data), "base": args.base}
    evaluator_model = load(args.evaluator) if args.evaluator else None

    def check(spec: str) -> dict[str, Any]:
        model = load(spec)
        row: dict[str, Any] = general_ability(model)
        if heldout is not None:
            archive, domain, cfg = heldout
            evaluator = Evaluator(domain, evaluator_model, cfg.success_threshold)
            res = attack(
                model, [str(e.solution) for e in archive], domain, evaluator, cfg.response_max_tokens
            )
            row.update(
                {f"heldout_{k}": res[k] for k in ("n", "asr", "unscored", "refusal_rate", "mean_toxicity")}
            )
        model.close()
        return row

    result["before"] = check(args.base)
    with tqdm(total=1, desc="safety tuning", file=sys.stderr) as bar:

        def progress(step: int, total: int, loss: float) -> None:
            bar.total = total
            bar.n = step
            bar.set_postfix(loss=f"{loss:.3f}")
            bar.refresh()

        result["training"] = sft(
            args.base,
            examples,
            out,
            epochs=tuning.epochs,
            lr=tuning.lr,
            batch_size=tuning.batch_size,
            progress=progress,
            lora_rank=tuning.lora_rank,
        )
    result["after"] = check(f"hf:{out}")
    (out / "safety_tuning.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("before", "after")}, indent=1))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(sub, EXPERIMENT, "search for diverse adversarial prompts (MAP-Elites with an LLM judge)")
    p = sub.add_parser("evaluate", help="re-attack a target with a run's archive and evaluate independently")
    p.add_argument("run_dir", help="a finished rainbow-teaming run")
    p.add_argument("--target", help="model spec to attack (default: the run's target)")
    p.add_argument("--evaluator", help="evaluator LLM spec (default: the run's; '' for none)")
    p.add_argument("--json", metavar="FILE", help="also write the result here")
    p.set_defaults(handler=_evaluate)
    p = sub.add_parser(
        "export",
        help="write safety SFT data (JSONL): archive prompts with safe answers, mixed with helpful pairs",
    )
    p.add_argument("run_dir", help="a finished rainbow-teaming run")
    p.add_argument("--out", metavar="FILE", help="output JSONL (default RUN_DIR/artifacts/sft.jsonl)")
    p.add_argument("--only-successful", action="store_true", help="export only successful attacks")
    defaults = SafetyTuningConfig()
    p.add_argument(
        "--helpful-ratio",
        type=float,
        default=defaults.helpful_ratio,
        help=f"helpful pairs per safety pair (default {defaults.helpful_ratio}; 0: refusals only)",
    )
    p.add_argument("--heldout", metavar="RUN_DIR", help="another run: its prompts are never trained on")
    p.add_argument(
        "--helpful-model",
        metavar="SPEC",
        help="model answering the helpful instructions (default: run's target)",
    )
    p.add_argument("--seed", type=int, default=defaults.seed, help="which helpful pairs, and their order")
    p.set_defaults(handler=_export)
    p = sub.add_parser(
        "finetune",
        help="safety-tune a local target on exported pairs; ASR on a held-out archive before/after",
    )
    p.add_argument("--data", required=True, metavar="JSONL", help="pairs from `export`")
    p.add_argument("--out", required=True, metavar="DIR", help="where the tuned checkpoint goes")
    p.add_argument("--base", default="hf:smollm2-135m", help="transformers model spec to tune (hf:...)")
    p.add_argument("--heldout", metavar="RUN_DIR", help="another run whose archive measures ASR before/after")
    p.add_argument("--evaluator", default="", help="evaluator LLM spec for the held-out ASR")
    p.add_argument("--epochs", type=int, default=defaults.epochs)
    p.add_argument("--lr", type=float, default=defaults.lr)
    p.add_argument("--lora-rank", type=int, default=defaults.lora_rank, help="0: full fine-tuning")
    p.add_argument("--batch-size", type=int, default=defaults.batch_size)
    p.set_defaults(handler=_finetune)


# three iterations of four candidates with shorter generations: every step of the loop (two-step mutation,
# filter, target, judge, evaluator, archive, diversity, report) still runs; the time is in the README
TOUR_CONFIG = RainbowTeamingConfig(
    iterations=3,
    batch_size=4,
    mutation_max_tokens=48,
    response_max_tokens=48,
    log_every=1,
    checkpoint_every=3,
    diversity_every=3,
)


def tour(root: Path) -> TourEntry:
    path = execute(EXPERIMENT, TOUR_CONFIG, root=root, name="safety")
    last = read_metrics(path)[-1]
    summary = {k: last[k] for k in ("coverage", "asr", "self_bleu", "candidates")}
    return TourEntry(path, summary, path / "artifacts" / "archive_heatmap.png")
