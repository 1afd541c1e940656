"""The evaluation protocol of the offline-RL generalization benchmark (Mediratta et al. 2024, gen_dgrl
``procgen/evaluate_offline_agent.py``): a policy's returns on train, validation and test levels over N
episodes, min-max normalized with per-game ranges, aggregated across games by the interquartile mean with
stratified-bootstrap confidence intervals (Agarwal et al. 2021).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from scipy import stats

from openended.rl.procgen import ProcgenVecEnv, Split

# Easy-mode (R_min, R_max) per game: Cobbe et al. 2020 (arXiv:1912.01588), Appendix C, the ranges gen_dgrl
# normalizes with (procgen/utils/plot.py). R_min is about what a policy that never learns scores.
NORMALIZATION: dict[str, tuple[float, float]] = {
    "bigfish": (1.0, 40.0),
    "bossfight": (0.5, 13.0),
    "caveflyer": (3.5, 12.0),
    "chaser": (0.5, 13.0),
    "climber": (2.0, 12.6),
    "coinrun": (5.0, 10.0),
    "dodgeball": (1.5, 19.0),
    "fruitbot": (-1.5, 32.4),
    "heist": (3.5, 10.0),
    "jumper": (3.0, 10.0),
    "leaper": (3.0, 10.0),
    "maze": (5.0, 10.0),
    "miner": (1.5, 13.0),
    "ninja": (3.5, 10.0),
    "plunder": (4.5, 30.0),
    "starpilot": (2.5, 64.0),
}


def normalize(game: str, returns: np.ndarray | float) -> np.ndarray:
    low, high = NORMALIZATION[game]
    return (np.asarray(returns, np.float64) - low) / (high - low)


@dataclass(frozen=True)
class Episodes:
    """Finished episodes of one policy on one split."""

    returns: np.ndarray
    lengths: np.ndarray
    seeds: np.ndarray
    dropped: int  # episodes on a level outside the split (procgen's unbounded draw can hit low seeds)

    @property
    def mean(self) -> float:
        return float(self.returns.mean()) if len(self.returns) else float("nan")


@torch.no_grad()
def run_episodes(
    model: Any,
    game: str,
    split: Split,
    episodes: int,
    *,
    num_envs: int = 64,
    seed: int = 0,
    device: torch.device | str = "cpu",
    greedy: bool = False,
    threads: int = 4,
) -> Episodes:
    """Play ``episodes`` episodes of ``game`` on ``split``'s levels.

    Every env plays the same number of episodes and only its first ones count: taking the first N
    episodes to finish across envs would favour short episodes (a bias toward dying early in games that
    end on death, toward quick wins in others).
    """
    num_envs = min(num_envs, episodes)
    quota = math.ceil(episodes / num_envs)
    envs = ProcgenVecEnv(game, num_envs, split, seed, num_threads=threads)
    per_env: list[list[tuple[float, int, int]]] = [[] for _ in range(num_envs)]
    dropped = 0
    model.eval()
    # a generator of its own: evaluating never moves the sampling stream of the training it interrupts
    sampler = torch.Generator(device).manual_seed(seed)
    obs = envs.observe()
    while min(len(p) for p in per_env) < quota:
        action = model.play(torch.as_tensor(obs, device=device), greedy, sampler)
        obs, reward, done = envs.step(action.cpu().numpy())
        if hasattr(model, "observe_step"):  # a policy with memory (a Decision Transformer's prompt)
            model.observe_step(reward, done)
        for env, ret, length, level in envs.finished():
            if not split.contains(level):
                dropped += 1
            elif len(per_env[env]) < quota:
                per_env[env].append((ret, length, level))
    # round-robin order (each env's first episode, then each env's second, ...) and cut at `episodes`
    rows = [per_env[e][k] for k in range(quota) for e in range(num_envs)][:episodes]
    arr = np.array(rows, dtype=np.float64).reshape(-1, 3)
    return Episodes(arr[:, 0], arr[:, 1].astype(np.int64), arr[:, 2].astype(np.int64), dropped)


def iqm(
    scores: np.ndarray, reps: int = 2000, seed: int = 0, size: float = 0.95
) -> tuple[float, float, float]:
    """Interquartile mean of a ``(runs, games)`` score matrix and its percentile interval from a
    stratified bootstrap (each game's runs resampled with replacement, separately): the aggregate and
    interval of Agarwal et al. 2021 ("Deep RL at the edge of the statistical precipice", rliable's
    ``aggregate_iqm`` with ``get_interval_estimates``).

    Written here rather than imported: rliable 1.2.0 pins ``arch < 8``, whose 7.x releases fail to import
    under pandas 3, and its bootstrap passes a ``random_state`` that arch 8 rejects.
    """
    scores = np.asarray(scores, np.float64)
    if scores.ndim != 2 or scores.size == 0:
        raise ValueError("scores must be a non-empty (runs, games) matrix")
    runs, games = scores.shape
    point = float(stats.trim_mean(scores, 0.25, axis=None))
    rng = np.random.default_rng(seed)
    # one index matrix per resample: rows drawn independently within every column (game)
    idx = rng.integers(0, runs, (reps, runs, games))
    resampled = np.take_along_axis(np.broadcast_to(scores, (reps, runs, games)), idx, axis=1)
    estimates = stats.trim_mean(resampled.reshape(reps, -1), 0.25, axis=1)
    tail = (1.0 - size) / 2 * 100
    low, high = np.percentile(estimates, [tail, 100 - tail])
    return point, float(low), float(high)


def train_test_figure(results: Mapping[str, Sequence[float]], games: Sequence[str]) -> Figure:
    """Mean normalized return per game on each split, one group of bars per game.

    ``results[split][i]`` is the score on ``games[i]``."""
    fig = Figure(figsize=(max(4.0, 1.3 * len(games) + 1.5), 3.2), layout="constrained")
    ax = fig.add_subplot()
    splits = list(results)
    width = 0.8 / max(1, len(splits))
    for j, split in enumerate(splits):
        xs = np.arange(len(games)) + (j - (len(splits) - 1) / 2) * width
        ax.bar(xs, results[split], width, label=split)
    ax.set_xticks(np.arange(len(games)), list(games))
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_ylabel("normalized return")
    ax.legend(frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig
