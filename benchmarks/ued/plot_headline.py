"""Plot the headline (mean held-out solve rate against training wall-clock on one GPU) from results/ JSON.

Drawn: runs alone on the GPU (``ued-headline-ALGO-sN.json`` and ``ued-headline-solo*-*.json``, solid), the
four-process run stopped after 9 minutes (``ued-headline-shared4-partial.json``, thin dashed), and the mean of
the earlier four-process run before the level sampler's rewrite (``ued-headline-b9931bc-shared4-*``, dotted).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

RESULTS = Path(__file__).resolve().parents[1] / "results"
COLORS = {"robust_plr": "C0", "dr": "C1"}
NAMES = {"robust_plr": "PLR⊥", "dr": "DR"}


def points(curve: list[dict]) -> tuple[list[float], list[float]]:
    return [p["train_s"] / 60 for p in curve], [p["heldout_solve_rate"] for p in curve]


def main() -> None:
    fig = Figure(figsize=(8, 4.4), layout="constrained")
    ax = fig.add_subplot()
    solo = sorted(RESULTS.glob("ued-headline-robust_plr-s*.json")) + sorted(
        RESULTS.glob("ued-headline-solo*-*.json")
    )
    for n, path in enumerate(solo):
        data = json.loads(path.read_text())
        algo, seed = data["config"]["algorithm"], data["seed"]
        lw, alpha = (2.2, 1.0) if n == 0 else (1.2, 0.6)
        budget = f"{data['budget_minutes']:g}-min budget"
        label = f"{NAMES[algo]} seed {seed}, alone on the GPU ({budget}, lr annealed to 0 at its end)"
        ax.plot(*points(data["curve"]), "-o", ms=2.5, lw=lw, alpha=alpha, color=COLORS[algo], label=label)
    shared = RESULTS / "ued-headline-shared4-partial.json"
    if shared.exists():
        for n, (name, curve) in enumerate(json.loads(shared.read_text())["curves"].items()):
            algo = name.split("-s")[0]
            label = (
                "3 PLR⊥ seeds + 1 DR seed as 4 processes sharing the GPU (stopped at 9 min)"
                if n == 0
                else None
            )
            ax.plot(*points(curve), "--", lw=0.8, alpha=0.6, color=COLORS[algo], label=label)
    old = [
        json.loads(p.read_text())
        for p in sorted(RESULTS.glob("ued-headline-b9931bc-shared4-robust_plr-s*.json"))
    ]
    if old:
        n = min(len(r["curve"]) for r in old)
        t = np.mean([points(r["curve"][:n])[0] for r in old], axis=0)
        y = np.mean([points(r["curve"][:n])[1] for r in old], axis=0)
        label = f"PLR⊥ before the sampler rewrite, mean of {len(old)} seeds sharing the GPU (b9931bc)"
        ax.plot(t, y, ":", lw=1.5, color="grey", label=label)
    ax.axhline(0.677, ls="-.", color="grey", lw=1)
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
