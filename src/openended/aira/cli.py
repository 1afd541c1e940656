"""``openended aira run|tasks|report|ladder``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from openended.aira.config import AIRAConfig
from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.config import Config, ConfigError
from openended.core.report import Report
from openended.core.runs import Run

if TYPE_CHECKING:
    from openended.aira.task import Task
    from openended.llm import LLM


def _task(cfg: AIRAConfig) -> Task:
    """The task a config names, or a one-line config error naming the field."""
    from openended.aira.tasks import TaskFileError, UnknownTask, get, load_file

    try:
        return load_file(cfg.task_file) if cfg.task_file else get(cfg.task)
    except TaskFileError as e:
        raise ConfigError("task_file", str(e)) from None
    except UnknownTask as e:
        raise ConfigError("task", str(e)) from None


def _models(cfg: AIRAConfig) -> dict[str, LLM]:
    """One model per distinct spec; ``scripted:aira-demo`` is the demo's scripted model (a test double)."""
    from openended.aira.demo import DEMO_MODEL, demo_model
    from openended.llm import load_shared

    specs = [cfg.model, cfg.analyze_model or cfg.model]
    models = load_shared([s for s in specs if s != DEMO_MODEL])
    if DEMO_MODEL in specs:
        models[DEMO_MODEL] = demo_model()
    return models


def _main(run: Run) -> None:
    from openended.aira.agent import Agent
    from openended.aira.report import score_figure, tree_figure

    cfg: AIRAConfig = run.config  # type: ignore[assignment]
    task = _task(cfg)
    models = _models(cfg)
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


def _check(cfg: Config) -> None:
    assert isinstance(cfg, AIRAConfig)
    _task(cfg)  # an unknown task or a broken task file stops the command before a run directory exists


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
