"""Observation-only datasets (``openended.rl.datasets``) as LAPO's frame triplets.

Sample t is (o_{t-1}, o_t, o_{t+1}) from one episode, the transition o_t → o_{t+1} in its middle. An
episode of L steps stores L + 1 frames, the last a copy of the one before it (Procgen never shows the
frame after an episode's end), so the usable transitions are steps 1 … L − 2: step 0 has no o_{t-1} and
step L − 1's next frame is not real. Episodes are split whole between training and held-out samples, so no
held-out frame was seen in training. Actions, where the dataset has them, ride along for the probe and
the decoders; the models never see them.
"""

from __future__ import annotations

import numpy as np
import torch

from openended.rl.datasets import Loaded


class Triplets:
    def __init__(self, data: Loaded, device: torch.device, held_out: float, seed: int) -> None:
        starts = np.asarray(data.episode_starts, np.int64)
        steps = len(data.rewards)
        lengths = np.diff(np.append(starts, steps))
        episodes = len(starts)
        if episodes == 0:
            raise ValueError("the dataset has no episodes")
        # frame of step t of episode e: t + starts[e] + e (each episode stores one frame more than steps)
        first = starts + np.arange(episodes)
        order = np.random.default_rng(seed).permutation(episodes)
        n_test = round(held_out * episodes) if episodes > 1 else 0
        test = np.zeros(episodes, bool)
        test[order[:n_test]] = True
        center, step, is_test = [], [], []
        for e in range(episodes):
            usable = np.arange(1, lengths[e] - 1)  # steps 1 … L − 2
            center.append(first[e] + usable)
            step.append(starts[e] + usable)
            is_test.append(np.full(len(usable), test[e]))
        self.center = np.concatenate(center) if center else np.zeros(0, np.int64)
        self.step = np.concatenate(step) if step else np.zeros(0, np.int64)
        held = np.concatenate(is_test) if is_test else np.zeros(0, bool)
        self.train_index, self.test_index = np.flatnonzero(~held), np.flatnonzero(held)
        if len(self.train_index) == 0:
            raise ValueError("no usable transitions for training (episodes need 3 or more steps)")
        self.device = device
        self.frames = torch.as_tensor(np.asarray(data.observations)).to(device)
        self.actions = (
            torch.as_tensor(np.asarray(data.actions, np.int64)).to(device)
            if data.actions is not None
            else None
        )
        self._center = torch.as_tensor(self.center).to(device)
        self._step = torch.as_tensor(self.step).to(device)

    def __len__(self) -> int:
        return len(self.center)

    def frames_at(self, index: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Samples ``index`` as frames ``(B, 3, H, W, C)`` uint8: o_{t-1}, o_t, o_{t+1}."""
        c = self._center[torch.as_tensor(index, device=self.device)]
        return self.frames[c[:, None] + torch.arange(-1, 2, device=self.device)]

    def actions_at(self, index: np.ndarray | torch.Tensor) -> torch.Tensor:
        """The true actions of samples ``index`` (the action taken at o_t)."""
        if self.actions is None:
            raise ValueError("this dataset holds no actions")
        return self.actions[self._step[torch.as_tensor(index, device=self.device)]]

    def sample(self, generator: np.random.Generator, batch: int, test: bool = False) -> np.ndarray:
        pool = self.test_index if test else self.train_index
        return pool[generator.integers(0, len(pool), batch)]
