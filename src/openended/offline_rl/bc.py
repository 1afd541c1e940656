"""Behavioural cloning (gen_dgrl ``offline/agents/bc.py``): the policy is fitted to the dataset's actions by
cross-entropy, nothing else — the paper's strongest offline method on unseen levels."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bc_loss(logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of the dataset's ``actions`` under ``logits`` ``(B, A)``."""
    return F.cross_entropy(logits.float(), actions)
