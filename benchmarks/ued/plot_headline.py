"""Plot the headline (mean held-out solve rate against training wall-clock on one GPU) from results/ JSON.

Drawn, in two panels (JaxUED's 25 walls; tags ending ``-w60``, minimax's 60 walls): the 15-minute runs
alone on the GPU (``ued-headline-TAG-sN.json``, TAG an algorithm or a variant such as ``robust_plr-mb4``;
each seed thin, a variant's seed mean thick, on a 30-s grid), dashed, attempts cut off before their budget
(``ued-headline-partial-TAG-sN.json``, kept out of the means) and, dotted, the mean of the earlier PLR⊥ runs
before the level sampler's rewrite (``ued-headline-b9931bc-shared4-*``, four processes sharing the GPU).

    python benchmarks/ued/plot_headline.py [RESULTS_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

# file tags drawn (absent ones are skipped)
COLORS = {
    "robust_plr": "C0",
    "robust_plr-mb4": "C2",
    "robust_plr-mb4-ent": "C3",
    "robust_plr-mb4-w60": "C4",
    "dr": "C1",
    "dr-w60": "C5",
}
NAMES = {
    "robust_plr": "PLR⊥",
    "robust_plr-mb4": "PLR⊥, 4 minibatches",
    "robust_plr-mb4-ent": "PLR⊥, 4 minibatches, entropy 0.01",
    "robust_plr-mb4-w60": "PLR⊥, 4 minibatches, minimax's 60 walls, γ 0.999, replay 0.5",
    "dr": "DR",
    "dr-w60": "DR, 4 minibatches, 60 walls, γ 0.999",
}
REFERENCE = 0.677  # dcd PLR⊥ at 250M steps, 10 seeds (publication)


def points(curve: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    t = np.array([p["train_s"] / 60 for p in curve])
    return t, np.array([p["heldout_solve_rate"] for p in curve])


def on_grid(runs: list[dict], minutes: float, step_s: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """The runs' curves interpolated onto one grid (evaluations fall a little after each 30-s mark)."""
    grid = np.arange(0.0, minutes * 60 + 1e-9, step_s) / 60
    return grid, np.array([np.interp(grid, *points(r["curve"])) for r in runs])


def draw_tag(ax, results: Path, algo: str) -> None:
    """One tag's runs: each seed thin (a lone seed bolder), the seed mean thick, interrupted runs dashed."""
    runs = [json.loads(p.read_text()) for p in sorted(results.glob(f"ued-headline-{algo}-s*.json"))]
    seeds = ", ".join(str(r["seed"]) for r in runs)
    lone = len(runs) == 1
    for n, run in enumerate(runs):
        label = f"{NAMES[algo]}, seed{'s' if len(runs) > 1 else ''} {seeds}" if n == 0 else None
        ax.plot(
            *points(run["curve"]),
            "-",
            lw=1.6 if lone else 0.9,
            alpha=0.9 if lone else 0.45,
            color=COLORS[algo],
            label=label,
        )
    if len(runs) > 1:
        minutes = min(r["budget_minutes"] for r in runs)
        grid, ys = on_grid(runs, minutes)
        end = ys[:, -1]
        label = (
            f"{NAMES[algo]}, mean of {len(runs)} seeds "
            f"(at {minutes:g} min {end.mean():.2f} ± {end.std(ddof=1):.2f} sd)"
        )
        ax.plot(grid, ys.mean(0), "-", lw=2.4, color=COLORS[algo], label=label)
    for run in (
        json.loads(p.read_text()) for p in sorted(results.glob(f"ued-headline-partial-{algo}-s*.json"))
    ):
        t, y = points(run["curve"])
        label = f"{NAMES[algo]}, seed {run['seed']}, an attempt interrupted at {t[-1]:.1f} min"
        ax.plot(t, y, "--", lw=0.9, alpha=0.6, color=COLORS[algo], label=label)


def main() -> None:
    results = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "results"
    fig = Figure(figsize=(13, 7), layout="constrained")
    panels = fig.subplots(1, 2, sharey=True)
    titles = ("JaxUED's defaults: 25 walls, γ 0.995, replay 0.8", "minimax's settings: 60 walls, γ 0.999")
    for ax, title, sixty in zip(panels, titles, (False, True), strict=True):
        for algo in COLORS:
            if algo.endswith("-w60") == sixty:
                draw_tag(ax, results, algo)
        ax.set_title(title, fontsize=10)
    old = [
        json.loads(p.read_text())
        for p in sorted(results.glob("ued-headline-b9931bc-shared4-robust_plr-s*.json"))
    ]
    if old:
        grid, ys = on_grid(old, min(r["budget_minutes"] for r in old))
        label = f"PLR⊥ before the sampler rewrite, mean of {len(old)} seeds sharing the GPU (b9931bc)"
        panels[0].plot(grid, ys.mean(0), ":", lw=1.5, color="grey", label=label)
    for ax in panels:
        ax.axhline(REFERENCE, ls="-.", color="grey", lw=1)
        ax.text(
            0.1,
            REFERENCE - 0.04,
            "reference: dcd PLR⊥ at 250M steps, 25 walls (publication, 10 seeds)",
            fontsize=8,
            color="grey",
        )
        ax.set_xlabel("training wall-clock (minutes; compile included, evaluation excluded)")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1)
    panels[0].set_ylabel("mean held-out solve rate")
    fig.suptitle(
        "each run alone on one H100; lr annealed to 0 at 15 min; 8 held-out mazes × 10 attempts", fontsize=10
    )
    fig.savefig(results / "ued-headline.png", dpi=110)
    print(results / "ued-headline.png")


if __name__ == "__main__":
    main()
