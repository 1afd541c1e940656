"""``openended rl collect``: record a Minari dataset of one game from an expert's snapshots.

The snapshots of :func:`openended.rl.policies.choose` share the transitions equally, in training order.
Every env records its episode frame by frame; only whole episodes are written, in batches, each followed by
a checkpoint — so an interrupted collection resumes where its last batch ended. (The games' states are not
restored on resume: the envs start fresh episodes from new level draws, so a resumed dataset is as valid
but not bit-identical to an uninterrupted one.)

Procgen resets by itself and never shows the frame after an episode's last step; Minari wants one more
frame than actions, so that slot holds the last frame again. It follows a termination, so no method that
respects ``terminations`` reads it.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import torch

from openended.core.runs import Run
from openended.rl.config import CollectConfig
from openended.rl.datasets import DatasetWriter, Episode
from openended.rl.policies import choose, load_policy, snapshots
from openended.rl.ppo import pick_device
from openended.rl.procgen import ProcgenVecEnv, split_named

WRITE_EVERY = 20_000  # transitions held in memory before a batch of whole episodes is written (~250 MB)


def shares(total: int, parts: int) -> list[int]:
    """Cumulative transition targets when ``parts`` policies share ``total`` equally."""
    return [total * (k + 1) // parts for k in range(parts)]


def collect(run: Run) -> None:
    cfg: CollectConfig = run.config  # type: ignore[assignment]
    device = pick_device(cfg.device)
    chosen = choose(snapshots(cfg.experts, cfg.game), cfg.kind, cfg.mixed_fraction)
    split = split_named(cfg.split)
    metadata = {
        "dataset_id": f"procgen/{cfg.game}/{cfg.kind}-v0",
        "game": cfg.game,
        "kind": cfg.kind,
        "split": str(split),
        "observation_only": cfg.kind == "observation_only",
        "policies": [s.id for s in chosen],
        "policy_returns": [s.mean_return for s in chosen],
        "greedy": cfg.greedy,
        "seed": cfg.seed,
    }
    writer = DatasetWriter(
        run.artifact("dataset/metadata.json").parent, cfg.kind == "observation_only", metadata
    )
    run.restore()  # drops metric rows past the last written batch; the dataset itself is the progress
    resumes = int(run.meta.get("resumes", 0))  # new level draws and samples on each resume
    targets = shares(cfg.transitions, len(chosen))
    start_time, start_steps = time.perf_counter(), writer.steps
    with run.progress(cfg.transitions, initial=writer.steps, desc=f"collect {cfg.game} {cfg.kind}") as bar:
        for k, (snap, target) in enumerate(zip(chosen, targets, strict=True)):
            if writer.steps >= target:
                continue
            model, _ = load_policy(snap.path, device)
            envs = ProcgenVecEnv(
                cfg.game,
                cfg.num_envs,
                split,
                cfg.seed + 7919 * k + 104_729 * resumes,
                num_threads=cfg.threads,
            )
            sampler = torch.Generator(device).manual_seed(cfg.seed + k + 1000 * resumes)
            open_eps = [Episode(policy=k) for _ in range(cfg.num_envs)]
            done_eps: list[Episode] = []
            pending = 0
            obs = envs.observe()
            while writer.steps < target:
                action = model.play(torch.as_tensor(obs, device=device), cfg.greedy, sampler).cpu().numpy()
                for i, ep in enumerate(open_eps):
                    ep.observations.append(obs[i])
                    ep.actions.append(int(action[i]))
                obs, reward, _ = envs.step(action)
                for i, ep in enumerate(open_eps):
                    ep.rewards.append(float(reward[i]))
                for i, _ret, _len, level in envs.finished():
                    ep = open_eps[i]
                    ep.observations.append(ep.observations[-1])  # the unobservable frame after the end
                    ep.seed = level
                    done_eps.append(ep)
                    pending += len(ep)
                    open_eps[i] = Episode(policy=k)
                if pending >= WRITE_EVERY or writer.steps + pending >= target:
                    batch, room = [], target - writer.steps
                    for ep in done_eps:
                        if room <= 0:
                            break
                        batch.append(ep)
                        room -= len(ep)
                    done_eps, pending = [], 0
                    writer.write(batch)
                    _log(run, writer, batch, start_steps, start_time)
                    run.save_checkpoint(writer.steps, {})
                    bar.update(writer.steps - bar.n)
    run.artifact("summary.json").write_text(_summary(writer, chosen_ids=[s.id for s in chosen]))


def _log(run: Run, writer: DatasetWriter, batch: list[Episode], start_steps: int, start_time: float) -> None:
    returns = [float(np.sum(ep.rewards)) for ep in batch]
    run.log(
        writer.steps,
        episodes=writer.episodes,
        batch_mean_return=float(np.mean(returns)) if returns else float("nan"),
        transitions_per_s=(writer.steps - start_steps) / max(1e-9, time.perf_counter() - start_time),
    )


def _summary(writer: DatasetWriter, chosen_ids: list[str]) -> str:
    data_file = writer.path / "main_data.hdf5"
    size = data_file.stat().st_size if data_file.is_file() else 0
    out: dict[str, Any] = {
        "transitions": writer.steps,
        "episodes": writer.episodes,
        "policies": chosen_ids,
        "bytes_on_disk": size,
        "bytes_per_million_transitions": size / max(1, writer.steps) * 1e6,
    }
    return json.dumps(out, indent=1) + "\n"
