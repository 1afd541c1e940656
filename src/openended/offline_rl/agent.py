"""What the offline learners share: their networks on ``openended.rl``'s IMPALA encoder, the target-network
update, and the checkpoint state of whatever modules and optimizers a learner holds.

A learner takes batches of transitions (``obs``, ``action``, ``reward``, ``next_obs``, ``done``; frames uint8)
or, for the transformers, of trajectory segments, and plays through :meth:`Agent.player` — an object with
``play(obs, greedy, generator)`` as ``openended.rl.evaluation`` expects of a policy.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from openended.offline_rl.config import OfflineConfig
from openended.rl.networks import ImpalaCNN, Policy
from openended.rl.state import load_module_state, load_optimizer_state, module_state, optimizer_state

HIDDEN = 256  # gen_dgrl's hidden_size for every offline agent


class Head(Policy):
    """IMPALA encoder + one linear layer: policy logits, Q-values or (``out=1``) a state value
    (gen_dgrl's ``pporesnetbase``). ``forward`` returns ``(output, zeros)`` so a logits head plays as a
    :class:`~openended.rl.networks.Policy`."""

    def __init__(self, out: int, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.encoder = ImpalaCNN(1, hidden)
        self.out = nn.Linear(hidden, out)

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.out(self.encoder(frames))
        return y, torch.zeros(len(y), device=y.device)

    def values(self, frames: torch.Tensor) -> torch.Tensor:
        return self(frames)[0]


class Greedy(Policy):
    """Plays the argmax of a Q-function (DQN-style evaluation); ``greedy`` and the generator are moot."""

    def __init__(self, q: Head) -> None:
        super().__init__()
        self.q = q

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.q(frames)

    @torch.no_grad()
    def play(self, obs: torch.Tensor, greedy: bool, generator: torch.Generator) -> torch.Tensor:
        return self.q.values(obs).argmax(-1)


def copy_target(target: nn.Module, online: nn.Module) -> None:
    target.load_state_dict(online.state_dict())
    target.requires_grad_(False)


@torch.no_grad()
def update_target(target: nn.Module, online: nn.Module, cfg: Any, step: int) -> None:
    """gen_dgrl's target update: a copy every ``cfg.target_update`` steps, or with ``cfg.polyak`` a step of
    size ``cfg.tau`` every step (``cfg``: a TD config with those two fields)."""
    if cfg.polyak:
        for t, o in zip(target.parameters(), online.parameters(), strict=True):
            t.lerp_(o, cfg.tau)  # type: ignore[attr-defined]
    elif step % cfg.target_update == 0:
        target.load_state_dict(online.state_dict())


def adamw(modules: list[nn.Module], cfg: OfflineConfig) -> torch.optim.Optimizer:
    params = [p for m in modules for p in m.parameters()]
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


class Agent:
    """An offline learner: named modules and optimizers, a step counter, and one :meth:`update` per batch."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.modules: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.steps = 0

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        raise NotImplementedError

    def descend(self, name: str, loss: torch.Tensor) -> None:
        """One gradient step of optimizer ``name`` on ``loss``."""
        opt = self.optimizers[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def player(self) -> Any:
        raise NotImplementedError

    def train(self, mode: bool = True) -> None:
        for m in self.modules.values():
            m.train(mode)

    def state(self) -> dict[str, Any]:
        return {
            "modules": {k: module_state(m) for k, m in self.modules.items()},
            "optimizers": {k: optimizer_state(o) for k, o in self.optimizers.items()},
            "steps": self.steps,
        }

    def load(self, state: dict[str, Any]) -> None:
        for k, m in self.modules.items():
            load_module_state(m, state["modules"][k])
            m.to(self.device)
        for k, o in self.optimizers.items():
            load_optimizer_state(o, state["optimizers"][k])
        self.steps = int(state["steps"])
