"""MADRID's levels: the start positions of the ball and of every outfield player (the paper's §4).

A level is a vector in the paper's pitch units (Google Research Football: x ∈ [-1, 1] goal to goal,
y ∈ [-0.42, 0.42] touchline to touchline), laid out as

    [ball x, ball y, blue outfield 1 x, y, …, blue outfield n-1 x, y, red outfield 1 x, y, …]

Random levels draw every coordinate uniformly from x ∈ [-0.9, 0.9], y ∈ [-0.4, 0.4] (the paper's ranges);
the search's Gaussian steps are clipped to the same box. Goalkeepers (player 0 of each side) are not part
of a level: they start on their goal line, as GRF's game-controlled keepers do. Blue plays left to right.
VMAS's pitch is 3.0 × 1.5, so x scales by 1.5 and y by 0.75 / 0.42.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

X_RANGE = (-0.9, 0.9)
Y_RANGE = (-0.4, 0.4)
GRF_HALF_WIDTH = 0.42


def level_dim(players: int) -> int:
    """Coordinates in a level: the ball and 2 × (players - 1) outfield players."""
    return 2 * (1 + 2 * (players - 1))


def bounds(players: int) -> list[tuple[float, float]]:
    return [X_RANGE if i % 2 == 0 else Y_RANGE for i in range(level_dim(players))]


def random_levels(rng: np.random.Generator, count: int, players: int) -> np.ndarray:
    lo, hi = np.array(bounds(players)).T
    return rng.uniform(lo, hi, size=(count, level_dim(players)))


def clip(levels: np.ndarray, players: int) -> np.ndarray:
    lo, hi = np.array(bounds(players)).T
    return np.clip(levels, lo, hi)


def ball(levels: np.ndarray) -> np.ndarray:
    """The ball's (x, y) in pitch units: the archive's first two measures."""
    return np.asarray(levels)[..., :2]


def to_vmas(xy: torch.Tensor, scenario: Any) -> torch.Tensor:
    """Pitch units → VMAS world coordinates."""
    scale = torch.tensor(
        [scenario.pitch_length / 2, scenario.pitch_width / 2 / GRF_HALF_WIDTH], device=xy.device
    )
    return xy * scale


def mirror(levels: np.ndarray) -> np.ndarray:
    """The same situation seen from the other end: x negated and the two teams' players swapped, so the
    side that played left to right now plays right to left (football is symmetric under this reflection)."""
    lv = np.array(levels, np.float64)
    k = (lv.shape[-1] - 2) // 4  # outfield players a side
    out = lv.copy()
    out[..., 2 : 2 + 2 * k], out[..., 2 + 2 * k :] = lv[..., 2 + 2 * k :], lv[..., 2 : 2 + 2 * k]
    out[..., 0::2] *= -1
    return out


def place(env: Any, levels: np.ndarray | torch.Tensor) -> None:
    """Put every world of ``env`` at its level (``levels``: one row per world) and stop everything.

    Call after ``env.reset()``. Goalkeepers go to their goal lines' centres; a scripted team forgets what it
    planned for the positions the reset drew."""
    place_at(env, levels, np.arange(env.world.batch_dim))


def place_at(env: Any, levels: np.ndarray | torch.Tensor, worlds: np.ndarray) -> None:
    """As :func:`place` for the worlds ``worlds`` only (``levels``: one row each); the other worlds go on
    as they were. The scenario's reward shaping restarts from the new positions, so the first step's shaped
    reward measures that step and not the move."""
    sc = env.scenario
    world = env.world
    n = len(sc.blue_agents)
    worlds = np.asarray(worlds, np.int64)
    lv = torch.as_tensor(np.asarray(levels), dtype=torch.float32, device=world.device)
    if lv.shape != (len(worlds), level_dim(n)):
        raise ValueError(f"levels of shape {tuple(lv.shape)} for {len(worlds)} worlds")
    idx = torch.as_tensor(worlds, device=world.device)
    pos = to_vmas(lv.reshape(len(worlds), -1, 2), sc)  # (worlds, 1 + 2(n-1), 2)
    keeper_x = sc.pitch_length / 2 - 2 * sc.agent_size

    def put(entity: Any, xy: torch.Tensor) -> None:
        # whole-batch writes (one call each, not one per world): the other worlds keep their state
        p, v = entity.state.pos.clone(), entity.state.vel.clone()
        p[idx], v[idx] = xy, 0.0
        entity.set_pos(p, batch_index=None)
        entity.set_vel(v, batch_index=None)

    for side, team in ((-1.0, sc.blue_agents), (1.0, sc.red_agents)):
        keeper = torch.zeros(len(worlds), 2, device=world.device)
        keeper[:, 0] = side * keeper_x
        put(team[0], keeper)
    for i in range(1, n):
        put(sc.blue_agents[i], pos[:, i])
        put(sc.red_agents[i], pos[:, n - 1 + i])
    put(sc.ball, pos[:, 0])
    everything = len(worlds) == world.batch_dim
    for controller in (sc.blue_controller, sc.red_controller):
        if controller is not None:
            if everything:
                controller.reset()
            else:
                for w in worlds:
                    controller.reset(int(w))
    if everything:
        sc.reset_ball(None)
    else:
        for w in worlds:
            sc.reset_ball(int(w))


def positions(env: Any) -> np.ndarray:
    """Where everything is now, in pitch units: ``(worlds, 1 + 2n, 2)`` — ball, blue players, red players."""
    sc = env.scenario
    xy = torch.stack([sc.ball.state.pos, *(a.state.pos for a in sc.blue_agents + sc.red_agents)], 1)
    scale = torch.tensor([sc.pitch_length / 2, sc.pitch_width / 2 / GRF_HALF_WIDTH], device=xy.device)
    return (xy / scale).cpu().numpy()
