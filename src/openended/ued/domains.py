"""UPOMDP domains with explicit levels and an oracle value, for training any UED method on them.

- ``maze``: the 13×13 maze (``maze.py``) with DR levels.
- ``lever`` (the lever game; Beukman et al. 2024): a one-step bandit with ``n`` levers. A level is the
  correct lever and whether it is *shown*: the observation is the one-hot of the correct lever, or of an extra
  "hidden" index. Reward +1 for the correct lever, −1 otherwise, ×10 on hidden levels.
- ``tmaze`` (the T-maze / maze mix; Beukman et al. 2024): with probability ``tmaze_prob`` a T-maze (agent at
  the centre facing up, walled in but for the cells to its left and right; the goal on a random side and
  *hidden* from the observation; random walls only in the outer ring, beyond the agent's view, so all T-mazes
  look alike); otherwise a DR maze. On a T-maze the first forward action ends the episode: +1 if it enters
  the goal, −1 otherwise.
- ``blindfold`` (Beukman et al. 2024): DR mazes, with probability ``blind_prob`` *blind*: the observation
  (view and direction) is a constant 10, whatever happens.

Each domain has a *flag* per level marking its irreducible-regret levels (hidden levers, T-mazes, blind
mazes): there even the best policy that sees only observations has high regret, so a minimax-regret adversary
floods its buffer with them; the other levels are where minimax regret gives no incentive to learn.

Oracle value ``V*(level)``: the discounted return of the best level-aware policy (it knows the hidden answer),
the regret oracle of ReMiDi (``perfect_regret``). Rewards are discounted from each episode's first step
(``γ^i`` for the reward of step ``i``): a maze whose goal is ``n`` actions away gives
``(1 − 0.9·n/T)·γ^(n−1)``; a T-maze ``γ`` (turn, then step in); a lever ``1`` shown, ``10`` hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import jax
import jax.numpy as jnp
from flax import struct

from openended.ued import generators
from openended.ued.config import DomainConfig, DomainName
from openended.ued.level import HEIGHT, WIDTH, Level
from openended.ued.maze import FORWARD, Maze, MazeState, Observation

# -- the oracle for mazes ----------------------------------------------------------------------------------
_MOVES = ((1, 0), (0, 1), (-1, 0), (0, -1))  # maze.DIR_TO_VEC as static ints: right, down, left, up


def optimal_actions(level: Level) -> jax.Array:
    """Fewest actions (turns included) from the start to entering the goal; ``-1`` if unreachable.
    Jittable breadth-first search over (direction, y, x)."""
    h, w = level.wall_map.shape
    big = jnp.int32(4 * h * w + 1)
    free = (~level.wall_map).at[level.goal_pos[1], level.goal_pos[0]].set(True)
    d = jnp.full((4, h, w), big).at[level.agent_dir, level.agent_pos[1], level.agent_pos[0]].set(0)

    def shift(a: jax.Array, dx: int, dy: int) -> jax.Array:
        """``a`` moved by (dx, dy): out[y, x] = a[y - dy, x - dx], ``big`` where that is off the grid."""
        pad = jnp.pad(a, 1, constant_values=big)
        return pad[1 - dy : 1 - dy + h, 1 - dx : 1 - dx + w]

    goal = jnp.zeros((h, w), bool).at[level.goal_pos[1], level.goal_pos[0]].set(True)

    def relax(_: int, d: jax.Array) -> jax.Array:
        src = jnp.where(goal[None], big, d)  # entering the goal ends the episode: nothing continues from it
        turns = jnp.minimum(jnp.roll(src, 1, axis=0), jnp.roll(src, -1, axis=0)) + 1
        forward = jnp.stack([shift(src[k], dx, dy) for k, (dx, dy) in enumerate(_MOVES)])
        return jnp.minimum(d, jnp.minimum(turns, jnp.where(free[None], forward + 1, big)))

    d = jax.lax.fori_loop(0, 4 * h * w, relax, d)
    best = d[:, level.goal_pos[1], level.goal_pos[0]].min()
    return jnp.where(best >= big, -1, best)


def maze_oracle_value(level: Level, gamma: float, max_steps: int) -> jax.Array:
    n = optimal_actions(level)
    value = (1.0 - 0.9 * n / max_steps) * gamma ** (n - 1).astype(jnp.float32)
    return jnp.where((n > 0) & (n <= max_steps), value, 0.0)


# -- the lever game ----------------------------------------------------------------------------------------
LEVER_NONCES = 10_000  # ReMiDi's arbitrary_number range


@struct.dataclass
class LeverLevel:
    answer: jax.Array  # () int32
    hidden: jax.Array  # () bool
    # a number in [0, 10 000) that changes nothing in the game: ReMiDi's `arbitrary_number`. The buffer merges
    # equal levels, so without it at most 25 hidden levels could sit in a buffer and the rest of it would
    # hold shown levers whatever their score; with it, a buffer can fill with copies of one lever problem
    nonce: jax.Array  # () int32


@struct.dataclass
class LeverState:
    level: LeverLevel


class LeverGame:
    """One-step episodes; :meth:`step` auto-replays the same level, as the maze does."""

    def __init__(self, levers: int) -> None:
        self.levers = levers
        self.num_actions = levers
        self.max_steps = 1

    def observe(self, level: LeverLevel) -> Observation:
        shown = jnp.where(level.hidden, self.levers, level.answer)
        return Observation(jax.nn.one_hot(shown, self.levers + 1), jnp.zeros((), jnp.int32))

    def reset_to_level(self, level: LeverLevel) -> tuple[Observation, LeverState]:
        return self.observe(level), LeverState(level)

    def step(
        self, state: LeverState, action: jax.Array
    ) -> tuple[Observation, LeverState, jax.Array, jax.Array, dict[str, Any]]:
        level = state.level
        reward = jnp.where(action == level.answer, 1.0, -1.0) * jnp.where(level.hidden, 10.0, 1.0)
        return self.observe(level), state, reward, jnp.ones((), bool), {"solved": reward > 0}


# -- mazes with a flag: T-maze mix and blindfold -----------------------------------------------------------
@struct.dataclass
class FlaggedLevel:
    maze: Level
    flag: jax.Array  # () bool: a T-maze (tmaze) or a blind level (blindfold)


@struct.dataclass
class FlaggedState:
    maze: MazeState
    flag: jax.Array


BLIND = 10  # ReMiDi's constant observation


class FlaggedMaze:
    """The maze, where flagged levels are T-mazes (hidden goal, one move) or blind (constant observation)."""

    def __init__(self, kind: Literal["tmaze", "blindfold"], max_steps: int) -> None:
        self.kind = kind
        self.maze = Maze(max_steps=max_steps)
        self.num_actions = self.maze.num_actions
        self.max_steps = max_steps

    def observe(self, state: FlaggedState) -> Observation:
        obs = self.maze.observe(state.maze)
        if self.kind == "blindfold":
            blind = Observation(jnp.full_like(obs.image, BLIND), jnp.full_like(obs.agent_dir, BLIND))
            return jax.tree_util.tree_map(lambda b, o: jnp.where(state.flag, b, o), blind, obs)
        # a T-maze's goal is hidden: its cell reads as empty
        hidden = replace(state.maze.level, goal_pos=jnp.array([-1, -1], jnp.int32))
        unseen = self.maze.observe(replace(state.maze, level=hidden))
        return jax.tree_util.tree_map(lambda h, o: jnp.where(state.flag, h, o), unseen, obs)

    def reset_to_level(self, level: FlaggedLevel) -> tuple[Observation, FlaggedState]:
        _, maze_state = self.maze.reset_to_level(level.maze)
        state = FlaggedState(maze_state, level.flag)
        return self.observe(state), state

    def step(
        self, state: FlaggedState, action: jax.Array
    ) -> tuple[Observation, FlaggedState, jax.Array, jax.Array, dict[str, Any]]:
        maze_state, reward, done = self.maze.step_env(state.maze, action)
        if self.kind == "tmaze":
            moved = state.flag & (action == FORWARD)
            reward = jnp.where(state.flag, jnp.where(moved, jnp.where(reward > 0, 1.0, -1.0), 0.0), reward)
            done = jnp.where(state.flag, moved | done, done)
        _, fresh = self.maze.reset_to_level(state.maze.level)
        maze_state = jax.tree_util.tree_map(lambda a, b: jnp.where(done, a, b), fresh, maze_state)
        nxt = FlaggedState(maze_state, state.flag)
        return self.observe(nxt), nxt, reward, done, {"solved": reward > 0}


def tmaze_level(key: jax.Array, n_walls: int) -> Level:
    """A T-maze: agent at the centre facing up, open only to its left and right, the goal on a random side;
    ``n_walls`` random walls in the two outer rings (beyond the 5×5 view from anywhere the agent can be)."""
    k_side, k_walls = jax.random.split(key)
    cx, cy = WIDTH // 2, HEIGHT // 2
    ys, xs = jnp.mgrid[:HEIGHT, :WIDTH]
    near = (jnp.abs(xs - cx) <= 1) & (jnp.abs(ys - cy) <= 1)
    open_cells = (ys == cy) & (jnp.abs(xs - cx) <= 1)
    outer = (jnp.abs(xs - cx) >= 5) | (jnp.abs(ys - cy) >= 5)
    cells = jax.random.choice(k_walls, HEIGHT * WIDTH, (n_walls,), p=outer.ravel() / outer.sum())
    walls = (near & ~open_cells) | jnp.zeros(HEIGHT * WIDTH, bool).at[cells].set(True).reshape(HEIGHT, WIDTH)
    side = jnp.where(jax.random.bernoulli(k_side), 1, -1)
    return Level(
        wall_map=walls,
        goal_pos=jnp.array([cx, cy], jnp.int32) + jnp.stack([side, 0]).astype(jnp.int32),
        agent_pos=jnp.array([cx, cy], jnp.int32),
        agent_dir=jnp.int32(3),
    )


# -- the domain object the trainers use --------------------------------------------------------------------
@dataclass
class Domain:
    """What a UED trainer needs of a domain: the env, DR level sampling, the oracle value and the flag."""

    name: DomainName
    env: Any
    sample_level: Any  # key -> level
    oracle_value: Any  # level, gamma -> V*
    flag: Any  # level -> bool (irreducible-regret level)
    flag_names: tuple[str, str] = field(default=("irreducible", "reducible"))  # (flagged, other)
    from_maze: Any = None  # maze Level -> this domain's level (held-out mazes); None: mazes do not apply
    fixed_score: Any = None  # level -> the oracle score in place of V* - return (the lever game, as ReMiDi)
    shown_levels: Any = None  # () -> every level without a regret incentive, evaluated each time (levers)


def make_domain(cfg: DomainConfig, n_walls: int, max_steps: int) -> Domain:
    if cfg.name == "maze":
        return Domain(
            "maze",
            Maze(max_steps=max_steps),
            lambda k: generators.sample_level(k, n_walls),
            lambda lv, g: maze_oracle_value(lv, g, max_steps),
            lambda lv: jnp.zeros((), bool),
            from_maze=lambda lv: lv,
        )
    if cfg.name == "lever":

        def sample_lever(key: jax.Array) -> LeverLevel:
            k1, k2, k3 = jax.random.split(key, 3)
            answer = jax.random.randint(k1, (), 0, cfg.levers)
            nonce = jax.random.randint(k3, (), 0, LEVER_NONCES)
            return LeverLevel(answer, jax.random.bernoulli(k2, cfg.hidden_prob), nonce)

        def lever_value(lv: LeverLevel, gamma: float) -> jax.Array:
            return jnp.where(lv.hidden, 10.0, 1.0)

        return Domain(
            "lever",
            LeverGame(cfg.levers),
            sample_lever,
            lever_value,
            lambda lv: lv.hidden,
            ("hidden", "shown"),
            # ReMiDi's code scores a lever level by this constant, whatever the policy does (plr.py,
            # `perfect_regret` under `lever_game`): hidden levels always outrank shown ones
            fixed_score=(lambda lv: lever_value(lv, 1.0)) if cfg.lever_score == "constant" else None,
            shown_levels=lambda: LeverLevel(
                jnp.arange(cfg.levers, dtype=jnp.int32),
                jnp.zeros(cfg.levers, bool),
                jnp.zeros(cfg.levers, jnp.int32),
            ),
        )
    prob = cfg.tmaze_prob if cfg.name == "tmaze" else cfg.blind_prob

    def sample_flagged(key: jax.Array) -> FlaggedLevel:
        k_flag, k_maze, k_t = jax.random.split(key, 3)
        flag = jax.random.bernoulli(k_flag, prob)
        maze = generators.sample_level(k_maze, n_walls)
        if cfg.name == "tmaze":
            maze = jax.tree_util.tree_map(lambda t, m: jnp.where(flag, t, m), tmaze_level(k_t, n_walls), maze)
        return FlaggedLevel(maze, flag)

    def flagged_value(level: FlaggedLevel, gamma: float) -> jax.Array:
        maze_value = maze_oracle_value(level.maze, gamma, max_steps)
        return jnp.where(level.flag & (cfg.name == "tmaze"), gamma, maze_value)

    return Domain(
        cfg.name,
        FlaggedMaze(cfg.name, max_steps),  # type: ignore[arg-type]
        sample_flagged,
        flagged_value,
        lambda lv: lv.flag,
        ("tmaze", "maze") if cfg.name == "tmaze" else ("blind", "sighted"),
        from_maze=lambda lv: FlaggedLevel(lv, jnp.zeros(lv.agent_dir.shape, bool)),
    )
