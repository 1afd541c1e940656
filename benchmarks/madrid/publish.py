"""Turn a finished ``run.py`` output folder into the files the README quotes.

    python benchmarks/madrid/publish.py OUT NAME --note "what was run"
      -> benchmarks/results/NAME.json, NAME.png (archive regret over iterations, every method and seed),
         NAME-pitch.png (where on the pitch the snapshot references beat the target, madrid, mean of seeds),
         NAME-gallery-1.gif (the highest-regret gallery level of the madrid searches)

``OUT`` holds ``madrid-results.json`` and ``runs/`` (the searches, checkpoints not needed).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "results"


def per_reference(searches: dict[str, Any]) -> dict[str, dict[str, dict[str, list[float | None]]]]:
    """For each method and reference: every seed's mean regret and share of levels the reference wins."""
    out: dict[str, dict[str, dict[str, list[float | None]]]] = {}
    for name in sorted(searches):
        method = name.split("-")[1]
        for ref in searches[name]["summary"].get("per_reference", []):
            row = out.setdefault(method, {}).setdefault(
                ref["name"], {"mean_regret": [], "share_beats_target": []}
            )
            for k in row:
                v = ref.get(k)
                row[k].append(None if v is None else round(float(v), 4))
    return out


def snapshot_pitch(runs: list[Path]) -> np.ndarray:
    """Mean regret of the snapshot references per cell of the ball's start, averaged over the runs."""
    from openended.core.serialize import load_tree
    from openended.madrid.analysis import pitch_cells

    maps = []
    for run in runs:
        cfg = json.loads((run / "config.json").read_text())
        cells = (int(cfg["cells_x"]), int(cfg["cells_y"]))
        refs = json.loads((run / "artifacts" / "references.json").read_text())
        snapshot_slots = [i for i, r in enumerate(refs) if r.get("kind") == "snapshot"]
        a = {k: np.asarray(v) for k, v in load_tree(run / "artifacts" / "archive.npz").items()}
        m, regret = a["measures"], a["objective"]
        keep = np.isin(np.floor(m[:, 2]).astype(int), snapshot_slots)
        ix, iy = pitch_cells(m, cells)
        total, count = np.zeros(cells), np.zeros(cells)
        np.add.at(total, (ix[keep], iy[keep]), regret[keep])
        np.add.at(count, (ix[keep], iy[keep]), 1)
        maps.append(np.where(count > 0, total / np.maximum(count, 1), np.nan))
    with np.errstate(all="ignore"):
        return np.nanmean(np.stack(maps), axis=0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path)
    p.add_argument("name")
    p.add_argument("--note", default="")
    p.add_argument("--results", type=Path, default=RESULTS)
    a = p.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    from openended.core.report import heatmap_figure
    from openended.madrid.cli import compare

    measured = json.loads((a.out / "madrid-results.json").read_text())
    runs = sorted(p for p in (a.out / "runs").iterdir() if (p / "run.json").is_file())
    _, fig = compare(runs)
    a.results.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.results / f"{a.name}.png", dpi=110, bbox_inches="tight")
    madrid_runs = [r for r in runs if r.name.startswith("search-madrid-")]
    heat = snapshot_pitch(madrid_runs)
    heatmap_figure(
        heat,
        "ball's start x (pitch units, the target attacks →)",
        "ball's start y",
        extent=(-0.9, 0.9, -0.4, 0.4),
        title=f"mean regret of the snapshot references per cell (madrid, {len(madrid_runs)} seeds)",
        cbar_label="regret",
        cmap="magma",
    ).savefig(a.results / f"{a.name}-pitch.png", dpi=110, bbox_inches="tight")
    searches = measured["searches"]
    best = max(
        ((r, g) for r in madrid_runs for g in searches[r.name]["summary"].get("gallery", [])),
        key=lambda rg: rg[1]["regret"],
        default=None,
    )
    if best is not None:
        shutil.copyfile(best[0] / "artifacts" / best[1]["file"], a.results / f"{a.name}-gallery-1.gif")
    half = heat.shape[0] // 2
    result = {
        **{k: v for k, v in measured.items() if k not in ("searches",)},
        "searches": searches,
        "per_reference_over_seeds": per_reference(searches),
        "pitch": {
            "own_half_mean": float(np.nanmean(heat[:half])),
            "other_half_mean": float(np.nanmean(heat[half:])),
        },
        "gallery_1": {"run": best[0].name, **best[1]} if best else None,
        "note": a.note,
    }
    (a.results / f"{a.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("compare", "pitch")}, indent=1)[:3000])


if __name__ == "__main__":
    main()
