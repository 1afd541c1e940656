"""A moving-square world for LAPO's tests: a 4×4 white square on a 16×16 frame moves one square's width per
step by the action taken (stay, up, down, left, right; blocked at the walls), actions drawn at random. From
past frames alone the next frame cannot be told; from the action it can."""

from __future__ import annotations

import numpy as np

from openended.rl.datasets import Loaded

MOVES = [(0, 0), (-4, 0), (4, 0), (0, -4), (0, 4)]  # (rows, columns) per action


def frame(r: int, c: int) -> np.ndarray:
    f = np.zeros((16, 16, 3), np.uint8)
    f[r : r + 4, c : c + 4] = 255
    return f


def square_world(episodes: int = 24, steps: int = 30, seed: int = 0) -> Loaded:
    rng = np.random.default_rng(seed)
    obs, acts, starts = [], [], []
    for _ in range(episodes):
        starts.append(len(acts))
        r, c = (int(x) * 4 for x in rng.integers(0, 4, 2))
        obs.append(frame(r, c))
        for _ in range(steps):
            a = int(rng.integers(0, len(MOVES)))
            r, c = min(max(r + MOVES[a][0], 0), 12), min(max(c + MOVES[a][1], 0), 12)
            acts.append(a)
            obs.append(frame(r, c))
    n = len(acts)
    return Loaded(
        observations=np.stack(obs),
        actions=np.asarray(acts, np.int64),
        rewards=np.zeros(n),
        episode_starts=np.asarray(starts, np.int64),
        returns=np.zeros(episodes),
        level_seeds=np.arange(episodes),
        policies=np.zeros(episodes, np.int64),
        metadata={},
    )
