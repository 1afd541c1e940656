"""Figure of the ReMiDi experiment: return on the levels where minimax regret gives no incentive, and on all
levels, over training; seed mean (line) and range (band) per method, one row per domain."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

RESULTS = Path(__file__).resolve().parents[1] / "results"
REDUCIBLE = {"lever": "shown", "tmaze": "maze", "blindfold": "sighted"}
COLORS = {"remidi": "C3", "robust_plr": "C0", "dr": "C1"}


def main() -> None:
    runs: dict[str, list[dict]] = defaultdict(list)
    for path in sorted(RESULTS.glob("remidi-*.json")):
        data = json.loads(path.read_text())
        runs[data["domain"]].extend(data["runs"])
    fig = Figure(figsize=(10, 3.4 * len(runs)), layout="constrained")
    axes = fig.subplots(len(runs), 2, squeeze=False)
    for row, (domain, domain_runs) in enumerate(sorted(runs.items())):
        keys = (f"return/{REDUCIBLE[domain]}", "random_return")
        if all("solve/every_shown_lever" in r["curve"][-1] for r in domain_runs):
            keys = ("solve/every_shown_lever", "random_return")  # ReMiDi's own lever metric, where recorded
        titles = (
            f"{domain}: {REDUCIBLE[domain]} levels (no minimax-regret incentive)",
            f"{domain}: all levels",
        )
        by_method: dict[str, list[dict]] = defaultdict(list)
        for r in domain_runs:
            by_method[r["method"]].append(r)
        for ax, key, title in zip(axes[row], keys, titles, strict=True):
            for method, rs in by_method.items():
                n = min(len(r["curve"]) for r in rs)
                x = [p["step"] for p in rs[0]["curve"][:n]]
                y = np.array([[p[key] for p in r["curve"][:n]] for r in rs])
                ax.plot(x, y.mean(0), color=COLORS.get(method), label=f"{method} ({len(rs)} seeds)")
                ax.fill_between(x, y.min(0), y.max(0), color=COLORS.get(method), alpha=0.2)
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("update")
            ax.set_ylabel(
                "solve rate, every shown lever" if key.startswith("solve/") else "mean first-episode return"
            )
            ax.grid(alpha=0.3)
        axes[row][0].legend(fontsize=8)
    fig.savefig(RESULTS / "remidi.png", dpi=100)
    print(RESULTS / "remidi.png")


if __name__ == "__main__":
    main()
