"""Plot the headline curves (mean held-out solve rate against training wall-clock) from results/ JSON."""

from __future__ import annotations

import json
from pathlib import Path

from matplotlib.figure import Figure

RESULTS = Path(__file__).resolve().parents[1] / "results"


def main() -> None:
    fig = Figure(figsize=(6.5, 3.8), layout="constrained")
    ax = fig.add_subplot()
    for path in sorted(RESULTS.glob("ued-headline-*.json")):
        data = json.loads(path.read_text())
        curve = data["curve"]
        label = f"{data['config']['algorithm']} (seed {data['seed']}, {data['config']['num_envs']} envs)"
        ax.plot(
            [r["train_s"] / 60 for r in curve],
            [r["heldout_solve_rate"] for r in curve],
            "-o",
            ms=3,
            label=label,
        )
    ax.axhline(0.677, ls="--", color="grey", lw=1)
    ax.text(0.1, 0.69, "dcd PLR⊥ at 250M steps (reference, 10 seeds)", fontsize=8, color="grey")
    ax.set_xlabel("training wall-clock (minutes, one H100; compile included, evaluation excluded)")
    ax.set_ylabel("mean held-out solve rate (8 mazes × 10)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(RESULTS / "ued-headline.png", dpi=110)
    print(RESULTS / "ued-headline.png")


if __name__ == "__main__":
    main()
