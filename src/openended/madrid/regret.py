"""Playing levels and MADRID's fitness: the regret of the target against each reference policy.

V(π_L, π_R) is the value for the left (blue) team of a game from the level: +1 if it scores first, -1 if it
concedes first, 0 if nobody scores within the episode (the paper's §4). A level's regret against reference
π_R is V(π_R, π_T) − V(π_T, π_T): how much better the reference does than the target itself when each
plays the left side against the target, each value averaged over ``repeats`` games (actions are sampled,
so the games differ). It lies in [-2, 2].

All games of one call run together: one VMAS world batch where the left side is a learned policy (the target
itself for the self-play term, and every learned reference), one per scripted reference (VMAS builds a
scripted team into the world, at one strength per world batch); the learned left sides can be split over
several batches. Each batch holds levels × repeats games per left-side policy. The batches step one after
another in this process, or at once in worker processes (``parallel``), which on a GPU is nearly their
number times faster while CPU cores last.
"""

from __future__ import annotations

import contextlib
import copy
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


@dataclass
class Table:
    """One VMAS world batch and who plays in it: ``blues``, one policy per equal block of worlds on the
    left; on the right ``red`` (a learned policy) or VMAS's scripted team at ``strength``. It draws its
    actions from its own generator, so a table plays the same games in this process or in a worker."""

    blues: list[Policy]
    red: Policy | None
    strength: float | None
    worlds: int
    seed: int

    def build(self, football: FootballConfig, device: torch.device) -> Table:
        self.football, self.device = football, device
        self.blues = [p.to(device).eval() for p in self.blues]
        self.red = self.red.to(device).eval() if self.red is not None else None
        self.env = make_football(
            self.worlds,
            football.players,
            device,
            max_steps=football.episode_steps,
            seed=self.seed,
            dense_reward=False,
            bot_strength=self.strength,
        )
        self.generator = torch.Generator(device).manual_seed(self.seed)
        return self

    def play(self, levels: np.ndarray, trace: bool = False) -> Any:
        """Blue's outcome (+1/0/-1: first goal for, none, first goal against) in every world from
        ``levels`` (one row per world). With ``trace``, also every step's positions."""
        env, n = self.env, self.football.players
        env.reset()
        place(env, levels)
        outcome = torch.zeros(self.worlds, device=self.device)
        frames = [positions(env)] if trace else []
        obs = env.get_from_scenario(
            get_observations=True, get_rewards=False, get_infos=False, get_dones=False
        )[0]
        for _ in range(self.football.episode_steps):
            blue = torch.stack(obs[:n], 1).reshape(len(self.blues), -1, obs[0].shape[-1])
            acts = [p.play(o, False, self.generator) for p, o in zip(self.blues, blue, strict=True)]
            actions = list(torch.cat(acts).reshape(self.worlds, n).unbind(1))
            if self.red is not None:
                red_obs = torch.stack(obs[n:], 1).reshape(self.worlds * n, -1)
                actions += list(
                    self.red.play(red_obs, False, self.generator).reshape(self.worlds, n).unbind(1)
                )
            obs = env.step(actions)[0]
            outcome = torch.where(outcome == 0, goals(env), outcome)  # the first goal decides the game
            if trace:
                frames.append(positions(env))
            if bool((outcome != 0).all()):
                break
        if trace:
            return outcome.cpu().numpy(), np.stack(frames, 1)
        return outcome.cpu().numpy()


def _serve(conn: Any, table: Table, football: FootballConfig, device: str) -> None:
    """A worker process: builds its table, then plays each batch of levels it is sent until ``None``."""
    torch.set_num_threads(1)
    table.build(football, torch.device(device))
    while (levels := conn.recv()) is not None:
        conn.send(table.play(levels))


class _Remote:
    """A table in its own process. VMAS spends a step mostly in Python (its collision checks loop over
    entity pairs), ~65 ms on a GPU whether a batch holds 30 games or 10,000, so tables stepped one after
    another add up; in separate processes they step at once."""

    def __init__(self, table: Table, football: FootballConfig, device: torch.device) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # CUDA cannot be used in a forked child
        self.conn, child = ctx.Pipe()
        cpu = Table([copy.deepcopy(p).cpu() for p in table.blues],
                    copy.deepcopy(table.red).cpu() if table.red is not None else None,
                    table.strength, table.worlds, table.seed)  # fmt: skip
        self.proc = ctx.Process(target=_serve, args=(child, cpu, football, str(device)), daemon=True)
        self.proc.start()
        child.close()

    def send(self, levels: np.ndarray) -> None:
        self.conn.send(levels)

    def receive(self) -> np.ndarray:
        try:
            return self.conn.recv()  # type: ignore[no-any-return]
        except EOFError:
            raise RuntimeError(f"a game worker died (exit code {self.proc.exitcode})") from None

    def close(self) -> None:
        if self.proc.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self.conn.send(None)
            self.proc.join(timeout=10)
            if self.proc.is_alive():
                self.proc.kill()
        self.conn.close()


class Evaluator:
    """Values of levels for the target against itself and against every reference.

    ``levels_per_call`` fixes the world batches' sizes (VMAS worlds are built once); :meth:`values` takes at
    most that many levels. With ``parallel``, each world batch steps in its own worker process (call
    :meth:`close`, or use the evaluator as a context manager, to stop them)."""

    def __init__(
        self,
        target: Policy,
        references: list[Reference],
        football: FootballConfig,
        repeats: int,
        levels_per_call: int,
        device: torch.device,
        seed: int,
        parallel: bool = False,
        learned_batches: int = 1,
    ) -> None:
        self.target, self.references = target.to(device).eval(), references
        self.football, self.repeats, self.capacity = football, repeats, levels_per_call
        self.device, self.seed = device, seed
        # the left sides of the learned worlds: the target (self-play), then every learned reference,
        # split into ``learned_batches`` world batches of consecutive left sides (more batches: more
        # worker processes stepping at once when ``parallel``)
        self.left = [self.target] + [r.policy.to(device).eval() for r in references if r.policy is not None]
        games = levels_per_call * repeats
        groups = np.array_split(np.arange(len(self.left)), min(max(1, learned_batches), len(self.left)))
        self.groups = [len(g) for g in groups]
        tables = [
            Table([self.left[i] for i in g], self.target, None, games * len(g), seed + 1000 * k)
            for k, g in enumerate(groups)
        ] + [
            Table([self.target], None, r.strength, games, seed + 1 + i)
            for i, r in enumerate(r for r in references if r.strength is not None)
        ]
        self.tables: list[Table | _Remote] = (
            [_Remote(t, football, device) for t in tables]
            if parallel
            else [t.build(football, device) for t in tables]
        )

    def close(self) -> None:
        for t in self.tables:
            if isinstance(t, _Remote):
                t.close()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _play_all(self, batches: list[np.ndarray]) -> list[np.ndarray]:
        for t, b in zip(self.tables, batches, strict=True):
            if isinstance(t, _Remote):
                t.send(b)  # every worker starts before any result is awaited
        return [
            t.receive() if isinstance(t, _Remote) else t.play(b)
            for t, b in zip(self.tables, batches, strict=True)
        ]

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

        # a scripted reference plays red (see make_football), so the target takes blue on the mirrored
        # level: the reference then stands where the level's left side stands, and its value is -blue's
        mirrored = mirror(games)
        k = len(self.groups)
        batches = [np.tile(games, (g, 1)) for g in self.groups]
        out = self._play_all(batches + [mirrored] * (len(self.tables) - k))
        learned = np.concatenate([mean(o) for o in out[:k]])
        scripted = [-mean(o)[0] for o in out[k:]]
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
        """:meth:`replay_many` of one level."""
        return self.replay_many([(level, reference)])[0]

    def replay_many(
        self, items: list[tuple[np.ndarray, int]]
    ) -> list[tuple[float, float, np.ndarray, np.ndarray]]:
        """For each ``(level, reference index)``, one game of the reference and one of the target (each on
        the left, against the target), with every step's positions in the level's orientation, for
        rendering: ``(reference's value, target's value, frames (steps, 1 + 2n, 2) each)``. All games of
        one kind play in one world batch (a block of one world per game): a VMAS step costs about the same
        for one world as for a hundred, so a gallery of many levels takes a few batches' time."""
        n = self.football.players
        levels = np.asarray([lv for lv, _ in items], np.float64).reshape(len(items), -1)

        def play(blues: list[Policy], red: Policy | None, strength: float | None, lv: np.ndarray) -> Any:
            table = Table(blues, red, strength, len(lv), self.seed).build(self.football, self.device)
            return table.play(lv, trace=True)

        out_s, frames_s = play([self.target] * len(items), self.target, None, levels)
        ref_value = np.zeros(len(items))
        ref_frames: list[np.ndarray | None] = [None] * len(items)
        learned = [i for i, (_, r) in enumerate(items) if self.references[r].policy is not None]
        if learned:
            blues = [self.references[items[i][1]].policy for i in learned]
            out, frames = play(blues, self.target, None, levels[learned])  # type: ignore[arg-type]
            for j, i in enumerate(learned):
                ref_value[i], ref_frames[i] = out[j], frames[j]
        for strength in sorted({self.references[r].strength for _, r in items} - {None}):  # type: ignore[type-var]
            chosen = [i for i, (_, r) in enumerate(items) if self.references[r].strength == strength]
            out, frames = play([self.target] * len(chosen), None, strength, mirror(levels[chosen]))
            for j, i in enumerate(chosen):
                ref_value[i], ref_frames[i] = -out[j], _unmirror(frames[j], n)
        return [
            (float(ref_value[i]), float(out_s[i]), ref_frames[i], frames_s[i])  # type: ignore[misc]
            for i in range(len(items))
        ]


def _unmirror(frames: np.ndarray, players: int) -> np.ndarray:
    """Positions ``(steps, 1 + 2n, 2)`` of a mirrored game back in the level's orientation."""
    out = frames.copy()
    out[:, 1 : 1 + players], out[:, 1 + players :] = frames[:, 1 + players :], frames[:, 1 : 1 + players]
    out[..., 0] *= -1
    return out
