"""The 2026 word task's baselines on synthetic LibriBrain100-format data: the deep track (subject 0's
partitions) and the broad track (train on subject 0 and held-in subjects, test on two held-out subjects),
each with several seeds (the data's and the model's), beside the chance and majority-class levels.

    python benchmarks/libribrain/word_baselines.py [--seeds 0 1 2] [--epochs 15] [--train-runs 8]

Writes ``benchmarks/results/libribrain-word.json`` (commit, device, date, settings, per-seed numbers and
their mean and standard deviation). Synthetic data with a planted per-word response: these numbers say the
pipeline learns what is there, not how well MEG can be decoded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from pathlib import Path

import numpy as np

from openended.core.commands import execute
from openended.core.runs import provenance, read_metrics
from openended.libribrain.cli import EXPERIMENT
from openended.libribrain.config import LibriBrainConfig, SyntheticConfig

KEYS = ("balanced_accuracy", "naive_balanced_accuracy", "accuracy", "naive_accuracy", "f1_macro")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--train-runs", type=int, default=8)
    p.add_argument(
        "--out", default=str(Path(__file__).resolve().parents[1] / "results" / "libribrain-word.json")
    )
    a = p.parse_args()
    os.environ.setdefault("OPENENDED_PROGRESS", "0")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for track in ("deep", "broad"):
            rows = []
            for seed in a.seeds:
                synthetic = SyntheticConfig(train_runs=a.train_runs, seed=seed)
                cfg = LibriBrainConfig(
                    task="word", track=track, epochs=a.epochs, seed=seed, synthetic=synthetic
                )
                path = execute(EXPERIMENT, cfg, root=tmp, name=f"{track}-{seed}", report=False)
                final = next(r for r in reversed(read_metrics(path)) if r.get("event") == "final")
                row = {k: final[f"test/{k}"] for k in KEYS}
                row["n"] = final["test/n"]
                row["per_subject"] = {
                    k.rsplit("_", 1)[1]: v
                    for k, v in final.items()
                    if k.startswith("test/balanced_accuracy_subject_")
                }
                rows.append({"seed": seed, **row})
                print(
                    track, seed, {k: round(v, 3) for k, v in row.items() if isinstance(v, float)}, flush=True
                )
            summary = {
                k: {
                    "mean": float(np.mean([r[k] for r in rows])),
                    "sd": float(np.std([r[k] for r in rows], ddof=1)),
                }
                for k in KEYS
            }
            results[track] = {"runs": rows, "summary": summary}
    out = {
        "benchmark": "libribrain-word",
        "provenance": provenance(),
        "device": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "settings": {"seeds": a.seeds, "epochs": a.epochs, "train_runs": a.train_runs, "synthetic": True,
                     "model": "reference (phoneme tutorial model, 50 classes)", "window_s": [0.0, 0.5]},
        "results": results,
    }  # fmt: skip
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
