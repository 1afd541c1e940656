"""Stage 1: the latent dynamics — IDM and FDM trained together on observation-only frames (LAPO §3.1,
``lapo/stage1_idm.py``). Loss = the FDM's mean squared error on o_{t+1} from (o_{t-1}, o_t, z_t) + the VQ
commitment loss; the FDM sees the quantized latent, so z_t must pass the bottleneck. AdamW, the learning
rate rising from 0.1× to 1× over 50 steps then falling linearly to 0.01× at the end, gradient norm clipped
at 2. Every ``probe_every`` steps: the held-out reconstruction loss and the true-action probe.

Checkpoints hold both networks (the codebooks with them), the optimizer and the random streams, so a resumed
run continues as the uninterrupted one would. The run's ``artifacts/models.npz`` holds the trained networks;
``reconstructions.png`` shows held-out frames, the true next frame, the prediction and the prediction with
the latent zeroed (what the FDM can say without being told the action).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from openended.core.runs import Run
from openended.core.serialize import load_tree, save_tree
from openended.lapo.config import DynamicsConfig, ModelConfig
from openended.lapo.data import Triplets
from openended.lapo.fdm import CONTEXT, FDM, scaled
from openended.lapo.idm import IDM
from openended.lapo.latent_map import latent_map
from openended.lapo.probe import probe
from openended.rl.datasets import load, locate
from openended.rl.ppo import pick_device
from openended.rl.procgen import NUM_ACTIONS
from openended.rl.state import load_module_state, load_training_state, module_state, training_state

WARMUP = 50  # LAPO stage 1: 0.1× → 1× of the learning rate over the first 50 steps


def stage1_lr(cfg: DynamicsConfig, step: int) -> float:
    if step < WARMUP:
        return cfg.lr * (0.1 + 0.9 * step / WARMUP)
    return cfg.lr * (1.0 - 0.99 * (step - WARMUP) / max(1, cfg.steps + 1 - WARMUP))


def frame_shape(data: Triplets) -> tuple[int, int]:
    return int(data.frames.shape[1]), int(data.frames.shape[2])


def build(model: ModelConfig, frame: tuple[int, int], device: torch.device) -> tuple[IDM, FDM]:
    idm = IDM(model, frame).to(device)
    fdm = FDM(idm.vq.size, model.fdm_width, frame).to(device)
    return idm, fdm


def train_dynamics(run: Run) -> None:
    cfg: DynamicsConfig = run.config  # type: ignore[assignment]
    torch.manual_seed(cfg.seed)
    device = pick_device(cfg.device)
    data = Triplets(load(locate(cfg.dataset)), device, cfg.held_out, cfg.seed)
    labelled = data if data.actions is not None or not cfg.labelled else None
    if labelled is None:
        labelled = Triplets(load(locate(cfg.labelled)), device, cfg.held_out, cfg.seed)
    idm, fdm = build(cfg.model, frame_shape(data), device)
    params = [*idm.parameters(), *fdm.parameters()]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    rng = np.random.default_rng(cfg.seed)
    step = 0
    restored = run.restore()
    if restored is not None:
        step, state = restored
        load_training_state(state, {"idm": idm, "fdm": fdm}, opt, rng)
    with run.progress(cfg.steps, initial=step, desc="stage 1: IDM + FDM") as bar:
        window: list[dict[str, float]] = []
        while step < cfg.steps:
            for group in opt.param_groups:
                group["lr"] = stage1_lr(cfg, step)
            idm.train()
            fdm.train()
            frames = data.frames_at(data.sample(rng, cfg.batch_size))
            _, q = idm(frames)
            fdm_loss = fdm.loss(frames, q.value)
            loss = fdm_loss + q.loss
            opt.zero_grad()
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
            step += 1
            window.append(
                {
                    "fdm_loss": fdm_loss.item(),
                    "vq_loss": q.loss.item(),
                    "perplexity": q.perplexity.item(),
                    "grad_norm": float(norm),
                }
            )
            row: dict[str, Any] = {}
            if step % cfg.log_every == 0 or step == cfg.steps:
                row = {k: float(np.mean([w[k] for w in window])) for k in window[0]}
                row["lr"] = opt.param_groups[0]["lr"]
                row["codes_used"] = codes_used(idm)
                window = []
            if (cfg.probe_every and step % cfg.probe_every == 0) or step == cfg.steps:
                row |= evaluate(idm, fdm, data, labelled, cfg, rng_seed=cfg.seed + step)
            if row:
                run.log(step, **row)
                bar.set_postfix(fdm=f"{row.get('fdm_loss', float('nan')):.4f}")
            if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                run.save_checkpoint(step, training_state({"idm": idm, "fdm": fdm}, opt, rng))
            bar.update(1)
    save_tree(run.artifact("models.npz"), {"idm": module_state(idm), "fdm": module_state(fdm)})
    reconstructions(idm, fdm, data, run.artifact("reconstructions.png"))
    latent_map(idm, labelled, run.artifact("latent_map.png"), seed=cfg.seed)


def codes_used(idm: IDM) -> float:
    """Share of the codes whose running count is above 1 % of a uniform share: the codebook in use."""
    count = idm.vq.count
    return float((count > 0.01 * count.sum(-1, keepdim=True) / count.shape[-1]).float().mean())


@torch.no_grad()
def evaluate(
    idm: IDM, fdm: FDM, data: Triplets, labelled: Triplets, cfg: DynamicsConfig, rng_seed: int
) -> dict[str, float]:
    """The held-out reconstruction loss (also with the latent zeroed) on ``data`` and the true-action probe
    on ``labelled`` (skipped when it has no actions)."""
    idm.eval()
    fdm.eval()
    rng = np.random.default_rng(rng_seed)
    test = len(data.test_index) > 0
    frames = data.frames_at(data.sample(rng, min(512, max(cfg.batch_size, 1)), test=test))
    _, q = idm(frames)
    out = {
        "fdm_loss_test": fdm.loss(frames, q.value).item(),
        "fdm_loss_test_no_latent": fdm.loss(frames, torch.zeros_like(q.value)).item(),
    }
    if labelled.actions is not None:
        out |= probe(idm, labelled, cfg.probe, NUM_ACTIONS, rng_seed)
    idm.train()
    fdm.train()
    return out


@torch.no_grad()
def reconstructions(idm: IDM, fdm: FDM, data: Triplets, path: Path, count: int = 6) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    idm.eval()
    fdm.eval()
    pool = data.test_index if len(data.test_index) else data.train_index
    index = pool[np.linspace(0, len(pool) - 1, count).astype(int)]
    frames = data.frames_at(index)
    _, q = idm(frames)
    predicted = fdm(frames[:, :CONTEXT], q.value)
    blind = fdm(frames[:, :CONTEXT], torch.zeros_like(q.value))
    rows = [
        ("o_t", scaled(frames[:, 1])),
        ("true o_{t+1}", scaled(frames[:, 2])),
        ("predicted", predicted),
        ("latent zeroed", blind),
    ]
    fig = Figure(figsize=(1.6 * count, 1.7 * len(rows)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(rows), count, squeeze=False)
    for r, (name, images) in enumerate(rows):
        pics = (images + 0.5).clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy()
        for c in range(count):
            ax = axes[r][c]
            ax.imshow(pics[c])
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(name)
    fig.suptitle("held-out frames: the FDM's prediction from the IDM's latent action")
    fig.savefig(path, dpi=90)


def load_dynamics(run_dir: str | Path, device: torch.device) -> tuple[IDM, FDM, DynamicsConfig]:
    """A finished stage-1 run's IDM and FDM, in evaluation mode."""
    from openended.core.runs import load_config

    cfg = load_config(run_dir, DynamicsConfig)
    models = Path(run_dir) / "artifacts" / "models.npz"
    if not models.is_file():
        raise FileNotFoundError(
            f"{run_dir} has no trained models ({models} is missing): is stage 1 finished?"
        )
    tree = load_tree(models)
    frame = _frame_of(tree["fdm"])
    idm, fdm = build(cfg.model, frame, device)
    load_module_state(idm, tree["idm"])
    load_module_state(fdm, tree["fdm"])
    return idm.eval(), fdm.eval(), cfg


def _frame_of(fdm_state: dict[str, Any]) -> tuple[int, int]:
    # the UNet's depth fixes its frame: log2(side) − 1 halvings
    halvings = sum(1 for k in fdm_state if k.startswith("down.") and k.endswith(".0.weight"))
    side = 2 ** (halvings + 1)
    return side, side
