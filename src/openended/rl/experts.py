"""``openended rl train-expert``: a PPO expert on one game's training levels, with evenly spaced policy
snapshots (each scored on the training levels) from which the mixed and suboptimal datasets are collected.

The run directory holds, besides the usual metrics and checkpoints, ``artifacts/policies/`` (the snapshots
and their ``index.json``, the format :mod:`openended.rl.policies` reads) and ``artifacts/returns.png``
(normalized returns on train and test levels over training).
"""

from __future__ import annotations

import collections
import json
import math
import time
from typing import Any

import numpy as np
import torch

from openended.core.report import curves_figure
from openended.core.runs import Run
from openended.rl.config import ExpertConfig
from openended.rl.evaluation import normalize, run_episodes
from openended.rl.networks import ActorCritic
from openended.rl.policies import save_policy, snapshot_updates, write_index
from openended.rl.ppo import PPO, pick_device
from openended.rl.procgen import NUM_ACTIONS, ProcgenVecEnv, split_named


def train_expert(run: Run) -> None:
    cfg: ExpertConfig = run.config  # type: ignore[assignment]
    torch.manual_seed(cfg.seed)
    device = pick_device(cfg.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    envs = ProcgenVecEnv(
        cfg.game, cfg.ppo.num_envs, split_named(cfg.split), cfg.seed, num_threads=cfg.threads
    )
    model = ActorCritic(NUM_ACTIONS, cfg.network.scale, cfg.network.hidden)
    per_update = cfg.ppo.num_envs * cfg.ppo.num_steps
    total_updates = math.ceil(cfg.total_steps / per_update)
    ppo = PPO(cfg.ppo, model, envs, device, total_updates)
    recent: collections.deque[float] = collections.deque(maxlen=100)
    entries: list[dict[str, Any]] = []
    restored = run.restore()
    if restored is not None:
        _, state = restored
        ppo.load(state["ppo"])
        recent.extend(float(r) for r in np.asarray(state["recent"]).tolist())
        entries = json.loads(state["snapshots"])
    take = set(snapshot_updates(total_updates, cfg.snapshots))
    folder = run.artifact("policies/index.json").parent

    def evaluate(split: str) -> float:
        eps = run_episodes(
            model,
            cfg.game,
            split_named(split),
            cfg.eval_episodes,
            num_envs=min(cfg.ppo.num_envs, cfg.eval_episodes),
            seed=cfg.seed + 10_000 + ppo.updates,  # fresh level draws each time, same on a resumed run
            device=device,
            threads=cfg.threads,
        )
        model.train()
        return eps.mean

    with run.progress(total_updates, initial=ppo.updates, desc=f"ppo {cfg.game}") as bar:
        while ppo.updates < total_updates:
            start = time.perf_counter()
            stats, finished = ppo.update()
            seconds = time.perf_counter() - start
            recent.extend(ret for _, ret, _, _ in finished)
            last = ppo.updates == total_updates
            row: dict[str, Any] = {}
            if ppo.updates % cfg.log_every == 0 or last:
                row.update(stats, steps_per_s=per_update / seconds, updates=ppo.updates)
                if recent:
                    row["episode_return"] = float(np.mean(recent))
            train_return = None
            if (cfg.eval_every and ppo.updates % cfg.eval_every == 0) or last:
                train_return, test_return = evaluate("train"), evaluate("test")
                row.update(
                    eval_train_return=train_return,
                    eval_test_return=test_return,
                    eval_train_normalized=float(normalize(cfg.game, train_return)),
                    eval_test_normalized=float(normalize(cfg.game, test_return)),
                )
            if ppo.updates in take:
                if train_return is None:
                    train_return = evaluate("train")
                name = f"step_{ppo.env_steps:010d}.npz"
                info = {
                    "game": cfg.game,
                    "step": ppo.env_steps,
                    "mean_return": train_return,
                    "split": cfg.split,
                }
                save_policy(folder / name, model, info)
                entries = [e for e in entries if e["file"] != name] + [
                    {"file": name, "step": ppo.env_steps, "mean_return": train_return}
                ]
                write_index(
                    folder, cfg.game, entries, note=f"PPO on {split_named(cfg.split)}, seed {cfg.seed}"
                )
            if row:
                run.log(ppo.env_steps, **row)
            if ppo.updates % cfg.checkpoint_every == 0 or last:
                run.save_checkpoint(
                    ppo.env_steps,
                    {
                        "ppo": ppo.state(),
                        "recent": np.asarray(recent, np.float64),
                        "snapshots": json.dumps(entries),
                    },
                )
            bar.update(1)
            if recent:
                bar.set_postfix(ret=f"{np.mean(recent):.2f}", sps=f"{per_update / seconds:,.0f}")
    rows = [r for r in run.metrics() if "eval_train_normalized" in r]
    if rows:
        fig = curves_figure(rows, ["eval_train_normalized", "eval_test_normalized"], title=f"{cfg.game}: PPO")
        fig.savefig(run.artifact("returns.png"), dpi=110)
