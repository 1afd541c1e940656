"""Maze levels: an explicit pytree (what UED methods generate, store, mutate and replay) and its ASCII form.

A level is the free parameter of the maze UPOMDP: walls, goal, agent start and direction. Coordinates are
``(x, y)`` with ``wall_map[y, x]``; directions 0 right, 1 down, 2 left, 3 up (JaxUED / MiniGrid). ASCII uses
``#`` wall, ``.`` free, ``G`` goal and ``> v < ^`` for the agent facing right/down/left/up; smaller layouts
are padded with walls on the bottom and right to the maze size (as JaxUED's ``pad_to_shape``).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

HEIGHT = WIDTH = 13
DIR_CHARS = ">v<^"


@struct.dataclass
class Level:
    wall_map: jax.Array  # (H, W) bool
    goal_pos: jax.Array  # (2,) int32, (x, y)
    agent_pos: jax.Array  # (2,) int32, (x, y)
    agent_dir: jax.Array  # () int32 in 0..3

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.wall_map.shape[-2:])  # type: ignore[return-value]

    def is_well_formed(self) -> jax.Array:
        """Agent and goal in bounds, on free cells, and apart; direction valid."""
        h, w = self.wall_map.shape[-2:]

        def inside(p: jax.Array) -> jax.Array:
            return (p[0] >= 0) & (p[0] < w) & (p[1] >= 0) & (p[1] < h)

        def free(p: jax.Array) -> jax.Array:
            return ~self.wall_map[jnp.clip(p[1], 0, h - 1), jnp.clip(p[0], 0, w - 1)]

        return (
            inside(self.agent_pos)
            & inside(self.goal_pos)
            & free(self.agent_pos)
            & free(self.goal_pos)
            & jnp.any(self.agent_pos != self.goal_pos)
            & (self.agent_dir >= 0)
            & (self.agent_dir < 4)
        )


def make_level(wall_map: np.ndarray, goal: tuple[int, int], agent: tuple[int, int], direction: int) -> Level:
    return Level(
        wall_map=jnp.asarray(wall_map, dtype=bool),
        goal_pos=jnp.asarray(goal, dtype=jnp.int32),
        agent_pos=jnp.asarray(agent, dtype=jnp.int32),
        agent_dir=jnp.asarray(direction, dtype=jnp.int32),
    )


def from_str(text: str, height: int = HEIGHT, width: int = WIDTH) -> Level:
    """Parse an ASCII level (exactly one goal and one agent), padding it with walls to ``height × width``."""
    rows = [r.strip() for r in text.strip().splitlines() if r.strip()]
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("an ASCII level needs non-empty rows of equal length")
    if len(rows) > height or len(rows[0]) > width:
        raise ValueError(f"level of {len(rows)}x{len(rows[0])} does not fit {height}x{width}")
    walls = np.ones((height, width), dtype=bool)
    goal, agent, direction = [], [], 0
    for y, row in enumerate(rows):
        for x, ch in enumerate(row):
            if ch not in "#.G" + DIR_CHARS:
                raise ValueError(f"unexpected character {ch!r} at row {y}, column {x}")
            walls[y, x] = ch == "#"
            if ch == "G":
                goal.append((x, y))
            elif ch in DIR_CHARS:
                agent.append((x, y))
                direction = DIR_CHARS.index(ch)
    if len(goal) != 1 or len(agent) != 1:
        raise ValueError(f"a level needs exactly one goal and one agent, found {len(goal)} and {len(agent)}")
    return make_level(walls, goal[0], agent[0], direction)


def to_str(level: Level) -> str:
    walls = np.asarray(level.wall_map)
    grid = np.where(walls, "#", ".").astype("<U1")
    gx, gy = np.asarray(level.goal_pos).tolist()
    ax, ay = np.asarray(level.agent_pos).tolist()
    grid[gy, gx] = "G"
    grid[ay, ax] = DIR_CHARS[int(level.agent_dir)]
    return "\n".join("".join(row) for row in grid)


def stack(levels: Sequence[Level]) -> Level:
    """A batch of levels (leading axis), e.g. the held-out set."""
    return jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *levels)


def index(levels: Level, i: int) -> Level:
    return jax.tree_util.tree_map(lambda x: x[i], levels)


def num_walls(level: Level) -> jax.Array:
    return jnp.sum(level.wall_map, axis=(-2, -1))
