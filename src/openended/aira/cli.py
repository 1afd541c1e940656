"""``openended aira run|tasks|report|ladder``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from openended.aira.config import AIRAConfig
from openended.core.commands import Experiment, add_run_command, execute
from openended.core.report import Report
from openended.core.runs import Run
from openended.systems import TourEntry


def _main(run: Run) -> None:
    from openended.aira.agent import Agent
    from openended.aira.report import score_figure, tree_figure
    from openended.aira.tasks import get, load_file
    from openended.llm import load_shared

    cfg: AIRAConfig = run.config  # type: ignore[assignment]
    task = load_file(cfg.task_file) if cfg.task_file else get(cfg.task)
    models = load_shared([cfg.model, cfg.analyze_model or cfg.model])
    agent = Agent(cfg, task, run.path, models[cfg.model], models[cfg.analyze_model or cfg.model])
    bar = run.progress(cfg.steps, initial=len(agent.journal), desc=f"aira {task.name} {cfg.policy}")
    while not agent.done:
        node = agent.step()
        best = agent.journal.best()
        run.log(
            node.id,
            operator=node.operator,
            buggy=node.is_buggy,
            validation=node.metric,
            best_validation=best.metric if best else None,
            selected_test=best.test_score if best else None,
            valid_submissions=sum(n.valid_submission for n in agent.journal.nodes),
            elapsed_s=agent.elapsed,
        )
        bar.update(1)
    bar.close()
    summary = agent.summary() | {"policy": cfg.policy, "operators": cfg.operators, "model": cfg.model}
    run.artifact("summary.json").write_text(json.dumps(summary, indent=1))
    tree_figure(agent.journal, f"{task.name} — {cfg.policy}").savefig(run.artifact("tree.png"), dpi=110)
    score_figure(agent.journal).savefig(run.artifact("scores.png"), dpi=110)
    for m in models.values():
        m.close()


def _sections(report: Report, run_dir: Path) -> None:
    from openended.aira.report import run_sections

    run_sections(report, run_dir)


EXPERIMENT = Experiment("aira", AIRAConfig, _main, _sections)


def _tasks(args: argparse.Namespace) -> int:
    from openended.aira.ladder import committed
    from openended.aira.tasks import suite

    ladders = committed()["tasks"]
    for t in suite(args.suite):
        lad = ladders.get(t.name)
        medals = f"gold {lad['gold']:g}, bronze {lad['bronze']:g}" if lad else "ladder computed on first use"
        flag = " (tiny)" if t.tiny else ""
        print(f"{t.name:14s} {t.metric:9s} {t.title}{flag}\n{'':14s} {t.source}; {medals}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from openended.aira.report import aggregate, collect, summary_row

    summaries = collect([Path(p) for p in args.runs])
    if not summaries:
        print("no AIRA runs found under " + ", ".join(args.runs), file=sys.stderr)
        return 1
    rows = [summary_row(s) for s in summaries]
    report = Report("AIRA runs", f"{len(rows)} runs")
    report.section("Per run").table(rows)
    report.section("Per policy").table(aggregate(summaries))
    out = report.write(args.out)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"runs": summaries, "per_policy": aggregate(summaries)}, indent=1)
        )
    for r in rows:
        print(r)
    print(f"report: {out}", file=sys.stderr)
    return 0


def _ladder(args: argparse.Namespace) -> int:
    from openended.aira.ladder import build
    from openended.aira.tasks import suite

    out = build(suite(args.suite), Path(args.root), Path(args.out) if args.out else None)
    for name, entry in out["tasks"].items():
        print(name, entry["scores"])
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(sub, EXPERIMENT, "search for a solution of one task with one policy (sandboxed)")
    p = sub.add_parser("tasks", help="list the task suite with metrics, sources and medal thresholds")
    p.add_argument("--suite", default="all", help="all, full, tiny or comma-separated names")
    p.set_defaults(handler=_tasks)
    p = sub.add_parser("report", help="one table across AIRA runs (tasks x policies) -> HTML")
    p.add_argument("runs", nargs="+", metavar="DIR", help="run directories or folders of runs")
    p.add_argument("--out", default="aira-report.html")
    p.add_argument("--json", metavar="FILE", help="also write the summaries here")
    p.set_defaults(handler=_report)
    p = sub.add_parser("ladder", help="(re)compute the medal ladders of tasks from their reference pipelines")
    p.add_argument("--suite", default="all")
    p.add_argument("--root", default="runs/aira-ladder", help="where the splits are prepared")
    p.add_argument("--out", help="ladder file (default: the package's ladders.json)")
    p.set_defaults(handler=_ladder)


def tour(root: Path) -> TourEntry:
    cfg = AIRAConfig(task="iris", policy="greedy", steps=3, num_drafts=2, max_tokens=384, exec_timeout_s=60)
    path = execute(EXPERIMENT, cfg, root=root, name="aira-iris")
    summary = json.loads((path / "artifacts" / "summary.json").read_text())
    selected = summary.get("selected") or {}
    headline = {
        "nodes": summary["nodes"],
        "valid_submission_rate": summary["valid_submission_rate"],
        "selected_test": selected.get("score"),
    }
    return TourEntry(path, headline, path / "artifacts" / "tree.png")
