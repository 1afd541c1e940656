"""IQL with discrete actions (Kostrikov, Nair & Levine 2022; gen_dgrl ``offline/agents/iql.py``). Three fits,
none of which queries an action outside the data:

- V(s) to an upper expectile τ of Q_target(s, a_data) (the min of two target critics): L = |τ − 1(u < 0)| u²,
  u = Q − V;
- each Q(s, a_data) to r + γ (1 − done) V(s');
- the policy by advantage-weighted cloning: −exp(β (Q − V)) · log π(a_data | s), weights clipped."""

from __future__ import annotations

import torch
import torch.nn.functional as F


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
