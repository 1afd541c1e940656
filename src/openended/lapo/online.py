"""Stage 3b: online decoding with RL (LAPO §3.3, ``lapo/stage3_decoding.py``).

The agent keeps the stage-2 policy's convolutional trunk frozen. Two paths leave it:

- supervised: the trunk's last layer (a frozen copy) → the latent head → the decoder → action logits;
- RL: a trainable copy of that last layer → a new action head whose weights start at zero → logits, and
  a value head on the same features.

The two paths' logits are averaged, so the agent starts as the decoded latent policy (at temperature 2)
and PPO only adds to it. Each trained part has its own learning rate, zero until a number of frames has
passed, then rising linearly to its peak and falling linearly to 0 at the end (the anchor's schedules:
value head from 25k frames, RL head from 35k, the copied layer from 50k to its peak at 200k).

The decoder is refit, from scratch, on the IDM's latents of the agent's own transitions paired with the
actions it took — after every update between 10k and 50k frames, then every ``refit_every`` updates up to
400k. A transition whose frame triple spans an episode's end is left out (the anchor does not mask these).
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
import torch
from torch import nn

from openended.core.runs import Run
from openended.lapo.config import OnlineDecodeConfig
from openended.lapo.decoder import fit_decoder
from openended.lapo.dynamics import load_dynamics
from openended.lapo.idm import IDM
from openended.lapo.latent_policy import LatentPolicy, load_latent_policy
from openended.lapo.probe import mlp
from openended.rl.evaluation import normalize, run_episodes
from openended.rl.networks import Policy
from openended.rl.ppo import PPO, pick_device
from openended.rl.procgen import NUM_ACTIONS, ProcgenVecEnv, split_named

DENSE_REFITS_UNTIL = 50_000  # frames: before this the decoder is refit after every update (the anchor)


class LAPOAgent(Policy):
    def __init__(self, policy: LatentPolicy, decoder: nn.Module) -> None:
        super().__init__()
        enc = policy.encoder
        self.stages = enc.stages.requires_grad_(False)
        self.fc_sl = copy.deepcopy(enc.fc).requires_grad_(False)
        self.head_sl = copy.deepcopy(policy.head).requires_grad_(False)
        self.decoder = decoder.requires_grad_(False)  # refit by :meth:`refit`, not by PPO
        self.fc_rl = copy.deepcopy(enc.fc)
        features = enc.fc.out_features
        self.head_rl = nn.Linear(features, NUM_ACTIONS)
        nn.init.zeros_(self.head_rl.weight)
        nn.init.zeros_(self.head_rl.bias)
        self.value = nn.Linear(features, 1)
        nn.init.orthogonal_(self.value.weight, 1.0)
        nn.init.zeros_(self.value.bias)

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.relu(self.stages(frames.permute(0, 3, 1, 2).float() / 255.0)).flatten(1)
        logits_sl = self.decoder(self.head_sl(torch.relu(self.fc_sl(x))))
        h = torch.relu(self.fc_rl(x))
        return (self.head_rl(h) + logits_sl) / 2, self.value(h).squeeze(-1)

    def groups(self) -> list[dict[str, Any]]:
        """The optimizer's groups, in the order of :func:`learning_rates`."""
        return [
            {"params": list(self.head_rl.parameters())},
            {"params": list(self.value.parameters())},
            {"params": list(self.fc_rl.parameters())},
        ]

    @torch.no_grad()
    def refit(self, decoder: nn.Module) -> None:
        # in place: a captured CUDA graph reads these very tensors
        for mine, new in zip(self.decoder.parameters(), decoder.parameters(), strict=True):
            mine.copy_(new)


def ramp(frames: int, start: tuple[int, int], peak: float, total: int) -> float:
    """0 before ``start[0]``, linear up to ``peak`` at ``start[1]``, linear down to 0 at ``total``."""
    lo, hi = start
    if frames < lo:
        return 0.0
    if frames < hi:
        return peak * (frames - lo) / max(1, hi - lo)
    return peak * max(0.0, 1.0 - (frames - hi) / max(1, total - hi))


def learning_rates(cfg: OnlineDecodeConfig, frames: int) -> list[float]:
    return [
        ramp(frames, cfg.head_start, cfg.head_lr, cfg.frames),
        ramp(frames, cfg.value_start, cfg.value_lr, cfg.frames),
        ramp(frames, cfg.trunk_start, cfg.trunk_lr, cfg.frames),
    ]


def refit_due(cfg: OnlineDecodeConfig, frames: int, updates: int) -> bool:
    lo, hi = cfg.refit
    if not lo < frames < hi:
        return False
    return frames < DENSE_REFITS_UNTIL or updates % cfg.refit_every == 0


def triplets(dones: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(steps, envs)`` of a rollout's transitions t whose frames o_{t-1}, o_t, o_{t+1} lie in one episode:
    1 ≤ t < T with no episode end at t − 1 or t (``dones[t]``: the episode ended at step t, so frame
    t + 1 begins the next one)."""
    t = torch.arange(1, dones.shape[0], device=dones.device)
    ti, ni = torch.nonzero((dones[t - 1] == 0) & (dones[t] == 0), as_tuple=True)
    return t[ti], ni


@torch.no_grad()
def rollout_pairs(ppo: PPO, idm: IDM) -> tuple[torch.Tensor, torch.Tensor]:
    """The IDM's latent of each within-episode (o_{t-1}, o_t, o_{t+1}) of the last rollout, with the action
    taken at o_t."""
    obs = torch.cat([ppo.obs, ppo.next_obs[None]])  # (T + 1, N, H, W, C)
    steps, envs = triplets(ppo.dones)
    frames = torch.stack([obs[steps - 1, envs], obs[steps, envs], obs[steps + 1, envs]], 1)
    chunks = [idm(frames[i : i + 1024])[0] for i in range(0, len(frames), 1024)]
    latents = torch.cat(chunks) if chunks else torch.zeros(0, idm.vq.size, device=obs.device)
    return latents, ppo.actions[steps, envs]


def decode_online(run: Run) -> None:
    cfg: OnlineDecodeConfig = run.config  # type: ignore[assignment]
    torch.manual_seed(cfg.seed)
    device = pick_device(cfg.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    policy, stage2 = load_latent_policy(cfg.policy, device)
    idm, _, dyn = load_dynamics(stage2.dynamics, device)
    game = cfg.game or _dataset_game(dyn.dataset)
    envs = ProcgenVecEnv(game, cfg.ppo.num_envs, split_named(cfg.split), cfg.seed, num_threads=cfg.threads)
    decoder = mlp(idm.vq.size, cfg.decoder.hidden, NUM_ACTIONS)
    agent = LAPOAgent(policy, decoder)
    per_update = cfg.ppo.num_envs * cfg.ppo.num_steps
    total_updates = math.ceil(cfg.frames / per_update)
    ppo = PPO(cfg.ppo, agent, envs, device, total_updates, agent.groups(), lambda f: learning_rates(cfg, f))
    latents_seen: list[torch.Tensor] = []
    actions_seen: list[torch.Tensor] = []
    refits = 0
    restored = run.restore()
    if restored is not None:
        _, state = restored
        ppo.load(state["ppo"])
        pairs = state.get("pairs")
        if pairs is not None and len(np.asarray(pairs["actions"])):
            latents_seen = [torch.as_tensor(np.asarray(pairs["latents"]), device=device).float()]
            actions_seen = [torch.as_tensor(np.asarray(pairs["actions"]), device=device)]
        refits = int(state["refits"])
    recent: list[float] = json.loads(str(restored[1]["recent"])) if restored is not None else []
    with run.progress(total_updates, initial=ppo.updates, desc=f"stage 3: PPO on {game}") as bar:
        while ppo.updates < total_updates:
            stats, finished = ppo.update()
            recent = (recent + [float(r) for _, r, _, _ in finished])[-100:]
            frames = ppo.env_steps
            row: dict[str, Any] = {**stats, "frames": frames}
            if frames < cfg.refit[1]:  # the pairs are only needed while refits remain
                z, a = rollout_pairs(ppo, idm)
                latents_seen.append(z)
                actions_seen.append(a)
            if refit_due(cfg, frames, ppo.updates):
                z, a = torch.cat(latents_seen), torch.cat(actions_seen)
                if len(a):
                    agent.refit(fit_decoder(cfg.decoder, z, a, NUM_ACTIONS, cfg.seed + refits))
                    refits += 1
                    row["decoder_pairs"] = len(a)
            if frames >= cfg.refit[1]:
                latents_seen, actions_seen = [], []
            if recent:
                row["train_return"] = float(np.mean(recent))
                row["train_normalized"] = float(normalize(game, np.asarray(recent)).mean())
            row["refits"] = refits
            last = ppo.updates == total_updates
            if (cfg.eval_every and ppo.updates % cfg.eval_every == 0) or last:
                eps = run_episodes(agent, game, split_named(cfg.split), cfg.eval_episodes, seed=cfg.seed + 1,
                                   device=device, threads=cfg.threads)  # fmt: skip
                agent.train()
                row |= {
                    "eval_return": eps.mean,
                    "eval_normalized": float(normalize(game, eps.returns).mean()),
                }
            run.log(frames, **row)
            if ppo.updates % cfg.checkpoint_every == 0 or last:
                # the pairs in float16 (half the size; refits are cross-entropy fits, not exact)
                pairs = {
                    "latents": torch.cat(latents_seen).half().cpu().numpy()
                    if latents_seen
                    else np.zeros((0, idm.vq.size), np.float16),
                    "actions": torch.cat(actions_seen).cpu().numpy()
                    if actions_seen
                    else np.zeros(0, np.int64),
                }
                run.save_checkpoint(
                    frames,
                    {"ppo": ppo.state(), "pairs": pairs, "refits": refits, "recent": json.dumps(recent)},
                )
            bar.update(1)


def _dataset_game(dataset: str) -> str:
    from openended.rl.datasets import locate

    meta = json.loads((locate(dataset) / "metadata.json").read_text())
    game = meta.get("game")
    if not game:
        raise ValueError(f"{dataset} does not say which game it holds: set game")
    return str(game)
