"""ReMiDi vs PLR⊥ (same oracle regret) vs DR on a toy domain: return over training on the levels where
minimax regret gives no incentive (shown levers, ordinary mazes, sighted mazes) and on all levels.

    python benchmarks/remidi/run.py --domain lever --methods remidi robust_plr dr --seeds 0 1 2 \\
        --updates 5000 --num-steps 256 --buffers 2 --capacity 32 --plr-capacity 64 --steps-per-buffer 500

(ReMiDi's lever scripts, ``scripts/lever_game/*.sh`` in its repository: 5000 updates of 32 envs × 256 steps,
2 buffers of 32 levels × 500 updates, PLR⊥'s buffer 64; the student and score are the config's defaults.)

Each run is ``openended ued remidi`` with the given overrides (its defaults are ReMiDi's script flags);
writes ``remidi-DOMAIN[-TAG].json`` with every run's evaluation curve. Plot with ``plot.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import jax

from openended.core.commands import execute
from openended.core.config import from_dict
from openended.core.runs import provenance, read_metrics
from openended.ued.cli import REMIDI
from openended.ued.config import ReMiDiRunConfig


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--domain", default="lever", choices=["lever", "tmaze", "blindfold"])
    p.add_argument("--methods", nargs="+", default=["remidi", "robust_plr", "dr"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--updates", type=int, default=2000)
    p.add_argument("--num-envs", type=int, default=32)
    p.add_argument("--num-steps", type=int, default=256)
    p.add_argument("--buffers", type=int, default=2)
    p.add_argument("--capacity", type=int, default=32, help="levels per ReMiDi buffer (lever script: 32)")
    p.add_argument(
        "--plr-capacity", type=int, help="PLR⊥'s one buffer (default: --capacity; ReMiDi's lever script: 64)"
    )
    p.add_argument("--steps-per-buffer", type=int, default=500)
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--eval-levels", type=int, default=400)
    p.add_argument("--tag", default="")
    p.add_argument(
        "--out", default=os.environ.get("OUT") or str(Path(__file__).resolve().parents[1] / "results")
    )
    a = p.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as root:
        for method in a.methods:
            for seed in a.seeds:
                cfg = from_dict(
                    ReMiDiRunConfig,
                    {
                        "algorithm": method,
                        "seed": seed,
                        "num_updates": a.updates,
                        "num_envs": a.num_envs,
                        "num_steps": a.num_steps,
                        "eval_every": a.eval_every,
                        "eval_random_levels": a.eval_levels,
                        "checkpoint_every": a.updates,
                        "domain": {"name": a.domain},
                        "plr": {
                            "capacity": a.capacity
                            if method == "remidi" or a.plr_capacity is None
                            else a.plr_capacity
                        },
                        "remidi": {"buffers": a.buffers, "steps_per_buffer": a.steps_per_buffer},
                    },
                )
                start = time.perf_counter()
                path = execute(REMIDI, cfg, root=root, name=f"{method}-{seed}", report=False)
                seconds = time.perf_counter() - start
                curve = [r for r in read_metrics(path) if "random_return" in r]
                runs.append(
                    {
                        "method": method,
                        "seed": seed,
                        "capacity": cfg.plr.capacity,  # the methods' buffers differ (ReMiDi's scripts)
                        "seconds": seconds,
                        "curve": curve,
                    }
                )
                print(
                    method,
                    seed,
                    f"{seconds:.0f}s",
                    {
                        k: round(v, 3)
                        for k, v in curve[-1].items()
                        if k.startswith(("return/", "solve/", "random_"))
                    },
                    flush=True,
                )
    result = {
        "benchmark": "remidi",
        "provenance": provenance(),
        "device": str(jax.devices()[0]),
        "device_kind": jax.devices()[0].device_kind,  # the model, e.g. the GPU's name
        "domain": a.domain,
        "config": cfg.to_dict() | {"algorithm": a.methods},
        "seeds": a.seeds,
        "runs": runs,
    }
    name = f"remidi-{a.domain}{'-' + a.tag if a.tag else ''}.json"
    Path(a.out).mkdir(parents=True, exist_ok=True)
    (Path(a.out) / name).write_text(json.dumps(result, indent=2) + "\n")
    print("wrote", Path(a.out) / name)


if __name__ == "__main__":
    main()
