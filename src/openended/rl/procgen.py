"""Procgen (Cobbe et al. 2020, arXiv:1912.01588) as a vectorized environment, with the level splits of the
offline-RL generalization protocol.

The 16 games in easy mode give 64×64×3 uint8 frames and 15 discrete actions. A level is a seed: with
``num_levels = n > 0`` the games draw level seeds uniformly from ``[start_level, start_level + n)``; with
``num_levels = 0`` procgen ignores ``start_level`` and draws from ``[0, 2**31 - 1)`` (procgen's
``src/vecgame.cpp``). The protocol of Mediratta et al. 2024 (gen_dgrl, ``evaluate_offline_agent.py``)
trains on levels 0–199, validates on 200–249 and tests on "start_level 250, num_levels 0", which therefore
means the unbounded distribution; :class:`ProcgenVecEnv` reports every finished episode's level seed so an
evaluation can drop the (about one in ten million) test episodes that land on a seed below 250.

The wrapper speaks gym3's protocol directly (``act`` then ``observe``), which skips the per-step Python of
the gym wrappers, and tracks episode returns and lengths itself. ``get_state``/``set_state`` save every
game's full state, so a run resumed from a checkpoint continues the very same episodes.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from openended.core.errors import UserError

GAMES: tuple[str, ...] = (
    "bigfish",
    "bossfight",
    "caveflyer",
    "chaser",
    "climber",
    "coinrun",
    "dodgeball",
    "fruitbot",
    "heist",
    "jumper",
    "leaper",
    "maze",
    "miner",
    "ninja",
    "plunder",
    "starpilot",
)
NUM_ACTIONS = 15  # procgen's combined action space, the same for every game
OBS_SHAPE = (64, 64, 3)
# procgen draws seeds from [0, INT32_MAX) when num_levels is 0
UNBOUNDED_HIGH = 2**31 - 1


class MissingExtra(UserError, ImportError):
    """An optional dependency of ``openended.rl`` is not installed."""


@dataclass(frozen=True)
class Split:
    """A set of levels: seeds ``[start_level, start_level + num_levels)``; ``num_levels = 0`` is procgen's
    unbounded distribution, restricted (by dropping episodes) to seeds at or above ``start_level``."""

    name: str
    start_level: int
    num_levels: int

    def contains(self, seed: int) -> bool:
        if self.num_levels == 0:
            return self.start_level <= seed < UNBOUNDED_HIGH
        return self.start_level <= seed < self.start_level + self.num_levels

    def __str__(self) -> str:
        if self.num_levels == 0:
            return f"{self.name} (levels {self.start_level}+)"
        return f"{self.name} (levels {self.start_level}–{self.start_level + self.num_levels - 1})"


# gen_dgrl's protocol (evaluate_offline_agent.py): 200 training levels, 50 validation levels, unseen test
SPLITS: dict[str, Split] = {
    "train": Split("train", 0, 200),
    "validation": Split("validation", 200, 50),
    "test": Split("test", 250, 0),
}


def split_named(name: str) -> Split:
    """A named split, or ``levels-N``: the first N levels (0 to N − 1), which the offline-RL diversity
    ablation trains on (gen_dgrl's Fig. 5: 1 to 1000 levels; levels from 250 on also lie in the unbounded
    test draw, which picks one of them with probability below 1e-6)."""
    if name in SPLITS:
        return SPLITS[name]
    head, _, count = name.partition("-")
    if head == "levels" and count.isdigit() and int(count) > 0:
        return Split(name, 0, int(count))
    raise ValueError(f"unknown split {name!r}; known: {', '.join(SPLITS)}, or levels-N (the first N levels)")


def require_procgen() -> Any:
    """procgen's ``ProcgenGym3Env``, or one clear error naming the extra that provides it."""
    try:
        # procgen registers its gym ids on import and gym prints a deprecation notice we cannot act on
        with contextlib.redirect_stderr(io.StringIO()):
            from procgen import ProcgenGym3Env
    except ImportError as err:
        raise MissingExtra(
            f"Procgen cannot be imported ({err}): pip install 'openended[rl]', then procgen-mirror and gym3 "
            "with --no-deps, as `make` does (see the rl README)"
        ) from err
    return ProcgenGym3Env


class ProcgenVecEnv:
    """``num_envs`` copies of one game on the levels of ``split``.

    ``step(actions)`` returns ``(obs, reward, done)`` where ``done[i]`` means env ``i``'s episode ended with
    this step and ``obs[i]`` is already the first frame of its next episode (procgen resets by itself).
    Finished episodes are reported by :meth:`finished`: return, length and level seed.
    """

    def __init__(
        self,
        game: str,
        num_envs: int,
        split: Split,
        seed: int,
        *,
        num_threads: int = 4,
        distribution_mode: str = "easy",
    ) -> None:
        if game not in GAMES:
            raise ValueError(f"unknown Procgen game {game!r}; known: {', '.join(GAMES)}")
        env_cls = require_procgen()
        self.game, self.num_envs, self.split = game, num_envs, split
        self._env = env_cls(
            num=num_envs,
            env_name=game,
            num_levels=split.num_levels,
            start_level=split.start_level,
            distribution_mode=distribution_mode,
            rand_seed=int(seed),
            num_threads=num_threads,
        )
        self._returns = np.zeros(num_envs, np.float64)
        self._lengths = np.zeros(num_envs, np.int64)
        self._seeds = self._level_seeds("level_seed")
        self._finished: list[tuple[int, float, int, int]] = []

    def _level_seeds(self, key: str) -> np.ndarray:
        return np.array([int(info[key]) for info in self._env.get_info()], np.int64)

    def observe(self) -> np.ndarray:
        """The current frames, ``(num_envs, 64, 64, 3)`` uint8."""
        return self._env.observe()[1]["rgb"]

    def level_seeds(self) -> np.ndarray:
        """The level seed each env is playing now."""
        return self._seeds.copy()

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._env.act(np.asarray(actions, dtype=np.int32))
        reward, obs, first = self._env.observe()
        self._returns += reward
        self._lengths += 1
        done = np.asarray(first, bool)
        if done.any():
            for i in np.flatnonzero(done):
                self._finished.append(
                    (int(i), float(self._returns[i]), int(self._lengths[i]), int(self._seeds[i]))
                )
            self._returns[done] = 0.0
            self._lengths[done] = 0
            self._seeds = self._level_seeds("level_seed")
        return obs["rgb"], np.asarray(reward, np.float32), done

    def finished(self) -> list[tuple[int, float, int, int]]:
        """Episodes finished since the last call: ``(env, return, length, level seed)``."""
        out, self._finished = self._finished, []
        return out

    def get_state(self) -> dict[str, Any]:
        """Everything needed to continue exactly: every game's state and the episode trackers."""
        states = self._env.callmethod("get_state")
        return {
            "games": [np.frombuffer(s, np.uint8).copy() for s in states],
            "returns": self._returns.copy(),
            "lengths": self._lengths.copy(),
            "seeds": self._seeds.copy(),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        games = state["games"]
        if len(games) != self.num_envs:
            raise ValueError(f"state holds {len(games)} envs, this vector has {self.num_envs}")
        self._env.callmethod("set_state", [np.asarray(g, np.uint8).tobytes() for g in games])
        self._returns = np.asarray(state["returns"], np.float64).copy()
        self._lengths = np.asarray(state["lengths"], np.int64).copy()
        self._seeds = np.asarray(state["seeds"], np.int64).copy()
        self._finished = []
