"""A trivially learnable vector environment with the interface PPO expects (``openended.rl.ppo``).

Each env shows a frame filled with one of two colours; action 0 is right on red, action 1 on green, and a
right action earns 1. Episodes last ``length`` steps; colours are drawn from the env's own generator, so
``get_state``/``set_state`` continue a run exactly. A uniformly random policy earns 0.5 per step.
"""

from __future__ import annotations

import json

import numpy as np

FRAME = (8, 8)
COLOURS = np.array([[255, 0, 0], [0, 255, 0]], np.uint8)


class ColourEnv:
    def __init__(self, num_envs: int, seed: int = 0, length: int = 8) -> None:
        self.num_envs, self.length = num_envs, length
        self.rng = np.random.default_rng(seed)
        self.colour = self.rng.integers(0, 2, num_envs)
        self.t = np.zeros(num_envs, np.int64)
        self.ret = np.zeros(num_envs)
        self._finished: list[tuple[int, float, int, int]] = []

    def observe(self) -> np.ndarray:
        return np.broadcast_to(COLOURS[self.colour][:, None, None, :], (self.num_envs, *FRAME, 3)).copy()

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        reward = (np.asarray(actions) == self.colour).astype(np.float32)
        self.ret += reward
        self.t += 1
        done = self.t >= self.length
        for i in np.flatnonzero(done):
            self._finished.append((int(i), float(self.ret[i]), int(self.t[i]), 0))
        self.t[done], self.ret[done] = 0, 0.0
        self.colour = self.rng.integers(0, 2, self.num_envs)
        return self.observe(), reward, done

    def finished(self) -> list[tuple[int, float, int, int]]:
        out, self._finished = self._finished, []
        return out

    def get_state(self) -> dict:
        return {
            "rng": json.dumps(self.rng.bit_generator.state),
            "colour": self.colour.copy(),
            "t": self.t.copy(),
            "ret": self.ret.copy(),
        }

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = json.loads(state["rng"])
        self.colour, self.t, self.ret = (np.asarray(state[k]).copy() for k in ("colour", "t", "ret"))
        self._finished = []
