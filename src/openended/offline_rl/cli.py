"""Commands of the offline-RL generalization study: ``openended offline-rl run | ablation``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.config import Config, ConfigError
from openended.core.report import Report
from openended.core.runs import Run
from openended.offline_rl.config import AblationConfig, CellsConfig, GridConfig


def _grid(run: Run) -> None:
    from openended.offline_rl.grid import run_grid

    run_grid(run)


def _ablation(run: Run) -> None:
    from openended.offline_rl.grid import run_ablation

    run_ablation(run)


def _names(cfg: CellsConfig) -> list[str]:
    if isinstance(cfg, GridConfig):
        return [f"{g}-{k}" for g in cfg.games for k in cfg.kinds]
    assert isinstance(cfg, AblationConfig)
    return [f"{g}-expert" for g in cfg.games] + [
        f"{g}-expert-levels-{n}" for g in cfg.games for n in cfg.levels
    ]


def _check(cfg: Config) -> None:
    """Every dataset the cells need exists before a run directory is made."""
    from openended.offline_rl.train import dataset_path

    assert isinstance(cfg, CellsConfig)
    if not cfg.datasets:
        raise ConfigError("datasets", "name the folder of datasets (<game>-<kind> each)")
    for name in _names(cfg):
        try:
            dataset_path(cfg.datasets, name)
        except FileNotFoundError as err:
            raise ConfigError("datasets", str(err)) from None


def _results(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / "artifacts" / "results.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _ci(a: dict[str, Any]) -> str:
    return f"{a['iqm']:.3f} [{a['ci95'][0]:.3f}, {a['ci95'][1]:.3f}]"


def _grid_sections(report: Report, run_dir: Path) -> None:
    data = _results(run_dir)
    if data is None:
        return
    summary = data["summary"]
    for kind in [k for k in summary if k != "online"]:
        figure = run_dir / "artifacts" / f"train_vs_test_{kind}.png"
        if figure.is_file():
            report.section(f"{kind} data: train vs test").image(figure, "IQM over games, 95% bootstrap CI")
    report.section("IQM of normalized return across games [95% CI]; gap = train − test").table(
        [
            {
                "data": kind,
                "method": m,
                "train": _ci(s["train"]),
                "test": _ci(s["test"]),
                "gap": _ci(s["gap"]),
            }
            for kind, per in summary.items()
            for m, s in per.items()
        ]
    )
    report.section("Per game and cell").table(
        [
            {k: r.get(k) for k in ("game", "kind", "algorithm", "seed", "train_return", "test_return")}
            for r in data["cells"]
        ]
    )


def _ablation_sections(report: Report, run_dir: Path) -> None:
    data = _results(run_dir)
    if data is None:
        return
    figure = run_dir / "artifacts" / "diversity_vs_size.png"
    if figure.is_file():
        report.section("Diversity vs size").image(figure, "test IQM over games, 95% bootstrap CI")
    report.section("Test IQM [95% CI]").table(
        [
            {"arm": arm, "method": m, "setting": n, "transitions": a["transitions"], "test": _ci(a)}
            for arm, per in data["summary"].items()
            for m, points in per.items()
            for n, a in points.items()
        ]
    )


GRID = Experiment("offline-rl", GridConfig, _grid, _grid_sections, check=_check)
ABLATION = Experiment("offline-rl-ablation", AblationConfig, _ablation, _ablation_sections, check=_check)
EXPERIMENT = GRID
EXPERIMENTS = (GRID, ABLATION)


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(
        sub, GRID, "BC, BCQ, CQL, IQL, DT, BCT × games × dataset kinds × seeds: train vs unseen levels", "run"
    )
    add_run_command(
        sub, ABLATION, "diversity vs size: test return against training levels and transitions", "ablation"
    )


def tour(root: Path) -> TourEntry:
    """bigfish on CPU: a 1,000-transition expert dataset from the shipped expert, one epoch of every
    algorithm at toy widths, each scored on a few train and test episodes."""
    from openended.rl.cli import COLLECT
    from openended.rl.config import CollectConfig

    datasets = root / "offline-rl-datasets"
    execute(
        COLLECT,
        CollectConfig(game="bigfish", transitions=1000, num_envs=16, device="cpu"),
        root=datasets,
        name="bigfish-expert",
    )
    base, small = GridConfig(), {"epochs": 1, "batch_size": 64}
    tiny_gpt = {**small, "context": 3, "embed": 32, "layers": 1, "heads": 2}
    cfg = GridConfig(
        datasets=str(datasets),
        games=("bigfish",),
        kinds=("expert",),
        seeds=1,
        episodes=4,
        eval_envs=4,
        device="cpu",
        bc=base.bc.replace(**small),
        bcq=base.bcq.replace(**small),
        cql=base.cql.replace(**small),
        iql=base.iql.replace(**small),
        dt=base.dt.replace(**tiny_gpt),
        bct=base.bct.replace(**tiny_gpt),
    )
    run_dir = execute(GRID, cfg, root=root, name="offline-rl-bigfish")
    summary = json.loads((run_dir / "artifacts" / "results.json").read_text())["summary"]["expert"]
    return TourEntry(
        run_dir,
        {
            m: {"train": round(s["train"]["iqm"], 3), "test": round(s["test"]["iqm"], 3)}
            for m, s in summary.items()
        },
        run_dir / "artifacts" / "train_vs_test_expert.png",
    )
