"""``openended aira run|tasks|report|ladder``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from openended.aira.config import AIRAConfig, GreedyConfig
from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.config import Config
from openended.core.report import Report
from openended.core.runs import Run


def _main(run: Run) -> None:
    from openended.aira.runner import run_search

    run_search(run)


def _sections(report: Report, run_dir: Path) -> None:
    from openended.aira.report import run_sections

    run_sections(report, run_dir)


def _check(cfg: Config) -> None:
    from openended.aira.runner import resolve_task

    assert isinstance(cfg, AIRAConfig)
    resolve_task(cfg)  # an unknown task or a broken task file stops the command before a run directory exists


EXPERIMENT = Experiment("aira", AIRAConfig, _main, _sections, check=_check)


def _tasks(args: argparse.Namespace) -> int:
    from openended.aira.ladder import known
    from openended.aira.tasks import TaskFileError, UnknownTask, discover, load_file, suite

    skipped: list[str] = []
    try:
        if args.task_file:
            tasks = [load_file(args.task_file)]
        else:
            skipped = discover()[1]
            tasks = suite(args.suite)
    except (TaskFileError, UnknownTask) as e:
        print(f"openended: error: {e}", file=sys.stderr)
        return 2
    ladders = known()
    for t in tasks:
        lad = ladders.get(t.name)
        medals = f"gold {lad['gold']:g}, bronze {lad['bronze']:g}" if lad else "ladder computed on first use"
        flag = " (tiny)" if t.tiny else ""
        print(f"{t.name:14s} {t.metric:9s} {t.title}{flag}\n{'':14s} {t.source or 'user task'}; {medals}")
    for line in skipped:
        print(f"openended: skipped task file {line}", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from openended.aira.report import aggregate, collect, summary_row

    skipped: list[str] = []
    summaries = collect([Path(p) for p in args.runs], skipped)
    for line in skipped:
        print(f"openended: skipped run {line}", file=sys.stderr)
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
    from openended.aira.ladder import build, user_path
    from openended.aira.tasks import UnknownTask, suite

    try:
        tasks = suite(args.suite)
    except UnknownTask as e:
        print(f"openended: error: {e}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else user_path()
    result = build(tasks, Path(args.root), out)
    for name in (t.name for t in tasks):
        print(name, result["tasks"][name]["scores"])
    print(f"ladders: {out}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(sub, EXPERIMENT, "search for a solution of one task with one policy (sandboxed)")
    p = sub.add_parser("tasks", help="list the task suite with metrics, sources and medal thresholds")
    p.add_argument("--suite", default="all", help="all, full, tiny or comma-separated names")
    p.add_argument("--task-file", metavar="PATH", help="show the task a task module defines")
    p.set_defaults(handler=_tasks)
    p = sub.add_parser("report", help="one table across AIRA runs (tasks x policies) -> HTML")
    p.add_argument("runs", nargs="+", metavar="DIR", help="run directories or folders of runs")
    p.add_argument("--out", default="aira-report.html")
    p.add_argument("--json", metavar="FILE", help="also write the summaries here")
    p.set_defaults(handler=_report)
    p = sub.add_parser("ladder", help="(re)compute the medal ladders of tasks from their reference pipelines")
    p.add_argument("--suite", default="all")
    p.add_argument("--root", default="runs/aira-ladder", help="where the splits are prepared")
    p.add_argument("--out", help="ladder file (default: $OPENENDED_CACHE/aira/ladders.json, where runs look)")
    p.set_defaults(handler=_ladder)


def tour(root: Path) -> TourEntry:
    cfg = AIRAConfig(
        task="iris",
        policy="greedy",
        steps=3,
        greedy=GreedyConfig(num_drafts=2),
        max_tokens=384,
        exec_timeout_s=60,
    )
    path = execute(EXPERIMENT, cfg, root=root, name="aira-iris")
    summary = json.loads((path / "artifacts" / "summary.json").read_text())
    selected = summary.get("selected") or {}
    headline = {
        "nodes": summary["nodes"],
        "valid_submission_rate": summary["valid_submission_rate"],
        "selected_test": selected.get("score"),
    }
    return TourEntry(path, headline, path / "artifacts" / "tree.png")
