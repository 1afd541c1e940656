"""Plot the headline curves (mean held-out solve rate against training wall-clock) from results/ JSON.

Multi-seed runs (``ued-headline-ALGO-sN.json``, from ``headline_gpu.sh``) are drawn per seed (thin) with their
seed mean (thick); single earlier runs (``ued-headline-ALGO.json``) dashed.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

RESULTS = Path(__file__).resolve().parents[1] / "results"
COLORS = {"robust_plr": "C0", "dr": "C1", "plr": "C2", "accel": "C3"}


def main() -> None:
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.add_subplot()
    seeds: dict[str, list[dict]] = defaultdict(list)
    for path in sorted(RESULTS.glob("ued-headline-*.json")):
        data = json.loads(path.read_text())
        algo = data["config"]["algorithm"]
        curve = data["curve"]
        minutes = [r["train_s"] / 60 for r in curve]
        rate = [r["heldout_solve_rate"] for r in curve]
        if re.search(r"-s\d+\.json$", path.name):
            seeds[algo].append(data)
            ax.plot(minutes, rate, "-", lw=0.8, alpha=0.45, color=COLORS.get(algo))
        else:
            label = f"{algo}, earlier single run (alone on the GPU, constant lr)"
            ax.plot(minutes, rate, "--", lw=1, color=COLORS.get(algo), label=label)
    for algo, runs in seeds.items():
        n = min(len(r["curve"]) for r in runs)
        t = np.mean([[p["train_s"] / 60 for p in r["curve"][:n]] for r in runs], axis=0)
        y = np.mean([[p["heldout_solve_rate"] for p in r["curve"][:n]] for r in runs], axis=0)
        seeds_word = "seeds" if len(runs) > 1 else "seed"
        label = f"{algo}, mean of {len(runs)} {seeds_word} (processes sharing the GPU, annealed lr)"
        ax.plot(t, y, "-o", ms=3, lw=2, color=COLORS.get(algo), label=label)
    ax.axhline(0.677, ls=":", color="grey", lw=1)
    ax.text(0.1, 0.69, "reference: dcd PLR⊥ at 250M steps (publication, 10 seeds)", fontsize=8, color="grey")
    ax.set_xlabel("training wall-clock (minutes, one H100; compile included, evaluation excluded)")
    ax.set_ylabel("mean held-out solve rate (8 mazes × 10)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.savefig(RESULTS / "ued-headline.png", dpi=110)
    print(RESULTS / "ued-headline.png")


if __name__ == "__main__":
    main()
