"""Discrete BCQ (Fujimoto, Conti, Ghavamzadeh & Pineau 2019, "Benchmarking Batch Deep RL"; gen_dgrl
``offline/agents/bcq.py``): double DQN whose maximization only considers actions the cloned behaviour policy
finds likely — π(a|s) / max_a' π(a'|s) ≥ threshold — so the Q-function is never asked about actions the
data does not support. One network gives Q(s, ·) and the cloned policy's logits; the imitation head is
trained by cross-entropy beside the TD loss (with BCQ's small penalty on its logits)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from openended.offline_rl.agent import Agent, Head, adamw, copy_target, update_target
from openended.offline_rl.config import BCQConfig

LOGIT_PENALTY = 1e-2  # BCQ's reference code: 1e-2 · mean(logits²) keeps the imitation logits bounded


def allowed(imitation_logits: torch.Tensor, threshold: float) -> torch.Tensor:
    """Which actions pass BCQ's filter: π(a|s) / max π(·|s) ≥ ``threshold`` (the likeliest always does)."""
    probs = torch.softmax(imitation_logits.float(), -1)
    return probs / probs.max(-1, keepdim=True).values >= threshold


def filtered_argmax(q: torch.Tensor, imitation_logits: torch.Tensor, threshold: float) -> torch.Tensor:
    """argmax of Q over the allowed actions: BCQ's greedy action, in the target and when acting."""
    return q.float().masked_fill(~allowed(imitation_logits, threshold), float("-inf")).argmax(-1)


def bcq_target(
    q_next_online: torch.Tensor,
    q_next_target: torch.Tensor,
    imitation_logits_next: torch.Tensor,
    reward: torch.Tensor,
    done: torch.Tensor,
    gamma: float,
    threshold: float,
) -> torch.Tensor:
    """r + γ (1 − done) Q_target(s', a*) with a* the online network's filtered argmax at s' (double DQN)."""
    best = filtered_argmax(q_next_online, imitation_logits_next, threshold)
    next_q = q_next_target.float().gather(-1, best[:, None]).squeeze(-1)
    return reward + gamma * (1.0 - done.float()) * next_q


def bcq_loss(
    q: torch.Tensor, imitation_logits: torch.Tensor, actions: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Huber TD loss on Q(s, a_data) + cross-entropy of the imitation head + its logit penalty."""
    q_sa = q.float().gather(-1, actions[:, None]).squeeze(-1)
    td = F.smooth_l1_loss(q_sa, target.detach())
    imitation = F.cross_entropy(imitation_logits.float(), actions)
    penalty = LOGIT_PENALTY * imitation_logits.float().pow(2).mean()
    return td + imitation + penalty, {"td": td.detach(), "imitation": imitation.detach()}


class BCQNetwork(Head):
    """gen_dgrl's ``bcqresnetbase``: one encoder, a Q head and an imitation head."""

    def __init__(self, num_actions: int) -> None:
        super().__init__(num_actions)
        self.imitation = nn.Linear(self.encoder.out_features, num_actions)

    def both(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.encoder(frames)
        return self.out(z), self.imitation(z)


class BCQPlayer(Head):
    """Acts by BCQ's filtered argmax."""

    def __init__(self, net: BCQNetwork, threshold: float) -> None:
        nn.Module.__init__(self)
        self.net, self.threshold = net, threshold

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.net(frames)

    @torch.no_grad()
    def play(self, obs: torch.Tensor, greedy: bool, generator: torch.Generator) -> torch.Tensor:
        q, imitation = self.net.both(obs)
        return filtered_argmax(q, imitation, self.threshold)


class BCQ(Agent):
    def __init__(self, cfg: BCQConfig, num_actions: int, device: torch.device) -> None:
        super().__init__(device)
        self.cfg = cfg
        self.net, self.target = BCQNetwork(num_actions).to(device), BCQNetwork(num_actions).to(device)
        copy_target(self.target, self.net)
        self.modules = {"net": self.net, "target": self.target}
        self.optimizers = {"net": adamw([self.net], cfg)}

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        cfg = self.cfg
        with torch.no_grad():
            q_next, imitation_next = self.net.both(batch["next_obs"])
            target = bcq_target(
                q_next,
                self.target.values(batch["next_obs"]),
                imitation_next,
                batch["reward"],
                batch["done"],
                cfg.gamma,
                cfg.threshold,
            )
        q, imitation = self.net.both(batch["obs"])
        loss, parts = bcq_loss(q, imitation, batch["action"], target)
        self.descend("net", loss)
        self.steps += 1
        update_target(self.target, self.net, cfg, self.steps)
        return {"loss": loss.item(), **{k: v.item() for k, v in parts.items()}}

    def player(self) -> BCQPlayer:
        return BCQPlayer(self.net, self.cfg.threshold)
