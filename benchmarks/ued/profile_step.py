"""Where a UED train step spends its time on this device: rollout, PPO update, level-buffer sampling and
insertion, and the whole new-level and replay branches, timed separately (median of N calls, compiled).

    python benchmarks/ued/profile_step.py [--envs 256 1024] [--chunks 1 4] [--precision default tensorfloat32]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
from record import header  # a sibling module: run this file as a script

from openended.ued.config import PPOConfig, UEDConfig
from openended.ued.network import initial_carry
from openended.ued.plr import RobustPLR
from openended.ued.ppo import update


def timed(fn: Any, *args: Any, n: int = 5) -> float:
    jax.block_until_ready(fn(*args))
    times = []
    for _ in range(n):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def profile(envs: int, chunks: int, unroll: int) -> dict[str, float]:
    cfg = UEDConfig(num_envs=envs, unroll=unroll, ppo=PPOConfig(chunks=chunks))
    tr = RobustPLR(cfg)
    state = tr.init(jax.random.PRNGKey(0))
    on_new, on_replay = jax.jit(tr._on_new), jax.jit(tr._on_replay)
    while int(state.sampler.size) < cfg.plr.min_fill * cfg.plr.capacity:
        state, _ = on_new(state, jax.random.fold_in(state.key, int(state.sampler.size)))
    key = jax.random.PRNGKey(1)
    levels = jax.vmap(tr.new_level)(jax.random.split(key, envs))
    size = cfg.num_steps // chunks
    short = cfg.replace(num_steps=size)
    tr_short = RobustPLR(short)
    rollout_piece = jax.jit(tr_short.student.rollout)
    traj, adv, targets = rollout_piece(key, state.train, levels)
    carry = initial_carry(envs, cfg.ppo.lstm_features)
    learn = jax.jit(lambda k, t, tj, a, g: update(k, t, carry, tj, a, g, tr.student.hyper)[0])
    score = jax.jit(
        lambda s: tr.sampler.insert_batch(
            s, levels, jnp.arange(envs, dtype=jnp.float32), jnp.full(envs, -jnp.inf)
        )
    )
    sample = jax.jit(lambda s, k: tr.sampler.sample(s, k, envs))
    return {
        "envs": envs,
        "chunks": chunks,
        "unroll": unroll,
        "rollout_whole_s": timed(jax.jit(tr.student.rollout), key, state.train, levels),
        "rollout_piece_s": timed(rollout_piece, key, state.train, levels),
        "ppo_update_piece_s": timed(learn, key, state.train, traj, adv, targets),
        "buffer_insert_s": timed(score, state.sampler),
        "buffer_sample_s": timed(sample, state.sampler, key),
        "branch_new_s": timed(on_new, state, key),
        "branch_replay_s": timed(on_replay, state, key),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--envs", type=int, nargs="+", default=[256, 1024])
    p.add_argument("--chunks", type=int, nargs="+", default=[1, 4])
    p.add_argument("--unroll", type=int, default=8)
    p.add_argument("--precision", nargs="+", default=["default"])
    p.add_argument(
        "--out", default=os.environ.get("OUT") or str(Path(__file__).resolve().parents[1] / "results")
    )
    a = p.parse_args()
    rows = []
    for precision in a.precision:
        jax.config.update("jax_default_matmul_precision", None if precision == "default" else precision)
        for envs in a.envs:
            for chunks in a.chunks:
                row = {"precision": precision, **profile(envs, chunks, a.unroll)}
                rows.append(row)
                print(
                    json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}),
                    flush=True,
                )
    result = {
        **header("ued-step-profile"),
        "rows": rows,
    }
    Path(a.out, "ued-step-profile.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
