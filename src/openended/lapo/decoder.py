"""Stage 3a: decoding latent actions into real ones (LAPO §3.3). The decoder is an MLP from the IDM's
continuous latent to the true action, fit on a small action-labelled set: for each labelled transition,
the IDM's latent of (o_{t-1}, o_t, o_{t+1}) paired with the action taken at o_t (cross-entropy with label
smoothing, Adam; ``lapo/stage3_decoding.py`` refits it so during online decoding). At play time the latent
policy predicts the latent from o_t and the decoder turns it into action logits.
"""

from __future__ import annotations

import json

import numpy as np
import torch
from torch import nn

from openended.core.runs import Run
from openended.lapo.config import DecoderConfig, OfflineDecodeConfig
from openended.lapo.data import Triplets
from openended.lapo.dynamics import load_dynamics
from openended.lapo.latent_policy import load_latent_policy
from openended.lapo.probe import latents, mlp
from openended.rl.datasets import load, locate
from openended.rl.evaluation import NORMALIZATION, normalize, run_episodes
from openended.rl.networks import Policy
from openended.rl.ppo import pick_device
from openended.rl.procgen import NUM_ACTIONS, split_named


def fit_decoder(
    cfg: DecoderConfig, latents: torch.Tensor, actions: torch.Tensor, num_actions: int, seed: int
) -> nn.Sequential:
    """A fresh decoder fit on ``(latents (N, size), actions (N,))``: ``cfg.epochs`` shuffled passes."""
    torch.manual_seed(seed)
    decoder = mlp(latents.shape[1], cfg.hidden, num_actions).to(latents.device)
    opt = torch.optim.Adam(decoder.parameters(), lr=cfg.lr)
    rng = np.random.default_rng(seed)
    with torch.enable_grad():
        for _ in range(cfg.epochs):
            order = torch.as_tensor(rng.permutation(len(latents)), device=latents.device)
            for i in range(0, len(order), cfg.batch_size):
                b = order[i : i + cfg.batch_size]
                loss = nn.functional.cross_entropy(
                    decoder(latents[b]), actions[b], label_smoothing=cfg.label_smoothing
                )
                opt.zero_grad()
                loss.backward()
                opt.step()
    return decoder.eval()


class DecodedPolicy(Policy):
    """The latent policy played through a decoder: o_t → latent → action logits (``rl.networks.Policy``,
    so ``openended.rl.evaluation`` can play it)."""

    def __init__(self, policy: nn.Module, decoder: nn.Module) -> None:
        super().__init__()
        self.policy, self.decoder = policy, decoder

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.decoder(self.policy(frames))
        return logits, torch.zeros(len(logits), device=logits.device)


def held_out_count(usable: int) -> int:
    """Labelled transitions kept aside to score each decoder's accuracy: 10 %, at most 10k."""
    return min(10_000, max(1, usable // 10))


def decode_offline(run: Run) -> None:
    """``openended lapo decode``: one decoder per labelled-set size, each scored by playing the latent
    policy through it (``artifacts/decoding.json``; one metrics row per size)."""
    cfg: OfflineDecodeConfig = run.config  # type: ignore[assignment]
    device = pick_device(cfg.device)
    policy, stage2 = load_latent_policy(cfg.policy, device)
    idm, _, _ = load_dynamics(stage2.dynamics, device)
    loaded = load(locate(cfg.labelled))
    game = cfg.game or str(loaded.metadata.get("game", ""))
    if game not in NORMALIZATION:
        raise ValueError(f"cannot tell which game to play: set game (the dataset says {game!r})")
    data = Triplets(loaded, device, held_out=0.0, seed=cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    order = rng.permutation(data.train_index)
    results = (
        json.loads(run.artifact("decoding.json").read_text())
        if run.artifact("decoding.json").is_file()
        else []
    )
    done = {r["labelled"] for r in results}
    held = held_out_count(len(order))
    check = order[-held:]
    pool = order[: len(order) - held] if len(order) > held else order
    x_check, y_check = latents(idm, data, check), data.actions_at(check)
    with run.progress(len(cfg.sizes), initial=len(done), desc="decoders") as bar:
        for size in cfg.sizes:
            if size in done:
                continue
            if size > len(pool):
                raise ValueError(
                    f"{size} labelled transitions asked for, the labelled dataset has {len(pool)}"
                )
            chosen = pool[:size]
            decoder = fit_decoder(
                cfg.decoder, latents(idm, data, chosen), data.actions_at(chosen), NUM_ACTIONS, cfg.seed
            )
            with torch.no_grad():
                accuracy = (decoder(x_check).argmax(-1) == y_check).float().mean().item()
            eps = run_episodes(
                DecodedPolicy(policy, decoder),
                game,
                split_named(cfg.split),
                cfg.episodes,
                seed=cfg.seed,
                device=device,
            )
            row = {
                "labelled": size,
                "decoder_accuracy": accuracy,
                "return": eps.mean,
                "normalized": float(normalize(game, eps.returns).mean()),
                "episodes": len(eps.returns),
            }
            results.append(row)
            run.artifact("decoding.json").write_text(json.dumps(results, indent=1) + "\n")
            run.log(size, **{k: v for k, v in row.items() if k != "labelled"})
            bar.update(1)
