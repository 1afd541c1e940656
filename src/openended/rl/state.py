"""torch modules and optimizers as plain trees of numpy arrays, for the project's pickle-free checkpoints
(``openended.core.serialize``), and back."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch
from torch import nn


def module_state(model: nn.Module) -> dict[str, np.ndarray]:
    """A module's parameters and buffers as numpy copies (``.numpy()`` of a CPU tensor is a view, and a
    saved best epoch must not follow the optimizer's later steps)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def load_module_state(model: nn.Module, state: dict[str, Any]) -> None:
    model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})


def optimizer_state(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """The optimizer's per-parameter tensors as numpy copies, its groups as JSON."""
    opt = optimizer.state_dict()
    return {
        "state": {
            str(k): {n: (t.detach().cpu().numpy().copy() if torch.is_tensor(t) else t) for n, t in s.items()}
            for k, s in opt["state"].items()
        },
        "groups": json.dumps(opt["param_groups"]),
    }


def load_optimizer_state(optimizer: torch.optim.Optimizer, state: dict[str, Any]) -> None:
    optimizer.load_state_dict(
        {
            "state": {
                int(k): {
                    n: (torch.from_numpy(np.asarray(t)) if isinstance(t, np.ndarray) else t)
                    for n, t in s.items()
                }
                for k, s in state["state"].items()
            },
            "param_groups": json.loads(state["groups"]),
        }
    )


def training_state(
    modules: dict[str, nn.Module], optimizer: torch.optim.Optimizer, rng: np.random.Generator
) -> dict[str, Any]:
    """A supervised training loop's checkpoint: its modules by name, the optimizer (``opt``), the numpy
    generator its batches are drawn from (``rng``) and torch's random state (``torch_rng``)."""
    return {
        **{name: module_state(m) for name, m in modules.items()},
        "opt": optimizer_state(optimizer),
        "rng": json.dumps(rng.bit_generator.state),
        "torch_rng": torch.get_rng_state().numpy(),
    }


def load_training_state(
    state: dict[str, Any],
    modules: dict[str, nn.Module],
    optimizer: torch.optim.Optimizer,
    rng: np.random.Generator,
) -> None:
    """Restore what :func:`training_state` saved, in place."""
    for name, m in modules.items():
        load_module_state(m, state[name])
    load_optimizer_state(optimizer, state["opt"])
    rng.bit_generator.state = json.loads(str(state["rng"]))
    torch.set_rng_state(torch.from_numpy(np.asarray(state["torch_rng"])))
