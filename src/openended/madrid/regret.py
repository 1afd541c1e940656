"""Playing levels and MADRID's fitness: the regret of the target against each reference policy.

V(π_L, π_R) is the value for the left (blue) team of a game from the level: +1 if it scores first, -1 if it
concedes first, 0 if nobody scores within the episode (the paper's §4). A level's regret against reference
π_R is V(π_R, π_T) − V(π_T, π_T): how much better the reference does than the target itself when each
plays the left side against the target, each value averaged over ``repeats`` games (actions are sampled,
so the games differ). It lies in [-2, 2].

All games of one call run together: one VMAS world batch where the left side is a learned policy (the target
itself for the self-play term, and every learned reference), one per scripted reference (VMAS builds a
scripted team into the world, at one strength per world batch). Each batch holds levels × repeats games
per left-side policy; they step in one loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from openended.madrid.config import FootballConfig
from openended.madrid.levels import mirror, place, positions
from openended.rl.networks import Policy
from openended.rl.vmas import goals, make_football


@dataclass(frozen=True)
class Reference:
    """A reference policy: a learned snapshot (``policy``) or VMAS's scripted team (``strength``)."""

    name: str
    policy: Policy | None = None
    strength: float | None = None
    step: int | None = None  # training step of a snapshot, for ordering references by strength


class Evaluator:
    """Values of levels for the target against itself and against every reference.

    ``levels_per_call`` fixes the world batches' sizes (VMAS worlds are built once); :meth:`values` takes at
    most that many levels."""

    def __init__(
        self,
        target: Policy,
        references: list[Reference],
        football: FootballConfig,
        repeats: int,
        levels_per_call: int,
        device: torch.device,
        seed: int,
    ) -> None:
        self.target, self.references = target.to(device).eval(), references
        self.football, self.repeats, self.capacity = football, repeats, levels_per_call
        self.device = device
        # the left sides of the learned world: the target (self-play), then every learned reference
        self.left = [self.target] + [r.policy.to(device).eval() for r in references if r.policy is not None]
        games = levels_per_call * repeats
        steps = football.episode_steps
        self.learned = make_football(
            games * len(self.left), football.players, device, max_steps=steps, seed=seed, dense_reward=False
        )
        self.scripted = [
            make_football(
                games,
                football.players,
                device,
                max_steps=steps,
                seed=seed + 1 + i,
                dense_reward=False,
                bot_strength=r.strength,
            )
            for i, r in enumerate(r for r in references if r.strength is not None)
        ]
        self.generator = torch.Generator(device).manual_seed(seed)

    def _obs(self, env: Any) -> list[torch.Tensor]:
        return env.get_from_scenario(
            get_observations=True, get_rewards=False, get_infos=False, get_dones=False
        )[0]

    def _play(
        self, env: Any, levels: np.ndarray, blues: list[Policy], red: Policy | None, trace: bool = False
    ) -> Any:
        """Blue's outcome (+1/0/-1: first goal for, none, first goal against) in every world of ``env`` from
        ``levels`` (one row per world). ``blues``: one policy per equal block of worlds; ``red``: None when
        red is VMAS's scripted team. With ``trace``, also every step's positions."""
        env.reset()
        place(env, levels)
        n = self.football.players
        worlds = env.world.batch_dim
        outcome = torch.zeros(worlds, device=self.device)
        frames = [positions(env)] if trace else []
        obs = self._obs(env)
        for _ in range(self.football.episode_steps):
            blue = torch.stack(obs[:n], 1).reshape(len(blues), -1, obs[0].shape[-1])
            acts = [p.play(o, False, self.generator) for p, o in zip(blues, blue, strict=True)]
            actions = list(torch.cat(acts).reshape(worlds, n).unbind(1))
            if red is not None:
                red_obs = torch.stack(obs[n:], 1).reshape(worlds * n, -1)
                actions += list(red.play(red_obs, False, self.generator).reshape(worlds, n).unbind(1))
            obs = env.step(actions)[0]
            goal = goals(env)
            outcome = torch.where(outcome == 0, goal, outcome)  # the first goal decides the game
            if trace:
                frames.append(positions(env))
            if bool((outcome != 0).all()):
                break
        if trace:
            return outcome.cpu().numpy(), np.stack(frames, 1)
        return outcome.cpu().numpy()

    def values(self, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(self_play, cross_play)``: V(π_T, π_T) per level ``(L,)`` and V(π_R, π_T) ``(L, R)`` in the
        order of ``references``, each the mean of ``repeats`` games."""
        levels = np.asarray(levels, np.float64)
        count = len(levels)
        if count > self.capacity:
            raise ValueError(f"{count} levels for an evaluator built for {self.capacity}")
        # pad to the built batch size with copies of the first level (their games are dropped)
        padded = np.concatenate([levels, np.repeat(levels[:1], self.capacity - count, 0)])
        games = np.repeat(padded, self.repeats, 0)

        def mean(outcome: np.ndarray) -> np.ndarray:
            return outcome.reshape(-1, self.capacity, self.repeats).mean(-1)[:, :count]

        learned = mean(self._play(self.learned, np.tile(games, (len(self.left), 1)), self.left, self.target))
        # a scripted reference plays red (see make_football), so the target takes blue on the mirrored
        # level: the reference then stands where the level's left side stands, and its value is -blue's
        mirrored = mirror(games)
        scripted = [-mean(self._play(env, mirrored, [self.target], None))[0] for env in self.scripted]
        cross, b, s = [], 1, 0
        for r in self.references:
            if r.policy is not None:
                cross.append(learned[b])
                b += 1
            else:
                cross.append(scripted[s])
                s += 1
        return learned[0], np.stack(cross, 1) if cross else np.zeros((count, 0))

    def regret(self, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(regret (L, R), self_play (L,), cross_play (L, R))``."""
        sp, xp = self.values(levels)
        return xp - sp[:, None], sp, xp

    def replay(self, level: np.ndarray, reference: int) -> tuple[float, float, np.ndarray, np.ndarray]:
        """One game of the reference and one of the target (each on the left, against the target) from
        ``level``, with every step's positions in the level's orientation, for rendering:
        ``(reference's value, target's value, frames (steps, 1 + 2n, 2) each)``."""
        ref = self.references[reference]
        lv = np.asarray(level, np.float64)[None]
        fb = self.football
        if ref.policy is None:
            env = make_football(
                1,
                fb.players,
                self.device,
                max_steps=fb.episode_steps,
                seed=0,
                dense_reward=False,
                bot_strength=ref.strength,
            )
            out, frames = self._play(env, mirror(lv), [self.target], None, trace=True)
            out_r, frames_r = -out[0], _unmirror(frames[0], fb.players)
        else:
            env = make_football(
                1, fb.players, self.device, max_steps=fb.episode_steps, seed=0, dense_reward=False
            )
            out, frames = self._play(env, lv, [ref.policy], self.target, trace=True)
            out_r, frames_r = out[0], frames[0]
        env = make_football(
            1, fb.players, self.device, max_steps=fb.episode_steps, seed=0, dense_reward=False
        )
        out_s, frames_s = self._play(env, lv, [self.target], self.target, trace=True)
        return float(out_r), float(out_s[0]), frames_r, frames_s[0]


def _unmirror(frames: np.ndarray, players: int) -> np.ndarray:
    """Positions ``(steps, 1 + 2n, 2)`` of a mirrored game back in the level's orientation."""
    out = frames.copy()
    out[:, 1 : 1 + players], out[:, 1 + players :] = frames[:, 1 + players :], frames[:, 1 : 1 + players]
    out[..., 0] *= -1
    return out
