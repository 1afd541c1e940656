"""The offline-RL generalization study on the GPU machine as one resumable script: each step skips what is
already in OUT, and an interrupted step resumes (collections from their last written batch, the grid and
the ablation from their last finished cell and epoch).

    python benchmarks/offline_rl/run.py OUT                       # datasets, grid, ablation
    python benchmarks/offline_rl/run.py OUT --steps grid --seeds 3
    python benchmarks/offline_rl/run.py OUT --tiny                # the same at toy scale on CPU

Steps:

* ``datasets``: for each game, Minari datasets from the shipped PPO experts with ``openended rl collect``
  (``OUT/datasets/<game>-<kind>``): expert, mixed and suboptimal on the 200 training levels, and
  ``expert-levels-<n>`` on the first n levels, ``budget`` transitions each, for the ablation's diversity
  arm. The expert dataset holds 10 × ``budget`` transitions, so the ablation's 10× arm can draw from it.
* ``grid``: ``openended offline-rl run`` (``OUT/runs/grid``) → ``OUT/offline-rl-grid.json``.
* ``ablation``: ``openended offline-rl ablation`` (``OUT/runs/ablation``) → ``OUT/offline-rl-ablation.json``.

The scale is set by the arguments (defaults: 100k transitions per dataset where gen_dgrl has 1M, and
epochs cut so that every algorithm takes a comparable number of gradient steps); the JSON records it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
from pathlib import Path
from typing import Any

EPOCHS = {"bc": 10, "bcq": 10, "cql": 10, "iql": 10, "dt": 3, "bct": 3}  # gen_dgrl: 100/500/1000/100/50/50


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def datasets(
    out: Path,
    games: list[str],
    transitions: int,
    expert_transitions: int,
    budget: int,
    levels: tuple[int, ...],
    tiny: bool,
) -> None:
    from openended.core.commands import run_or_resume
    from openended.rl.cli import COLLECT
    from openended.rl.config import CollectConfig

    small: dict[str, Any] = {"num_envs": 8, "device": "cpu"} if tiny else {"num_envs": 64, "threads": 8}
    for game in games:
        wanted = [
            ("expert", "train", expert_transitions),
            ("mixed", "train", transitions),
            ("suboptimal", "train", transitions),
        ] + [(f"expert-levels-{n}", f"levels-{n}", budget) for n in levels]
        for kind, split, n in wanted:
            cfg = CollectConfig(game=game, kind=kind.split("-")[0], split=split, transitions=n, **small)  # type: ignore[arg-type]
            run_or_resume(COLLECT, cfg, out / "datasets", f"{game}-{kind}", report=False)
            print(f"dataset {game}-{kind}: done", flush=True)


def _cells(a: argparse.Namespace, cls: Any, **extra: Any) -> Any:
    base = cls()
    per = {}
    for algo in ("bc", "bcq", "cql", "iql", "dt", "bct"):
        over: dict[str, Any] = {"epochs": 1 if a.tiny else a.epochs.get(algo, EPOCHS[algo])}
        if a.tiny:
            over["batch_size"] = 64
            if algo in ("dt", "bct"):
                over |= {"context": 3, "embed": 16, "layers": 1, "heads": 2}
        per[algo] = getattr(base, algo).replace(**over)
    common = {"episodes": 2, "eval_envs": 2, "device": "cpu"} if a.tiny else {"episodes": a.episodes}
    return cls(
        datasets=str(a.out / "datasets"), games=tuple(a.games), seeds=a.seeds, **common, **per, **extra
    )


def grid(a: argparse.Namespace) -> None:
    from openended.core.commands import run_or_resume
    from openended.offline_rl.cli import GRID

    path = run_or_resume(GRID, _cells(a, GRID.config_cls), a.out / "runs", "grid")
    _publish(a, path, "offline-rl-grid.json")


def ablation(a: argparse.Namespace) -> None:
    from openended.core.commands import run_or_resume
    from openended.offline_rl.cli import ABLATION

    extra = {"budget": a.budget}
    if a.tiny:
        extra |= {"levels": (1, 5), "multipliers": (1, 2)}
    path = run_or_resume(ABLATION, _cells(a, ABLATION.config_cls, **extra), a.out / "runs", "ablation")
    _publish(a, path, "offline-rl-ablation.json")


def _publish(a: argparse.Namespace, run: Path, name: str) -> None:
    import torch

    results = json.loads((run / "artifacts" / "results.json").read_text())
    meta = {
        "commit": _commit(),
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "date": datetime.date.today().isoformat(),
        "config": json.loads((run / "config.json").read_text()),
        "dataset_transitions": {"expert": a.expert_transitions, "others": a.transitions},
    }
    (a.out / name).write_text(json.dumps({**meta, **results}, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--steps", nargs="+", default=["datasets", "grid", "ablation"])
    ap.add_argument("--games", nargs="+", default=["bigfish", "coinrun", "maze", "starpilot"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--transitions", type=int, default=50_000, help="per dataset (gen_dgrl: 1M)")
    ap.add_argument("--budget", type=int, default=25_000, help="the ablation's fixed transitions")
    ap.add_argument("--episodes", type=int, default=100, help="evaluation episodes per split")
    ap.add_argument("--epochs", type=json.loads, default={}, help="per algorithm, e.g. '{\"bc\": 5}'")
    ap.add_argument("--tiny", action="store_true")
    a = ap.parse_args()
    if a.tiny:
        a.games, a.seeds, a.transitions, a.budget = a.games[:1], 1, 300, 100
    a.expert_transitions = max(a.transitions, 10 * a.budget)
    a.out.mkdir(parents=True, exist_ok=True)
    for step in a.steps:
        if step == "datasets":
            levels = (1, 5) if a.tiny else (1, 10, 50, 200, 1000)
            datasets(a.out, a.games, a.transitions, a.expert_transitions, a.budget, levels, a.tiny)
        elif step == "grid":
            grid(a)
        elif step == "ablation":
            ablation(a)
        else:
            raise SystemExit(f"unknown step {step!r}")
        print(f"{step}: done", flush=True)


if __name__ == "__main__":
    main()
