"""Policy files and snapshot sets: how experts are saved, shipped and chosen for a dataset.

A policy file is one ``.npz`` in the project's pickle-free format (``openended.core.serialize``): the
network's shape, its weights and what is known about it (game, training step, mean returns). A
*snapshot set* is a train-expert run's ``artifacts/policies/`` or the set shipped in the package
(``openended/rl/experts/<game>/``): an ``index.json`` listing the snapshots in training order with their
mean return on the training levels; the last one is the expert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from openended.core.serialize import load_tree, save_tree, write_text_atomic
from openended.rl.networks import ActorCritic, MLPActorCritic, Policy
from openended.rl.state import load_module_state, module_state

SHIPPED = Path(__file__).resolve().parent / "experts"
INDEX = "index.json"


def save_policy(path: str | Path, model: Policy, info: dict[str, Any], half: bool = False) -> Path:
    """Write ``model`` with ``info`` (game, step, returns, ...); ``half`` stores float16 weights (half the
    size; the loaded policy is the float16-rounded one, and measurements of a shipped policy are of it)."""
    weights = module_state(model)
    if half:
        weights = {k: v.astype(np.float16) for k, v in weights.items()}
    net: dict[str, Any]
    if isinstance(model, MLPActorCritic):
        net = {"kind": "mlp", "num_actions": model.num_actions, "obs_dim": model.obs_dim}
        net |= {"hidden": model.hidden, "layers": model.layers}
    elif isinstance(model, ActorCritic):
        net = {
            "kind": "impala",
            "num_actions": model.num_actions,
            "scale": model.scale,
            "hidden": model.hidden,
        }
    else:
        raise TypeError(f"cannot save a {type(model).__name__}")
    return save_tree(
        path, {"format": "openended.rl.policy/1", "network": net, "weights": weights, "info": info}
    )


def load_policy(path: str | Path, device: torch.device | str = "cpu") -> tuple[Any, dict[str, Any]]:
    """The network (an :class:`ActorCritic` or :class:`MLPActorCritic`, as saved) and its info."""
    tree = load_tree(path)
    if not isinstance(tree, dict) or tree.get("format") != "openended.rl.policy/1":
        raise ValueError(f"{path}: not an openended policy file")
    net = tree["network"]
    model: Policy
    if net.get("kind", "impala") == "mlp":
        dims = (int(net["obs_dim"]), int(net["num_actions"]), int(net["hidden"]), int(net["layers"]))
        model = MLPActorCritic(*dims)
    else:
        model = ActorCritic(int(net["num_actions"]), int(net["scale"]), int(net["hidden"]))
    load_module_state(model, {k: np.asarray(v, np.float32) for k, v in tree["weights"].items()})
    return model.to(device).eval(), dict(tree["info"])


@dataclass(frozen=True)
class Snapshot:
    path: Path
    step: int  # environment steps of training when it was taken
    mean_return: float  # on the training levels, from the training run's evaluation
    id: str  # "<game>/<file stem>", recorded with every transition it collects


def snapshots(source: str | Path, game: str, shipped: Path = SHIPPED) -> list[Snapshot]:
    """The snapshots of ``game`` in training order, from a training run directory or (``""``) the set
    shipped with the package under ``shipped``."""
    folder = (shipped / game) if str(source) == "" else Path(source) / "artifacts" / "policies"
    index = folder / INDEX
    if not index.is_file():
        where = "the shipped experts" if str(source) == "" else str(source)
        raise FileNotFoundError(f"no {game} snapshots in {where} ({index} is missing)")
    data = json.loads(index.read_text())
    if data.get("game") != game:
        raise ValueError(f"{index} holds {data.get('game')!r} snapshots, not {game!r}")
    return [
        Snapshot(
            folder / s["file"], int(s["step"]), float(s["mean_return"]), f"{game}/{Path(s['file']).stem}"
        )
        for s in data["snapshots"]
    ]


def snapshot_updates(total_updates: int, snapshots: int) -> list[int]:
    """The updates after which a snapshot is taken: evenly spaced, the last one at the end."""
    return sorted({max(1, round(total_updates * (k + 1) / snapshots)) for k in range(snapshots)})


def write_index(folder: Path, game: str, entries: list[dict[str, Any]], note: str = "") -> None:
    write_text_atomic(
        folder / INDEX, json.dumps({"game": game, "note": note, "snapshots": entries}, indent=1) + "\n"
    )


def choose(snaps: list[Snapshot], kind: str, fraction: float = 0.75) -> list[Snapshot]:
    """The snapshots a dataset of ``kind`` is collected from (gen_dgrl's recipes):

    - expert, observation_only: the last snapshot;
    - mixed: the one whose mean return is closest to ``fraction`` of the expert's (gen_dgrl: "a policy whose
      mean return is about 75 % of the expert's");
    - suboptimal: all of them, in training order.
    """
    if not snaps:
        raise ValueError("no snapshots to choose from")
    if kind in ("expert", "observation_only"):
        return [snaps[-1]]
    if kind == "suboptimal":
        return list(snaps)
    if kind == "mixed":
        target = fraction * snaps[-1].mean_return
        return [min(snaps[:-1] or snaps, key=lambda s: abs(s.mean_return - target))]
    raise ValueError(f"unknown dataset kind {kind!r}")
