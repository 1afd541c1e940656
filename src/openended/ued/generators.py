"""Level generators: domain randomization (DR) and ACCEL's mutator.

- DR (as JaxUED/minimax): ``n_walls`` cells drawn uniformly *with replacement* become walls (so at most
  ``n_walls`` distinct walls), then the agent and the goal on distinct free cells, direction uniform.
- ACCEL mutator (Parker-Holder et al. 2022; minimax's maze mutator): ``num_edits`` edits, each drawn with
  probabilities ``edit_probs`` from NO_OP, FLIP_WALL (any cell but the agent's and goal's), MOVE_GOAL (to a
  free cell, not the agent's), MOVE_AGENT (to a free cell, not the goal's, new direction). The default
  probabilities (1/3 no-op, 1/3 flip, 1/3 move goal, 0 move agent) are minimax's, which JaxUED's ACCEL uses.
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp

from openended.ued.level import HEIGHT, WIDTH, Level

NO_OP, FLIP_WALL, MOVE_GOAL, MOVE_AGENT = range(4)
MINIMAX_EDIT_PROBS = (1 / 3, 1 / 3, 1 / 3, 0.0)


def _xy(index: jax.Array, width: int) -> jax.Array:
    return jnp.stack([index % width, index // width]).astype(jnp.int32)


def sample_level(key: jax.Array, n_walls: int, height: int = HEIGHT, width: int = WIDTH) -> Level:
    """A DR level (jittable; ``n_walls`` static)."""
    k_wall, k_agent, k_goal, k_dir = jax.random.split(key, 4)
    cells = height * width
    walls = jnp.zeros(cells, bool)
    if n_walls > 0:
        walls = walls.at[jax.random.randint(k_wall, (n_walls,), 0, cells)].set(True)
    agent = jax.random.choice(k_agent, cells, p=(~walls) / jnp.sum(~walls))
    taken = walls.at[agent].set(True)
    goal = jax.random.choice(k_goal, cells, p=(~taken) / jnp.sum(~taken))
    return Level(
        wall_map=walls.reshape(height, width),
        goal_pos=_xy(goal, width),
        agent_pos=_xy(agent, width),
        agent_dir=jax.random.randint(k_dir, (), 0, 4),
    )


def _flat(pos: jax.Array, width: int) -> jax.Array:
    return pos[1] * width + pos[0]


def _edit(key: jax.Array, level: Level, kind: jax.Array) -> Level:
    h, w = level.wall_map.shape
    walls = level.wall_map.reshape(-1)
    agent, goal = _flat(level.agent_pos, w), _flat(level.goal_pos, w)
    k_cell, k_dir = jax.random.split(key)

    def pick(mask: jax.Array) -> jax.Array:
        return jax.random.choice(k_cell, h * w, p=mask / jnp.maximum(jnp.sum(mask), 1))

    not_special = jnp.ones(h * w, bool).at[agent].set(False).at[goal].set(False)

    def flip_wall(level: Level) -> Level:
        cell = pick(not_special)
        return replace(level, wall_map=walls.at[cell].set(~walls[cell]).reshape(h, w))

    def move_goal(level: Level) -> Level:
        cell = pick(~walls & not_special)
        return replace(level, goal_pos=_xy(cell, w))

    def move_agent(level: Level) -> Level:
        cell = pick(~walls & not_special)
        return replace(level, agent_pos=_xy(cell, w), agent_dir=jax.random.randint(k_dir, (), 0, 4))

    return jax.lax.switch(kind, [lambda lv: lv, flip_wall, move_goal, move_agent], level)


def mutate_level(
    key: jax.Array, level: Level, num_edits: int, edit_probs: tuple[float, ...] = MINIMAX_EDIT_PROBS
) -> Level:
    """ACCEL's mutation: ``num_edits`` random edits (jittable; ``num_edits`` static)."""
    k_kinds, k_edits = jax.random.split(key)
    kinds = jax.random.choice(k_kinds, 4, (num_edits,), p=jnp.asarray(edit_probs))

    def body(level: Level, inputs: tuple[jax.Array, jax.Array]) -> tuple[Level, None]:
        k, kind = inputs
        return _edit(k, level, kind), None

    level, _ = jax.lax.scan(body, level, (jax.random.split(k_edits, num_edits), kinds))
    return level
