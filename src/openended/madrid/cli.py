"""Commands of MADRID: ``openended madrid train-target | search | report``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.config import Config, ConfigError
from openended.core.report import Report, curves_figure, heatmap_figure
from openended.core.runs import read_meta, read_metrics
from openended.madrid.config import FootballConfig, SearchConfig, TargetConfig


def _train(run: Any) -> None:
    from openended.madrid.target import train_target

    train_target(run)


def _search(run: Any) -> None:
    from openended.madrid.search import run_search

    run_search(run)


def _target_sections(report: Report, run_dir: Path) -> None:
    figure = run_dir / "artifacts" / "training.png"
    if figure.is_file():
        report.section("Target's strength along self-play").image(
            figure, "mean value (+1 win, −1 loss) against VMAS's scripted team, random levels"
        )
    index = run_dir / "artifacts" / "policies" / "index.json"
    if index.is_file():
        report.section("Snapshots (the reference set)").table(json.loads(index.read_text())["snapshots"])


def _search_sections(report: Report, run_dir: Path) -> None:
    from openended.core.serialize import load_tree
    from openended.madrid.analysis import pitch_map

    rows = read_metrics(run_dir)
    keys = [
        k
        for k in ("archive_mean_regret", "batch_mean_regret", "coverage", "qd_score")
        if rows and k in rows[-1]
    ]
    if keys:
        report.section("Search").figure(curves_figure(rows, keys, x="iteration"))
    summary_path = run_dir / "artifacts" / "summary.json"
    if not summary_path.is_file():
        return
    summary = json.loads(summary_path.read_text())
    cfg = json.loads((run_dir / "config.json").read_text())
    cells = (int(cfg["cells_x"]), int(cfg["cells_y"]))
    archive = load_tree(run_dir / "artifacts" / "archive.npz")
    heat = pitch_map({k: np.asarray(v) for k, v in archive.items()}, cells)
    report.section("Where the target fails").figure(
        heatmap_figure(
            heat,
            "ball's start x (pitch units, blue attacks →)",
            "ball's start y",
            extent=(-0.9, 0.9, -0.4, 0.4),
            title="highest regret over the references per cell",
            cbar_label="regret",
            cmap="magma",
        )
    )
    report.table(
        [
            {
                "elites": summary["elites"],
                "coverage": summary["coverage"],
                "mean regret": summary["mean_regret"],
                "max regret": summary["max_regret"],
                "reference beats target": summary["share_reference_beats_target"],
                "…and scores": summary["share_reference_scores"],
                "an earlier snapshot beats target": summary.get("share_snapshot_beats_target"),
                "…and scores ": summary.get("share_snapshot_scores"),
            }
        ]
    )
    report.section("Regret by reference").table(
        [
            {k: r[k] for k in ("name", "elites", "mean_regret", "share_beats_target")}
            for r in summary["per_reference"]
        ]
    )
    report.section("Gallery: the highest-regret levels")
    for g in summary.get("gallery", []):
        report.image(
            run_dir / "artifacts" / g["file"],
            f"regret {g['regret']:+.2f} vs {g['reference']}: {g['failure']}",
        )


def _check_search(cfg: Config) -> None:
    from openended.madrid.target import SHIPPED, game_name
    from openended.rl.policies import snapshots

    assert isinstance(cfg, SearchConfig)
    game = game_name(cfg.football.players)
    if cfg.target == "" and not (SHIPPED / game).is_dir():
        raise ConfigError(
            "target",
            f"no {game} target ships with openended: train one (openended madrid train-target "
            f"--football.players {cfg.football.players}) and pass its run directory",
        )
    try:
        snaps = snapshots(cfg.target, game, shipped=SHIPPED)
    except (OSError, ValueError, KeyError) as err:
        raise ConfigError("target", str(err)) from None
    if len(snaps) < 2 and not cfg.bot_strengths:
        raise ConfigError(
            "bot_strengths", "the target has no earlier snapshot, so the references are the bots"
        )


TRAIN_TARGET = Experiment("madrid-target", TargetConfig, _train, _target_sections)
SEARCH = Experiment("madrid-search", SearchConfig, _search, _search_sections, check=_check_search)
EXPERIMENT = SEARCH
EXPERIMENTS = (TRAIN_TARGET, SEARCH)


def compare(runs: list[Path]) -> tuple[dict[str, Any], Any]:
    """The methods side by side over their seeds: the curve the paper plots (mean archive regret for
    madrid and targeted, mean regret of the levels drawn for random) with its spread, and the archives'
    summaries. Returns ``(summary, figure)``."""
    from matplotlib.figure import Figure

    by_method: dict[str, list[tuple[Path, list[dict[str, Any]]]]] = {}
    for run in runs:
        meta = read_meta(run)
        if meta.get("system") != "madrid-search":
            continue
        method = json.loads((run / "config.json").read_text())["method"]
        by_method.setdefault(method, []).append((run, read_metrics(run)))
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    out: dict[str, Any] = {}
    for method, items in sorted(by_method.items()):
        key = "batch_mean_regret" if method == "random" else "archive_mean_regret"
        length = min(len(rows) for _, rows in items)
        curves = np.array([[r.get(key, np.nan) for r in rows[:length]] for _, rows in items])
        its = [r["iteration"] for r in items[0][1][:length]]
        if method == "random":  # the running mean of what random sampling finds
            curves = np.cumsum(curves, 1) / np.arange(1, length + 1)
        mean = curves.mean(0)
        ax.plot(its, mean, label=f"{method} ({len(items)} seeds)")
        if len(items) > 1:
            ax.fill_between(its, curves.min(0), curves.max(0), alpha=0.2)
        finals = curves[:, -1]
        summaries = [
            json.loads(p.read_text())
            for p in (run / "artifacts" / "summary.json" for run, _ in items)
            if p.is_file()
        ]
        out[method] = {
            "seeds": len(items),
            "iterations": int(its[-1]) if its else 0,
            "final": {"mean": float(finals.mean()), "min": float(finals.min()), "max": float(finals.max())},
            "share_reference_beats_target": [s["share_reference_beats_target"] for s in summaries],
            "share_reference_scores": [s["share_reference_scores"] for s in summaries],
            "share_snapshot_beats_target": [s.get("share_snapshot_beats_target") for s in summaries],
            "share_snapshot_scores": [s.get("share_snapshot_scores") for s in summaries],
            "runs": [str(run) for run, _ in items],
        }
    ax.set_xlabel("iteration")
    ax.set_ylabel("regret")
    ax.set_title("mean archive regret (random: mean regret of the levels drawn)")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return out, fig


def _report(args: argparse.Namespace) -> int:
    from openended.core.runs import iter_runs

    runs = [r for p in args.runs for r in ([Path(p)] if (Path(p) / "run.json").is_file() else iter_runs(p))]
    summary, fig = compare(runs)
    if not summary:
        print("no MADRID search runs under " + ", ".join(args.runs), file=sys.stderr)
        return 1
    report = Report("MADRID: methods compared", f"{len(runs)} runs")
    report.section("Regret over iterations").figure(fig)
    report.section("Per method").table(
        [
            {
                "method": m,
                "seeds": s["seeds"],
                "iterations": s["iterations"],
                **{f"final {k}": v for k, v in s["final"].items()},
            }
            for m, s in summary.items()
        ]
    )
    out = report.write(args.out)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    print(f"report: {out}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(
        sub,
        TRAIN_TARGET,
        "train the target team by self-play (MAPPO); its snapshots are the references",
        "train-target",
    )
    add_run_command(sub, SEARCH, "search a target's weak start states (madrid, targeted or random)", "search")
    p = sub.add_parser("report", help="compare search runs (methods × seeds) -> HTML and JSON")
    p.add_argument("runs", nargs="+", metavar="DIR", help="search run directories or folders of runs")
    p.add_argument("--out", default="madrid-report.html")
    p.add_argument("--json", metavar="FILE", help="also write the comparison here")
    p.set_defaults(handler=_report)


def tour(root: Path) -> TourEntry:
    """3v3 on CPU: a few self-play updates, then a few MADRID iterations against them."""
    football = FootballConfig(players=3, episode_steps=48)
    target = TargetConfig(
        football=football,
        ppo=TargetConfig().ppo.replace(num_envs=16, num_steps=32),
        total_steps=16 * 32 * 4,
        train_episode_steps=96,
        snapshots=2,
        device="cpu",
    )
    target_dir = execute(TRAIN_TARGET, target, root=root, name="madrid-target-3v3")
    search = SearchConfig(
        target=str(target_dir),
        iterations=3,
        emitters=4,
        batch_size=2,
        repeats=2,
        bot_strengths=(0.5,),
        football=football,
        device="cpu",
    )
    search_dir = execute(SEARCH, search, root=root, name="madrid-search-3v3")
    summary = json.loads((search_dir / "artifacts" / "summary.json").read_text())
    return TourEntry(
        search_dir,
        {
            "elites": summary["elites"],
            "mean_regret": summary["mean_regret"],
            "max_regret": summary["max_regret"],
        },
        None,
    )
