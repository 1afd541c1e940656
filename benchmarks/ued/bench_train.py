"""Full train-step throughput (rollout + PLR⊥ buffer + PPO) of openended.ued at several batch sizes.

    python benchmarks/ued/bench_train.py [--configs 32x256x1 256x256x4] [--unroll 1 8] [--updates 40]

Each config is ENVSxSTEPSxMINIBATCHES with the paper's network (LSTM 256) and PLR⊥ defaults; the buffer is
pre-filled past its minimum so most updates replay. Reported: seconds per update and env steps/s (median of
the timed updates, compile excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import jax

from openended.core.runs import provenance
from openended.ued.config import PPOConfig, UEDConfig
from openended.ued.train import Trainer


def time_train_step(cfg: UEDConfig, updates: int) -> dict:
    """Compile time and median seconds per update of ``cfg``'s train step, buffer filled past min_fill."""
    trainer = Trainer(cfg)
    state = trainer.init(jax.random.PRNGKey(0))
    start = time.perf_counter()
    state, _ = trainer.step(state)
    jax.block_until_ready(state)
    compile_s = time.perf_counter() - start
    while int(state.sampler.size) < cfg.plr.min_fill * cfg.plr.capacity:  # fill: new-level updates only
        state, _ = trainer.step(state)
    times, branches = [], []
    for _ in range(updates):
        start = time.perf_counter()
        state, metrics = trainer.step(state)
        jax.block_until_ready(state)
        times.append(time.perf_counter() - start)
        branches.append(int(metrics["branch"]))
    per = statistics.median(times)
    return {
        "envs": cfg.num_envs,
        "steps": cfg.num_steps,
        "minibatches": cfg.ppo.minibatches,
        "unroll": cfg.unroll,
        "compile_s": compile_s,
        "seconds_per_update": per,
        "updates_per_s": 1 / per,
        "env_steps_per_s": cfg.num_envs * cfg.num_steps / per,
        "replay_fraction": sum(b == 1 for b in branches) / len(branches),
        "seconds": times,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", nargs="+", default=["32x256x1", "256x256x1", "256x256x4", "1024x256x4"])
    parser.add_argument("--unroll", type=int, nargs="+", default=[1], help="scan unroll factors to time")
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument("--tag", default="", help="suffix of the result file")
    parser.add_argument(
        "--out", default=os.environ.get("OUT") or str(Path(__file__).resolve().parents[1] / "results")
    )
    args = parser.parse_args()
    result = {
        "benchmark": "ued-train-step",
        "provenance": provenance(),
        "device": str(jax.devices()[0]),
        "jax": jax.__version__,
        "algorithm": "robust_plr",
        "configs": [],
    }
    result["xla_flags"] = os.environ.get("XLA_FLAGS", "")
    for spec in args.configs:
        envs, steps, mb = (int(x) for x in spec.split("x"))
        for unroll in args.unroll:
            cfg = UEDConfig(
                algorithm="robust_plr",
                num_envs=envs,
                num_steps=steps,
                unroll=unroll,
                ppo=PPOConfig(minibatches=mb),
            )
            entry = time_train_step(cfg, args.updates)
            result["configs"].append(entry)
            print({k: v for k, v in entry.items() if k != "seconds"}, flush=True)
    path = Path(args.out) / f"ued-train-step{'-' + args.tag if args.tag else ''}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
