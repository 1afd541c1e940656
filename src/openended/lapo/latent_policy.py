"""Stage 2: latent behaviour cloning (LAPO §3.2, ``lapo/stage2_bc.py``). A policy sees o_t alone and
regresses, by mean squared error, onto the frozen IDM's continuous latent action for (o_{t-1}, o_t,
o_{t+1}) — the latent before quantization, as the anchor does. AdamW, a linear warm-up from 1 % of the
learning rate over ``warmup`` steps, then a linear decay to 0.

The policy is an IMPALA-CNN with a latent head and a value head; stage 3 builds its decoded and RL paths
on it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from openended.core.runs import Run, load_config
from openended.core.serialize import load_tree, save_tree
from openended.lapo.config import DynamicsConfig, LatentPolicyConfig, ModelConfig
from openended.lapo.data import Triplets
from openended.lapo.dynamics import frame_shape, load_dynamics
from openended.rl.datasets import load, locate
from openended.rl.networks import ImpalaCNN
from openended.rl.ppo import pick_device
from openended.rl.state import load_module_state, load_training_state, module_state, training_state


class LatentPolicy(nn.Module):
    """o_t (uint8 ``(B, H, W, C)``) → the predicted latent action ``(B, latent)``; ``value`` for stage 3."""

    def __init__(self, model: ModelConfig, latent: int, frame: tuple[int, int] = (64, 64)) -> None:
        super().__init__()
        self.encoder = ImpalaCNN(model.policy_scale, model.features, frame=frame)
        self.head = nn.Linear(model.features, latent)
        self.value = nn.Linear(model.features, 1)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(frames))  # type: ignore[no-any-return]


def stage2_lr(cfg: LatentPolicyConfig, step: int) -> float:
    if step < cfg.warmup:
        return cfg.lr * (0.01 + 0.99 * step / cfg.warmup)
    return cfg.lr * max(0.0, 1.0 - (step - cfg.warmup) / max(1, cfg.steps + 1 - cfg.warmup))


def train_latent_policy(run: Run) -> None:
    cfg: LatentPolicyConfig = run.config  # type: ignore[assignment]
    torch.manual_seed(cfg.seed)
    device = pick_device(cfg.device)
    idm, _, dyn = load_dynamics(cfg.dynamics, device)
    idm.requires_grad_(False)
    data = Triplets(load(locate(cfg.dataset or dyn.dataset)), device, dyn.held_out, dyn.seed)
    policy = LatentPolicy(dyn.model, idm.vq.size, frame_shape(data)).to(device)
    opt = torch.optim.AdamW(policy.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    rng = np.random.default_rng(cfg.seed)
    step = 0
    restored = run.restore()
    if restored is not None:
        step, state = restored
        load_training_state(state, {"policy": policy}, opt, rng)
    losses: list[float] = []
    with run.progress(cfg.steps, initial=step, desc="stage 2: latent behaviour cloning") as bar:
        while step < cfg.steps:
            for group in opt.param_groups:
                group["lr"] = stage2_lr(cfg, step)
            frames = data.frames_at(data.sample(rng, cfg.batch_size))
            with torch.no_grad():
                target = idm(frames)[0]
            loss = nn.functional.mse_loss(policy(frames[:, 1]), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            losses.append(loss.item())
            row: dict[str, float] = {}
            if step % cfg.log_every == 0 or step == cfg.steps:
                row = {"bc_loss": float(np.mean(losses)), "lr": opt.param_groups[0]["lr"]}
                losses = []
            if step % cfg.test_every == 0 or step == cfg.steps:
                row["bc_loss_test"] = held_out_loss(policy, idm, data, rng_seed=cfg.seed + step)
            if row:
                run.log(step, **row)
            if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                run.save_checkpoint(step, training_state({"policy": policy}, opt, rng))
            bar.update(1)
    save_tree(run.artifact("policy.npz"), {"policy": module_state(policy)})


@torch.no_grad()
def held_out_loss(
    policy: LatentPolicy, idm: nn.Module, data: Triplets, rng_seed: int, batch: int = 512
) -> float:
    policy.eval()
    rng = np.random.default_rng(rng_seed)
    test = len(data.test_index) > 0
    frames = data.frames_at(data.sample(rng, batch, test=test))
    loss = nn.functional.mse_loss(policy(frames[:, 1]), idm(frames)[0]).item()
    policy.train()
    return loss


def load_latent_policy(run_dir: str | Path, device: torch.device) -> tuple[LatentPolicy, LatentPolicyConfig]:
    """A finished stage-2 run's policy (evaluation mode) and its config."""
    cfg = load_config(run_dir, LatentPolicyConfig)
    path = Path(run_dir) / "artifacts" / "policy.npz"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} has no trained policy ({path} is missing): is stage 2 finished?")
    dyn = load_config(cfg.dynamics, DynamicsConfig)
    state = load_tree(path)["policy"]
    latent = int(np.asarray(state["head.weight"]).shape[0])
    side = _side(state)
    policy = LatentPolicy(dyn.model, latent, (side, side)).to(device)
    load_module_state(policy, state)
    return policy.eval(), cfg


def _side(state: dict[str, np.ndarray]) -> int:
    # the encoder's fully connected layer holds channels × (side / 8)²
    fc = np.asarray(state["encoder.fc.weight"])
    channels = np.asarray(state["encoder.stages.2.conv.weight"]).shape[0]
    cells = fc.shape[1] // channels
    return math.isqrt(cells) * 8
