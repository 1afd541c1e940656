"""Training and scoring one cell of a grid — one algorithm on one dataset with one seed — and running
grids of them with resume.

A cell's directory holds ``checkpoint.npz`` while it trains (the learner, its optimizers and the random
streams, written after every epoch) and ``result.json`` once scored; a grid restarted after a crash skips
finished cells and continues a cell from its last epoch. Epochs are gen_dgrl's unit (one pass over the
dataset); there is no early stopping on validation levels (gen_dgrl's ``early_stop``): the last epoch is
scored.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from openended.core.serialize import load_tree, save_tree, write_text_atomic
from openended.offline_rl.agent import Agent
from openended.offline_rl.config import CellsConfig
from openended.offline_rl.data import OfflineData
from openended.rl.datasets import Loaded, locate
from openended.rl.evaluation import normalize, run_episodes
from openended.rl.procgen import NUM_ACTIONS, split_named


def dataset_path(root: str | Path, name: str) -> Path:
    """``root/name`` as a Minari dataset: the folder itself or a collect run's ``artifacts/dataset``."""
    try:
        return locate(Path(root) / name)
    except FileNotFoundError:
        where = f"{root} (looked for it and its artifacts/dataset)"
        raise FileNotFoundError(f"no dataset {name!r} in {where}") from None


def make_agent(algorithm: str, cfg: CellsConfig, data: OfflineData, device: torch.device) -> Agent:
    from openended.offline_rl.bc import BC
    from openended.offline_rl.bcq import BCQ
    from openended.offline_rl.cql import CQL
    from openended.offline_rl.dt import DT
    from openended.offline_rl.iql import IQL

    if algorithm in ("dt", "bct"):
        dt_cfg = cfg.dt if algorithm == "dt" else cfg.bct
        return DT(dt_cfg, NUM_ACTIONS, device, data.max_timestep, data.best_return, data.size)
    cls = {"bc": BC, "bcq": BCQ, "cql": CQL, "iql": IQL}[algorithm]
    return cls(getattr(cfg, algorithm), NUM_ACTIONS, device)  # type: ignore[no-any-return]


def _write_json(path: Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=1) + "\n")


def train_cell(
    cell: Path,
    data: Loaded | None,
    game: str,
    algorithm: str,
    seed: int,
    cfg: CellsConfig,
    splits: tuple[str, ...],
    device: torch.device,
    log: Any = None,
) -> dict[str, Any]:
    """Train (or resume) one cell and score it on ``splits``; its result (also ``cell/result.json``).
    ``data`` may be None for a finished cell (its result is read back)."""
    done = cell / "result.json"
    if done.is_file():
        return json.loads(done.read_text())  # type: ignore[no-any-return]
    if data is None:
        raise ValueError(f"{cell} is not finished and no dataset was given")
    cell.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    batches = OfflineData(data, device)
    agent = make_agent(algorithm, cfg, batches, device)
    algo_cfg = getattr(cfg, algorithm)
    sampler = torch.Generator().manual_seed(seed)
    start, seconds = 0, 0.0
    ckpt = cell / "checkpoint.npz"
    if ckpt.is_file():
        state = load_tree(ckpt)
        agent.load(state["agent"])
        sampler.set_state(torch.from_numpy(np.asarray(state["sampler"])))
        torch.set_rng_state(torch.from_numpy(np.asarray(state["torch_rng"])))
        start, seconds = int(state["epoch"]), float(state["seconds"])
    sequence = algorithm in ("dt", "bct")
    for epoch in range(start, algo_cfg.epochs):
        began = time.perf_counter()
        agent.train(True)
        stats: list[dict[str, float]] = []
        for idx in batches.batches(algo_cfg.batch_size, sampler):
            batch = batches.segments(idx, algo_cfg.context) if sequence else batches.transitions(idx)
            stats.append(agent.update(batch))
        seconds += time.perf_counter() - began
        mean = {k: float(np.mean([s[k] for s in stats])) for k in stats[0]}
        tree = {
            "agent": agent.state(),
            "sampler": sampler.get_state().numpy(),
            "torch_rng": torch.get_rng_state().numpy(),
            "epoch": epoch + 1,
            "seconds": seconds,
        }
        save_tree(ckpt, tree)  # atomic: a crash keeps the last epoch's checkpoint whole
        if log is not None:  # after the checkpoint: a logged epoch is a saved one
            log(epoch + 1, mean)
    agent.train(False)
    player = agent.player()
    result: dict[str, Any] = {
        "game": game,
        "algorithm": algorithm,
        "seed": seed,
        "transitions": batches.size,
        "episodes": batches.episodes,
        "levels": len(np.unique(data.level_seeds)),
        "epochs": algo_cfg.epochs,
        "gradient_steps": agent.steps,
        "train_seconds": seconds,
    }
    for split in splits:
        eps = run_episodes(
            player,
            game,
            split_named(split),
            cfg.episodes,
            num_envs=cfg.eval_envs,
            seed=seed,
            device=device,
            greedy=cfg.greedy,
            threads=cfg.threads,
        )
        result[f"{split}_return"] = eps.mean
        result[f"{split}_normalized"] = float(normalize(game, eps.returns).mean())
    _write_json(done, result)
    ckpt.unlink(missing_ok=True)  # the result is what is kept; the weights were only for resuming
    return result
