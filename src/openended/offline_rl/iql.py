"""IQL with discrete actions (Kostrikov, Nair & Levine 2022; gen_dgrl ``offline/agents/iql.py``). Three fits,
none of which queries an action outside the data:

- V(s) to an upper expectile τ of Q_target(s, a_data) (the min of two target critics): L = |τ − 1(u < 0)| u²,
  u = Q − V;
- each Q(s, a_data) to r + γ (1 − done) V(s');
- the policy by advantage-weighted cloning: −exp(β (Q − V)) · log π(a_data | s), weights clipped."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from openended.offline_rl.agent import Agent, Head, adamw, copy_target, update_target
from openended.offline_rl.config import IQLConfig


def expectile_loss(diff: torch.Tensor, expectile: float) -> torch.Tensor:
    """mean(|τ − 1(diff < 0)| · diff²): τ on positive ``diff`` (Q above V), 1 − τ on negative."""
    weight = torch.where(diff > 0, expectile, 1.0 - expectile)
    return (weight * diff.pow(2)).mean()


def value_loss(q_target_sa: torch.Tensor, v: torch.Tensor, expectile: float) -> torch.Tensor:
    return expectile_loss(q_target_sa.detach() - v, expectile)


def q_loss(
    q_sa: list[torch.Tensor], v_next: torch.Tensor, reward: torch.Tensor, done: torch.Tensor, gamma: float
) -> torch.Tensor:
    """Sum over the critics of mean (Q(s, a) − (r + γ (1 − done) V(s')))²."""
    target = (reward + gamma * (1.0 - done.float()) * v_next).detach()
    return sum((F.mse_loss(q, target) for q in q_sa), torch.zeros(()))


def policy_loss(
    logits: torch.Tensor,
    actions: torch.Tensor,
    q_target_sa: torch.Tensor,
    v: torch.Tensor,
    temperature: float,
    max_weight: float,
) -> torch.Tensor:
    """Advantage-weighted cloning: mean of −min(exp(β (Q − V)), max_weight) · log π(a_data | s)."""
    weight = torch.exp(temperature * (q_target_sa - v).detach()).clamp(max=max_weight)
    logp = torch.log_softmax(logits.float(), -1).gather(-1, actions[:, None]).squeeze(-1)
    return -(weight * logp).mean()


class IQL(Agent):
    """gen_dgrl's arrangement: separate networks (each its own encoder) for the policy, V, two Qs and their
    targets, each with its own optimizer; V, then the Qs, then the policy are stepped on every batch."""

    def __init__(self, cfg: IQLConfig, num_actions: int, device: torch.device) -> None:
        super().__init__(device)
        self.cfg = cfg
        self.policy, self.v = Head(num_actions).to(device), Head(1).to(device)
        self.q = [Head(num_actions).to(device) for _ in range(2)]
        self.targets = [Head(num_actions).to(device) for _ in range(2)]
        for t, q in zip(self.targets, self.q, strict=True):
            copy_target(t, q)
        self.modules = {"policy": self.policy, "v": self.v, "q1": self.q[0], "q2": self.q[1]}
        self.modules |= {"target1": self.targets[0], "target2": self.targets[1]}
        self.optimizers = {k: adamw([self.modules[k]], cfg) for k in ("policy", "v", "q1", "q2")}

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        cfg, a = self.cfg, batch["action"][:, None]
        with torch.no_grad():
            q_min = torch.minimum(*(t.values(batch["obs"]).gather(-1, a).squeeze(-1) for t in self.targets))
        v = self.v.values(batch["obs"]).squeeze(-1)
        lv = value_loss(q_min, v, cfg.expectile)
        self.descend("v", lv)
        with torch.no_grad():
            v_next = self.v.values(batch["next_obs"]).squeeze(-1)
        lq = []
        for i, q in enumerate(self.q):
            q_sa = q.values(batch["obs"]).gather(-1, a).squeeze(-1)
            loss = q_loss([q_sa], v_next, batch["reward"], batch["done"], cfg.gamma)
            self.descend(f"q{i + 1}", loss)
            lq.append(loss.item())
        lp = policy_loss(
            self.policy.values(batch["obs"]),
            batch["action"],
            q_min,
            v.detach(),
            cfg.temperature,
            cfg.max_weight,
        )
        self.descend("policy", lp)
        self.steps += 1
        for t, q in zip(self.targets, self.q, strict=True):
            update_target(t, q, cfg, self.steps)
        return {"value_loss": lv.item(), "q1_loss": lq[0], "q2_loss": lq[1], "policy_loss": lp.item()}

    def player(self) -> Head:
        return self.policy
