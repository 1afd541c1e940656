"""The experiment grid (train vs unseen levels per algorithm, dataset kind and game) and the diversity-versus-
size ablation, each a sequence of cells (:mod:`openended.offline_rl.train`) with a progress bar over them,
and their summaries: IQM of normalized return across games with stratified-bootstrap intervals (Agarwal et
al. 2021, as gen_dgrl reports), and the generalization gap, train − test, per method."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from openended.core.runs import Run
from openended.offline_rl.config import AblationConfig, GridConfig
from openended.offline_rl.data import subset
from openended.offline_rl.train import dataset_path, train_cell
from openended.rl.datasets import Loaded, load
from openended.rl.evaluation import iqm, normalize, run_episodes
from openended.rl.ppo import pick_device
from openended.rl.procgen import split_named

TRAIN_TEST = ("train", "test")


class _Datasets:
    """Loads each dataset once while consecutive cells use it."""

    def __init__(self, root: str) -> None:
        self.root, self.name = root, ""
        self.data: Loaded | None = None

    def get(self, name: str) -> Loaded:
        if name != self.name or self.data is None:
            self.name, self.data = name, load(dataset_path(self.root, name))
        return self.data


def _expert_row(run: Run, cfg: GridConfig, game: str, device: Any) -> dict[str, Any]:
    """The online PPO expert that made the data, scored the same way (sampling, as it was trained)."""
    from openended.rl.policies import load_policy, snapshots

    path = run.artifact(f"cells/ppo-{game}/result.json")
    if path.is_file():
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    model, _ = load_policy(snapshots(cfg.experts, game)[-1].path, device)
    row: dict[str, Any] = {"game": game, "algorithm": "ppo", "kind": "online", "seed": 0}
    for split in TRAIN_TEST:
        eps = run_episodes(
            model,
            game,
            split_named(split),
            cfg.episodes,
            num_envs=cfg.eval_envs,
            device=device,
            threads=cfg.threads,
        )
        row[f"{split}_return"] = eps.mean
        row[f"{split}_normalized"] = float(normalize(game, eps.returns).mean())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(row, indent=1) + "\n")
    return row


def _logger(run: Run, key: str) -> Any:
    def log(epoch: int, stats: dict[str, float]) -> None:
        run.log(epoch, cell=key, **stats)

    return log


def run_grid(run: Run) -> None:
    cfg: GridConfig = run.config  # type: ignore[assignment]
    device = pick_device(cfg.device)
    cells = [
        (g, k, a, s) for g in cfg.games for k in cfg.kinds for a in cfg.algorithms for s in range(cfg.seeds)
    ]
    data = _Datasets(cfg.datasets)
    rows = [_expert_row(run, cfg, g, device) for g in cfg.games]
    with run.progress(len(cells), desc="offline-rl grid") as bar:
        for game, kind, algo, seed in cells:
            key = f"{game}-{kind}-{algo}-{seed}"
            cell = run.artifact(f"cells/{key}/result.json").parent
            loaded = None if (cell / "result.json").is_file() else data.get(f"{game}-{kind}")
            result = train_cell(
                cell,
                loaded,
                game,
                algo,
                seed,
                cfg,
                TRAIN_TEST,
                device,
                _logger(run, key),
            )
            rows.append({**result, "kind": kind})
            bar.update(1)
    summary = summarize_grid(rows, cfg.games)
    run.artifact("results.json").write_text(json.dumps({"cells": rows, "summary": summary}, indent=1) + "\n")
    for kind in cfg.kinds:
        grid_figure(summary, kind).savefig(run.artifact(f"train_vs_test_{kind}.png"), dpi=110)


def run_ablation(run: Run) -> None:
    cfg: AblationConfig = run.config  # type: ignore[assignment]
    device = pick_device(cfg.device)
    arms = [("levels", n) for n in cfg.levels] + [("size", m) for m in cfg.multipliers]
    cells = [
        (g, a, arm, s) for g in cfg.games for arm in arms for a in cfg.algorithms for s in range(cfg.seeds)
    ]
    data = _Datasets(cfg.datasets)
    rows = []
    with run.progress(len(cells), desc="offline-rl ablation") as bar:
        for game, algo, (arm, n), seed in cells:
            key = f"{game}-{arm}{n}-{algo}-{seed}"
            cell = run.artifact(f"cells/{key}/result.json").parent
            sub = None
            if not (cell / "result.json").is_file():
                if arm == "levels":  # collected on exactly the first n levels
                    sub = subset(data.get(f"{game}-expert-levels-{n}"), None, cfg.budget, seed)
                else:
                    sub = subset(data.get(f"{game}-expert"), None, n * cfg.budget, seed)
            result = train_cell(cell, sub, game, algo, seed, cfg, ("test",), device, _logger(run, key))
            rows.append({**result, "arm": arm, "setting": n})
            bar.update(1)
    summary = summarize_ablation(rows, cfg.games)
    run.artifact("results.json").write_text(json.dumps({"cells": rows, "summary": summary}, indent=1) + "\n")
    ablation_figure(summary).savefig(run.artifact("diversity_vs_size.png"), dpi=110)


def _matrix(rows: Iterable[dict[str, Any]], games: tuple[str, ...], field: str) -> np.ndarray:
    """``(seeds, games)`` of ``field``; games with fewer seeds repeat their last (rliable needs a matrix)."""
    per = {g: [r[field] for r in rows if r["game"] == g] for g in games}
    per = {g: v for g, v in per.items() if v}
    if not per:
        return np.zeros((0, 0))
    runs = max(len(v) for v in per.values())
    return np.array([[v[min(i, len(v) - 1)] for v in per.values()] for i in range(runs)], np.float64)


def _aggregate(m: np.ndarray) -> dict[str, Any]:
    point, low, high = iqm(m)
    return {"iqm": point, "ci95": [low, high], "runs": int(m.shape[0]), "games": int(m.shape[1])}


def summarize_grid(rows: list[dict[str, Any]], games: tuple[str, ...]) -> dict[str, Any]:
    """Per kind and algorithm (and the PPO row): IQM across games of normalized train and test return,
    and of the per-run gap train − test."""
    out: dict[str, Any] = {}
    for kind in sorted({r["kind"] for r in rows}):
        for algo in dict.fromkeys(r["algorithm"] for r in rows if r["kind"] == kind):
            sel = [r for r in rows if r["kind"] == kind and r["algorithm"] == algo]
            train = _matrix(sel, games, "train_normalized")
            test = _matrix(sel, games, "test_normalized")
            out.setdefault(kind, {})[algo] = {
                "train": _aggregate(train),
                "test": _aggregate(test),
                "gap": _aggregate(train - test),
            }
    return out


def summarize_ablation(rows: list[dict[str, Any]], games: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for arm in ("levels", "size"):
        for algo in dict.fromkeys(r["algorithm"] for r in rows):
            for n in sorted({r["setting"] for r in rows if r["arm"] == arm}):
                sel = [r for r in rows if r["arm"] == arm and r["algorithm"] == algo and r["setting"] == n]
                if sel:
                    agg = _aggregate(_matrix(sel, games, "test_normalized"))
                    agg["transitions"] = int(np.mean([r["transitions"] for r in sel]))
                    out.setdefault(arm, {}).setdefault(algo, {})[str(n)] = agg
    return out


def grid_figure(summary: dict[str, Any], kind: str) -> Figure:
    """Train and test IQM per method with 95 % intervals, the online PPO expert first."""
    per = {**summary.get("online", {}), **summary.get(kind, {})}
    names = list(per)
    fig = Figure(figsize=(max(4.0, 0.9 * len(names) + 1.5), 3.2), layout="constrained")
    ax = fig.add_subplot()
    for j, split in enumerate(TRAIN_TEST):
        xs = np.arange(len(names)) + (j - 0.5) * 0.38
        vals = [per[n][split]["iqm"] for n in names]
        err = np.array(
            [
                [v - per[n][split]["ci95"][0], per[n][split]["ci95"][1] - v]
                for n, v in zip(names, vals, strict=True)
            ]
        )
        ax.bar(xs, vals, 0.38, yerr=err.T if len(err) else None, capsize=2, label=f"{split} levels")
    ax.set_xticks(np.arange(len(names)), [n.upper() for n in names])
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_ylabel("normalized return (IQM)")
    ax.set_title(f"{kind} data: train vs unseen test levels")
    ax.legend(frameon=False)
    return fig


def ablation_figure(summary: dict[str, Any]) -> Figure:
    fig = Figure(figsize=(7.5, 3.0), layout="constrained")
    for i, (arm, label) in enumerate(
        (("levels", "training levels (fixed budget)"), ("size", "× budget (200 levels)"))
    ):
        ax = fig.add_subplot(1, 2, i + 1)
        for algo, points in summary.get(arm, {}).items():
            xs = [int(k) for k in points]
            ys = [points[k]["iqm"] for k in points]
            lo = [points[k]["ci95"][0] for k in points]
            hi = [points[k]["ci95"][1] for k in points]
            ax.plot(xs, ys, marker="o", label=algo.upper())
            ax.fill_between(xs, lo, hi, alpha=0.2)
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("test normalized return (IQM)")
        ax.legend(frameon=False)
    return fig
