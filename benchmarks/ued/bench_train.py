"""Full train-step throughput (rollout + PLR⊥ buffer + PPO) of openended.ued at several batch sizes.

    python benchmarks/ued/bench_train.py [--configs 32x256x1 1024x256x1x4] [--unroll 1 8] [--seeds 1 3]

Each config is ENVSxSTEPSxMINIBATCHES[xCHUNKS] with the paper's network (LSTM 256) and PLR⊥ defaults; the
buffer is pre-filled past its minimum so most updates replay. ``--seeds N`` times the step vmapped over N
seeds (how the headline trains several seeds at once). Reported: seconds per update, env steps/s and
optimizer steps/s per seed (median of the timed updates, compile excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import jax
import jax.numpy as jnp
from record import header  # a sibling module: run this file as a script

from openended.ued.config import PPOConfig, UEDConfig
from openended.ued.plr import RobustPLR


def time_train_step(cfg: UEDConfig, updates: int, seeds: int = 1) -> dict:
    """Compile time and median seconds per update of ``cfg``'s train step (vmapped over ``seeds``), buffer
    filled past min_fill."""
    trainer = RobustPLR(cfg)
    inits = [trainer.init(jax.random.PRNGKey(s)) for s in range(seeds)]
    state = inits[0]
    if seeds > 1:  # stacked leaves under the first seed's structure (each init builds its own optimizer)
        leaves = [jnp.stack(xs) for xs in zip(*map(jax.tree_util.tree_leaves, inits), strict=True)]
        state = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(state), leaves)
    # one seed: the plain step (vmapped, its lax.switch over branches would run every branch)
    step = trainer.step if seeds == 1 else jax.jit(jax.vmap(trainer._step))
    start = time.perf_counter()
    state, _ = step(state)
    jax.block_until_ready(state)
    compile_s = time.perf_counter() - start
    while int(jnp.min(state.sampler.size)) < cfg.plr.min_fill * cfg.plr.capacity:  # fill: new-level updates
        state, _ = step(state)
    times, branches = [], []
    opt_start = int(jnp.ravel(state.train.step)[0])
    for _ in range(updates):
        start = time.perf_counter()
        state, metrics = step(state)
        jax.block_until_ready(state)
        times.append(time.perf_counter() - start)
        branches.append(int(jnp.ravel(metrics["branch"])[0]))
    per = statistics.median(times)
    return {
        "envs": cfg.num_envs,
        "steps": cfg.num_steps,
        "minibatches": cfg.ppo.minibatches,
        "chunks": cfg.ppo.chunks,
        "seeds": seeds,
        "unroll": cfg.unroll,
        "optimizer_steps_per_s": (int(jnp.ravel(state.train.step)[0]) - opt_start) / sum(times),
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
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], help="seeds vmapped per step")
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument("--tag", default="", help="suffix of the result file")
    parser.add_argument(
        "--out", default=os.environ.get("OUT") or str(Path(__file__).resolve().parents[1] / "results")
    )
    args = parser.parse_args()
    configs: list[dict] = []
    result = {
        **header("ued-train-step"),
        "algorithm": "robust_plr",
        "configs": configs,
    }
    result["xla_flags"] = os.environ.get("XLA_FLAGS", "")
    for spec in args.configs:
        envs, steps, mb, chunks = ([int(x) for x in spec.split("x")] + [1])[:4]
        for unroll in args.unroll:
            cfg = UEDConfig(
                algorithm="robust_plr",
                num_envs=envs,
                num_steps=steps,
                unroll=unroll,
                ppo=PPOConfig(minibatches=mb, chunks=chunks),
            )
            for seeds in args.seeds:
                entry = time_train_step(cfg, args.updates, seeds)
                configs.append(entry)
                print({k: v for k, v in entry.items() if k != "seconds"}, flush=True)
    path = Path(args.out) / f"ued-train-step{'-' + args.tag if args.tag else ''}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
