"""Commands of the MAP-Elites demo: ``openended map-elites run``."""

from __future__ import annotations

import argparse
from pathlib import Path

from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.report import Report
from openended.core.runs import read_metrics
from openended.map_elites.config import MapElitesConfig


def _main(run) -> None:  # noqa: ANN001 - a Run
    from openended.map_elites.map_elites import run_map_elites

    run_map_elites(run)


def _sections(report: Report, run_dir: Path) -> None:
    rows = read_metrics(run_dir)
    if not rows:
        return
    last = rows[-1]
    report.section("Final archive")
    report.table(
        [
            {
                "iterations": last["step"],
                "evaluations": last.get("evaluations"),
                "coverage": last.get("coverage"),
                "QD score (offset −π²)": last.get("qd_score"),
                "normalized QD score": last.get("normalized_qd_score"),
                "best objective": last.get("best_objective"),
            }
        ]
    )


EXPERIMENT = Experiment("map-elites", MapElitesConfig, _main, _sections)


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(sub, EXPERIMENT, "run MAP-Elites on the planar arm repertoire")


def tour(root: Path) -> TourEntry:
    path = execute(EXPERIMENT, MapElitesConfig(), root=root, name="arm")
    last = read_metrics(path)[-1]
    summary = {k: last[k] for k in ("coverage", "normalized_qd_score", "evaluations")}
    return TourEntry(path, summary, path / "artifacts" / "archive_heatmap.png")
