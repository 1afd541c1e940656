"""VMAS football (Bettini et al. 2022, the ``football`` scenario) as vector environments for PPO and for
playing set start states.

VMAS simulates thousands of 2-D football games in one batched torch world, on CPU or GPU. Blue attacks the
right goal, red the left; a red player's observation and action are mirrored in x by the scenario itself, so
one network plays either side. :class:`FootballSelfPlay` puts that network on both teams (self-play with
parameter sharing, MAPPO's setting) and looks to PPO like ``worlds × 2n`` environments, one per player.

On a CPU, VMAS runs ~8× slower with two torch threads than with one on a busy 2-core machine: callers on CPU
pin one thread (:func:`make_football` does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from openended.rl.procgen import MissingExtra

# called with a world batch and the worlds it has just reset, to rearrange them (a system's start states)
OnReset = Callable[[Any, np.ndarray], None]


def require_vmas() -> Any:
    try:
        import vmas
    except ImportError as err:
        raise MissingExtra(
            f"VMAS cannot be imported ({err}): pip install 'openended[madrid]' (vmas, ribs)"
        ) from None
    return vmas


def goals(env: Any) -> torch.Tensor:
    """+1 where the ball is over the right goal line between the posts (blue scored), -1 over the left
    (red scored), else 0 — read from the ball itself, as VMAS's scenario does."""
    sc = env.scenario
    pos = sc.ball.state.pos
    line = sc.pitch_length / 2 + sc.ball_size / 2
    mouth = pos[:, 1].abs() <= sc.goal_size / 2
    return ((pos[:, 0] > line) & mouth).float() - ((pos[:, 0] < -line) & mouth).float()


def make_football(
    worlds: int,
    players: int,
    device: torch.device,
    *,
    max_steps: int,
    seed: int,
    dense_reward: bool,
    bot_strength: float | None = None,
) -> Any:
    """A batch of ``worlds`` games of ``players`` a side, actions discrete (VMAS's 9: still and 8 directions).

    ``bot_strength`` None: both teams take actions (``env.agents`` = blue players, then red). A number in
    [0, 1]: red is VMAS's scripted team at that speed, decision and precision strength, and only the blue
    players take actions (VMAS's own default arrangement; its scripted *blue* team leaves the red side's
    rewards and goal detection unset)."""
    vmas = require_vmas()
    if device.type == "cpu":
        torch.set_num_threads(1)
    bot = bot_strength is not None
    return vmas.make_env(
        "football",
        num_envs=worlds,
        device=device,
        continuous_actions=False,
        max_steps=max_steps,
        seed=seed,
        n_blue_agents=players,
        n_red_agents=players,
        ai_blue_agents=False,
        ai_red_agents=bot,
        ai_strength=bot_strength if bot else 1.0,
        ai_decision_strength=bot_strength if bot else 1.0,
        ai_precision_strength=bot_strength if bot else 1.0,
        dense_reward=dense_reward,
    )


class _Games:
    """One VMAS world batch whose learning players are rows: all 2n of a world (self-play) or blue's n
    (against the scripted red team). Tracks each world's blue return and length; resets finished worlds."""

    def __init__(self, env: Any, learning: int, on_reset: OnReset | None = None) -> None:
        self.env, self.learning, self.on_reset = env, learning, on_reset
        self.worlds = int(env.world.batch_dim)
        self.obs = self._started(env.reset(), np.arange(self.worlds))  # (worlds, learning, obs_dim)
        self.returns = np.zeros(self.worlds, np.float64)
        self.lengths = np.zeros(self.worlds, np.int64)

    def _started(self, obs: list[torch.Tensor], worlds: np.ndarray) -> torch.Tensor:
        """Observations once the worlds ``worlds`` have been reset and, with ``on_reset``, rearranged."""
        if self.on_reset is not None:
            self.on_reset(self.env, worlds)
            obs = self.env.get_from_scenario(
                get_observations=True, get_rewards=False, get_infos=False, get_dones=False
            )[0]
        return torch.stack(obs, 1)

    def step(self, acts: torch.Tensor) -> tuple[np.ndarray, np.ndarray, list[tuple[int, float, int, int]]]:
        obs, rews, dones, _ = self.env.step(list(acts.unbind(1)))
        reward = torch.stack(rews, 1).cpu().numpy().astype(np.float32)  # (worlds, learning)
        done = dones.cpu().numpy().astype(bool)
        self.returns += reward[:, 0]
        self.lengths += 1
        finished = []
        if done.any():
            goal = goals(self.env).cpu().numpy()
            for w in np.flatnonzero(done):
                finished.append((int(w), float(self.returns[w]), int(self.lengths[w]), int(goal[w])))
            if done.all():  # the time limit ends every game at once: one batched reset, not a loop
                obs = self.env.reset()
            else:
                for w in np.flatnonzero(done):
                    obs_w = self.env.reset_at(int(w))
                    for i, o in enumerate(obs_w):
                        obs[i][w] = o[w]
            self.returns[done] = 0.0
            self.lengths[done] = 0
            self.obs = self._started(obs, np.flatnonzero(done))
        else:
            self.obs = torch.stack(obs, 1)
        return reward, done, finished

    def restart(self) -> None:
        self.obs = self._started(self.env.reset(), np.arange(self.worlds))
        self.returns[:] = 0.0
        self.lengths[:] = 0


class FootballSelfPlay:
    """Self-play on VMAS football for PPO: one policy plays every player of both teams — and, with
    ``scripted_worlds``, blue's players in that many more games against VMAS's scripted red team.

    Rows are player-major within a world: row ``w * 2n + i`` is player ``i`` (blue first, then red) of
    self-play world ``w``; the scripted games' blue players follow, ``n`` rows a world. Each row's reward is
    its team's (VMAS's dense shaping toward the ball and the goal, and ± ``scoring_reward`` at a goal); a
    world's episode ends at a goal or after ``max_steps`` and is reset at once. Finished episodes are reported
    per world — self-play worlds first, then the scripted ones — as ``(world, blue's return, length, goal)``
    where goal is +1 blue scored, -1 red scored, 0 none.

    ``on_reset`` is called on every world batch with the worlds it has just reset (at the start and after
    each game), before their observations are read: a way to start games elsewhere than VMAS's kick-off.

    VMAS has no way to save and restore a world's full state, so a resumed training starts fresh games
    (``exact_state`` False): the network, optimizer and normalizers still resume exactly.
    """

    exact_state = False

    def __init__(
        self,
        worlds: int,
        players: int,
        device: torch.device,
        *,
        max_steps: int,
        seed: int,
        scripted_worlds: int = 0,
        scripted_strength: float = 0.5,
        on_reset: OnReset | None = None,
    ) -> None:
        self.players, self.device = players, device
        self.groups: list[_Games] = []
        if worlds:
            env = make_football(worlds, players, device, max_steps=max_steps, seed=seed, dense_reward=True)
            self.groups.append(_Games(env, 2 * players, on_reset))
        if scripted_worlds:
            env = make_football(
                scripted_worlds,
                players,
                device,
                max_steps=max_steps,
                seed=seed + 1,
                dense_reward=True,
                bot_strength=scripted_strength,
            )
            self.groups.append(_Games(env, players, on_reset))
        if not self.groups:
            raise ValueError("no games: worlds and scripted_worlds are both 0")
        self.worlds = sum(g.worlds for g in self.groups)
        self.num_envs = sum(g.worlds * g.learning for g in self.groups)
        self._finished: list[tuple[int, float, int, int]] = []

    @property
    def obs_dim(self) -> int:
        return int(self.groups[0].obs.shape[-1])

    def observe(self) -> torch.Tensor:
        return torch.cat([g.obs.reshape(g.worlds * g.learning, -1) for g in self.groups])

    def step(self, actions: np.ndarray) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
        acts = torch.as_tensor(np.asarray(actions), device=self.device)
        rewards, dones, start, offset = [], [], 0, 0
        for g in self.groups:
            rows = g.worlds * g.learning
            reward, done, finished = g.step(acts[start : start + rows].reshape(g.worlds, g.learning))
            self._finished += [(w + offset, r, n, goal) for w, r, n, goal in finished]
            rewards.append(reward.reshape(-1))
            dones.append(np.repeat(done, g.learning))
            start, offset = start + rows, offset + g.worlds
        return self.observe(), np.concatenate(rewards), np.concatenate(dones)

    def finished(self) -> list[tuple[int, float, int, int]]:
        out, self._finished = self._finished, []
        return out

    def get_state(self) -> dict[str, Any]:
        return {}

    def set_state(self, state: dict[str, Any]) -> None:
        for g in self.groups:
            g.restart()
        self._finished = []
