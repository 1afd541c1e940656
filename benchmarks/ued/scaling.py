"""Data-parallel scaling of PLR⊥ across the visible GPUs (openended.ued's Trainer over a device mesh).

For 1, 2, ... devices (up to all visible) at a fixed per-device batch: env steps/s and PPO updates/s of the
full train step (buffer pre-filled so updates mostly replay); then, at equal training wall-clock, the mean
held-out solve rate (8 mazes × 10 attempts) reached with 1 device and with all of them.

    NCCL_NVLS_ENABLE=0 python benchmarks/ued/scaling.py --per-device-envs 256 --minutes 2.5
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import jax
from bench_train import time_train_step  # a sibling script: run this file as a script
from record import header  # a sibling module: run this file as a script

from openended.ued.config import PLRConfig, PPOConfig, UEDConfig
from openended.ued.experiment import evaluate
from openended.ued.plr import RobustPLR


def config(devices: int, per_device: int, steps: int, lstm: int, capacity: int, unroll: int) -> UEDConfig:
    return UEDConfig(
        algorithm="robust_plr",
        num_envs=devices * per_device,
        num_steps=steps,
        devices=devices,
        eval_random_levels=0,
        unroll=unroll,
        ppo=PPOConfig(lr=3e-4, ent_coef=0.0, lstm_features=lstm),
        plr=PLRConfig(capacity=capacity),
    )


def throughput(cfg: UEDConfig, updates: int) -> dict:
    return {"devices": cfg.devices, **time_train_step(cfg, updates)}


def train_for(cfg: UEDConfig, minutes: float) -> dict:
    trainer = RobustPLR(cfg)
    state = trainer.init(jax.random.PRNGKey(cfg.seed))
    spent, updates = 0.0, 0
    while spent < minutes * 60:
        start = time.perf_counter()
        state, _ = trainer.step(state)
        jax.block_until_ready(state.train.params)
        spent += time.perf_counter() - start
        updates += 1
    ev = evaluate(trainer, state, jax.random.PRNGKey(99))
    return {
        "devices": cfg.devices,
        "num_envs": cfg.num_envs,
        "train_s": spent,
        "updates": updates,
        "env_steps": updates * cfg.num_envs * cfg.num_steps,
        **ev,
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--per-device-envs", type=int, default=256)
    p.add_argument("--num-steps", type=int, default=256)
    p.add_argument("--lstm", type=int, default=256)
    p.add_argument("--updates", type=int, default=20)
    p.add_argument("--capacity", type=int, default=4000)
    p.add_argument("--unroll", type=int, default=8, help="as the headline (speed only)")
    p.add_argument("--minutes", type=float, default=2.5)
    p.add_argument(
        "--out", default=os.environ.get("OUT") or str(Path(__file__).resolve().parents[1] / "results")
    )
    a = p.parse_args()
    n = len(jax.devices())
    counts = sorted({1, 2, 4, 8, n} & set(range(1, n + 1)))
    result = {
        **header("ued-scaling"),
        "devices_visible": [str(d) for d in jax.devices()],
        "per_device_envs": a.per_device_envs,
        "num_steps": a.num_steps,
        "throughput": [],
        "equal_wall_clock": [],
    }
    if n == 1:
        result["status"] = "one-GPU baseline only: no machine with several GPUs was lent when this ran"
    path = Path(a.out) / "ued-scaling.json"
    for d in counts:
        result["throughput"].append(
            throughput(config(d, a.per_device_envs, a.num_steps, a.lstm, a.capacity, a.unroll), a.updates)
        )
        print(json.dumps(result["throughput"][-1]), flush=True)
        path.write_text(json.dumps(result, indent=2) + "\n")
    base = result["throughput"][0]["env_steps_per_s"]
    for r in result["throughput"]:
        r["speedup"] = r["env_steps_per_s"] / base
        r["scaling_efficiency"] = r["speedup"] / r["devices"]
    if a.minutes > 0:
        for d in sorted({1, n}):
            result["equal_wall_clock"].append(
                train_for(config(d, a.per_device_envs, a.num_steps, a.lstm, a.capacity, a.unroll), a.minutes)
            )
            print(
                json.dumps(
                    {k: v for k, v in result["equal_wall_clock"][-1].items() if not k.startswith("solve/")}
                ),
                flush=True,
            )
            path.write_text(json.dumps(result, indent=2) + "\n")
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    main()
