"""CQL on double DQN (Kumar, Zhou, Tucker & Levine 2020; gen_dgrl ``offline/agents/ddqn_cql.py``): the
double-DQN TD loss plus α · (logsumexp_a Q(s, a) − Q(s, a_data)), which pushes down the values of actions the
data does not take and up the ones it does, so the learned Q is a lower bound off the data."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from openended.offline_rl.agent import Agent, Greedy, Head, adamw, copy_target, update_target
from openended.offline_rl.config import CQLConfig


def double_dqn_target(
    q_next_online: torch.Tensor,
    q_next_target: torch.Tensor,
    reward: torch.Tensor,
    done: torch.Tensor,
    gamma: float,
) -> torch.Tensor:
    """r + γ (1 − done) Q_target(s', argmax_a Q_online(s', a))."""
    best = q_next_online.float().argmax(-1)
    next_q = q_next_target.float().gather(-1, best[:, None]).squeeze(-1)
    return reward + gamma * (1.0 - done.float()) * next_q


def cql_loss(
    q: torch.Tensor, actions: torch.Tensor, target: torch.Tensor, alpha: float
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Huber TD loss on Q(s, a_data) + α · mean(logsumexp_a Q(s, a) − Q(s, a_data))."""
    q = q.float()
    q_sa = q.gather(-1, actions[:, None]).squeeze(-1)
    td = F.smooth_l1_loss(q_sa, target.detach())
    conservative = (torch.logsumexp(q, -1) - q_sa).mean()
    return td + alpha * conservative, {"td": td.detach(), "conservative": conservative.detach()}


class CQL(Agent):
    """A Q network (``pporesnetbase``) and its target; plays greedily on Q."""

    def __init__(self, cfg: CQLConfig, num_actions: int, device: torch.device) -> None:
        super().__init__(device)
        self.cfg = cfg
        self.q, self.target = Head(num_actions).to(device), Head(num_actions).to(device)
        copy_target(self.target, self.q)
        self.modules = {"q": self.q, "target": self.target}
        self.optimizers = {"q": adamw([self.q], cfg)}

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        cfg = self.cfg
        with torch.no_grad():
            target = double_dqn_target(
                self.q.values(batch["next_obs"]),
                self.target.values(batch["next_obs"]),
                batch["reward"],
                batch["done"],
                cfg.gamma,
            )
        loss, parts = cql_loss(self.q.values(batch["obs"]), batch["action"], target, cfg.alpha)
        self.descend("q", loss)
        self.steps += 1
        update_target(self.target, self.q, cfg, self.steps)
        return {"loss": loss.item(), **{k: v.item() for k, v in parts.items()}}

    def player(self) -> Greedy:
        return Greedy(self.q)
