"""Behavioural cloning (gen_dgrl ``offline/agents/bc.py``): the policy is fitted to the dataset's actions by
cross-entropy, nothing else — the paper's strongest offline method on unseen levels."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from openended.offline_rl.agent import Agent, Head, adamw
from openended.offline_rl.config import BCConfig


def bc_loss(logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of the dataset's ``actions`` under ``logits`` ``(B, A)``."""
    return F.cross_entropy(logits.float(), actions)


class BC(Agent):
    """One IMPALA policy network fitted by :func:`bc_loss`; plays by sampling its softmax."""

    def __init__(self, cfg: BCConfig, num_actions: int, device: torch.device) -> None:
        super().__init__(device)
        self.cfg = cfg
        self.policy = Head(num_actions).to(device)
        self.modules = {"policy": self.policy}
        self.optimizers = {"policy": adamw([self.policy], cfg)}

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        loss = bc_loss(self.policy.values(batch["obs"]), batch["action"])
        self.descend("policy", loss)
        self.steps += 1
        return {"loss": loss.item()}

    def player(self) -> Head:
        return self.policy
