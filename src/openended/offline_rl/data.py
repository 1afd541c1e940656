"""A Minari dataset (``openended.rl.datasets``) as batches for the offline learners, and the subsets the
diversity-versus-size ablation trains on.

Transitions are ``(obs, action, reward, next_obs, done)``; an episode's last step is a termination (Procgen
does not separate time-outs), so its ``next_obs`` — the repeated last frame — is never bootstrapped from.
Segments for the transformers are ``context`` consecutive steps of one episode starting at any step, the
steps past the episode's end masked (``valid``), with each step's return to go and timestep in its episode.
Frames stay uint8 and, on a GPU, live there whole: a batch is an index, not a copy from the host.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import torch

from openended.rl.datasets import Loaded


class OfflineData:
    def __init__(self, data: Loaded, device: torch.device) -> None:
        if data.actions is None:
            raise ValueError("this dataset holds observations only (no actions): offline RL needs actions")
        if len(data.actions) == 0:
            raise ValueError("the dataset is empty")
        self.device = device
        starts = np.asarray(data.episode_starts, np.int64)
        n = len(data.actions)
        self.lengths = np.diff(np.append(starts, n))
        episode = np.repeat(np.arange(len(starts)), self.lengths)
        position = np.arange(n) - starts[episode]
        # transition i of episode e is frame i + e: each episode stores one frame more than it has steps
        frame = np.arange(n) + episode
        rewards = np.asarray(data.rewards, np.float32)
        rtg = np.empty(n, np.float32)
        for s, length in zip(starts, self.lengths, strict=True):
            rtg[s : s + length] = np.cumsum(rewards[s : s + length][::-1])[::-1]
        self.size, self.episodes = n, len(starts)
        self.best_return = float(np.max(data.returns))
        self.max_timestep = int(self.lengths.max())

        def dev(a: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(a).to(device)

        self.frames = dev(np.asarray(data.observations))
        self.actions = dev(np.asarray(data.actions, np.int64))
        self.rewards, self.rtg = dev(rewards), dev(rtg)
        self.frame, self.position = dev(frame), dev(position)
        self.done = dev(position == self.lengths[episode] - 1)
        self.end = dev(starts[episode] + self.lengths[episode])  # one past the episode's last step

    def batches(self, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
        """One epoch: every transition index once, shuffled, in batches (the last may be smaller)."""
        order = torch.randperm(self.size, generator=generator, device="cpu").to(self.device)
        yield from order.split(batch_size)

    def transitions(self, idx: torch.Tensor) -> dict[str, torch.Tensor]:
        f = self.frame[idx]
        return {
            "obs": self.frames[f],
            "action": self.actions[idx],
            "reward": self.rewards[idx],
            "next_obs": self.frames[f + 1],
            "done": self.done[idx].float(),
        }

    def segments(self, idx: torch.Tensor, context: int) -> dict[str, torch.Tensor]:
        """``context`` steps from each index in ``idx``, within its episode."""
        steps = idx[:, None] + torch.arange(context, device=self.device)
        valid = steps < self.end[idx][:, None]
        steps = torch.where(valid, steps, idx[:, None])  # masked slots repeat the first step
        return {
            "frames": self.frames[self.frame[steps]],
            "actions": self.actions[steps],
            "rtg": self.rtg[steps],
            "timesteps": self.position[steps],
            "valid": valid,
        }


def subset(data: Loaded, levels: int | None, transitions: int | None, seed: int) -> Loaded:
    """Whole episodes of ``data`` from ``levels`` of its levels (drawn at random with ``seed``; None: all),
    in dataset order, until ``transitions`` are reached (None: all of them). The diversity-versus-size
    ablation: the same budget from 1 or 1000 levels, or 1× vs 10× the transitions on the same levels."""
    seeds = np.asarray(data.level_seeds)
    distinct = np.unique(seeds)
    if levels is not None:
        if levels > len(distinct):
            raise ValueError(f"{levels} levels asked, the dataset has {len(distinct)}")
        chosen = np.random.default_rng(seed).choice(distinct, levels, replace=False)
        keep = np.flatnonzero(np.isin(seeds, chosen))
    else:
        keep = np.arange(len(seeds))
    starts = np.asarray(data.episode_starts)
    lengths = np.diff(np.append(starts, len(data.rewards)))
    if transitions is not None:
        total = np.cumsum(lengths[keep])
        keep = keep[: int(np.searchsorted(total, transitions)) + 1]
    if len(keep) == 0:
        raise ValueError("the subset holds no episode")
    step_idx = np.concatenate([np.arange(starts[e], starts[e] + lengths[e]) for e in keep])
    frame_idx = np.concatenate([np.arange(starts[e] + e, starts[e] + e + lengths[e] + 1) for e in keep])
    new_starts = np.concatenate([[0], np.cumsum(lengths[keep])[:-1]])
    return replace(
        data,
        observations=data.observations[frame_idx],
        actions=None if data.actions is None else data.actions[step_idx],
        rewards=data.rewards[step_idx],
        episode_starts=new_starts.astype(np.int64),
        returns=data.returns[keep],
        level_seeds=seeds[keep],
        policies=np.asarray(data.policies)[keep],
    )
