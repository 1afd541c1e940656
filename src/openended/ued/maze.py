"""The maze UPOMDP with JaxUED's semantics, so numbers compare with the UED literature.

- 13×13 grid (the MiniGrid border is implicit: outside the grid reads as wall); levels from ``level.py``.
- Observation: the 5×5 cells in front of the agent (agent at the bottom centre, facing up), each encoded as
  (object, colour, state) = empty (1, 0, 0), wall (2, 5, 0), goal (8, 1, 0); walls do not occlude; plus the
  agent's direction. Laid out exactly as JaxUED's (its view is transposed, ``image[x, y]``).
- Actions: 7 (left, right, forward, pickup, drop, toggle, done); only the first three act.
- Moving forward into a wall, the grid edge or the goal leaves the agent in place; moving into the goal ends
  the episode with reward ``1 − 0.9·(t+1)/T``; otherwise reward 0 and the episode ends at ``t = T`` (250).
- Auto-replay: :meth:`Maze.step` restarts the *same* level when an episode ends (JaxUED's AutoReplayWrapper),
  returning the first observation of the new episode with the finished episode's reward and ``done``.
Everything is a pure function of pytrees: jit and vmap freely.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from openended.ued.level import Level

DIR_TO_VEC = jnp.array([(1, 0), (0, 1), (-1, 0), (0, -1)], dtype=jnp.int32)  # right, down, left, up
LEFT, RIGHT, FORWARD = 0, 1, 2
NUM_ACTIONS = 7
EMPTY = jnp.array([1, 0, 0], dtype=jnp.uint8)
WALL = jnp.array([2, 5, 0], dtype=jnp.uint8)
GOAL = jnp.array([8, 1, 0], dtype=jnp.uint8)


@struct.dataclass
class Observation:
    image: jax.Array  # (view, view, 3) uint8
    agent_dir: jax.Array  # () int32


@struct.dataclass
class MazeState:
    level: Level  # kept for auto-replay
    agent_pos: jax.Array
    agent_dir: jax.Array
    time: jax.Array


class Maze:
    """Stateless environment object: configuration only, all state in :class:`MazeState`."""

    def __init__(self, max_steps: int = 250, view_size: int = 5) -> None:
        if view_size % 2 != 1:
            raise ValueError("view_size must be odd")
        self.max_steps = max_steps
        self.view_size = view_size
        self.num_actions = NUM_ACTIONS

    def reset_to_level(self, level: Level) -> tuple[Observation, MazeState]:
        state = MazeState(level, level.agent_pos, level.agent_dir, jnp.zeros((), jnp.int32))
        return self.observe(state), state

    def observe(self, state: MazeState) -> Observation:
        level = state.level
        h, w = level.wall_map.shape
        v = self.view_size
        forward = DIR_TO_VEC[state.agent_dir]
        right = DIR_TO_VEC[(state.agent_dir + 1) % 4]
        rows = jnp.arange(v)[:, None, None]  # 0 = farthest ahead, v-1 = the agent's row
        cols = jnp.arange(v)[None, :, None]  # v//2 = the agent's column, larger = to its right
        cells = state.agent_pos + (v - 1 - rows) * forward + (cols - v // 2) * right  # (v, v, 2) as (x, y)
        x, y = cells[..., 0], cells[..., 1]
        inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        wall = ~inside | level.wall_map[jnp.clip(y, 0, h - 1), jnp.clip(x, 0, w - 1)]
        goal = inside & (x == level.goal_pos[0]) & (y == level.goal_pos[1])
        view = jnp.where(wall[..., None], WALL, jnp.where(goal[..., None], GOAL, EMPTY))
        return Observation(view.transpose(1, 0, 2), state.agent_dir)

    def step_env(self, state: MazeState, action: jax.Array) -> tuple[MazeState, jax.Array, jax.Array]:
        """One transition without auto-replay: ``(next_state, reward, done)``."""
        level = state.level
        h, w = level.wall_map.shape
        target = state.agent_pos + (action == FORWARD) * DIR_TO_VEC[state.agent_dir]
        target = jnp.clip(target, 0, jnp.array([w - 1, h - 1]))
        hits_wall = level.wall_map[target[1], target[0]]
        hits_goal = jnp.all(target == level.goal_pos)
        position = jnp.where(hits_wall | hits_goal, state.agent_pos, target)
        direction = (state.agent_dir + (action == RIGHT) - (action == LEFT)) % 4
        reward = jnp.where(hits_goal, 1.0 - 0.9 * (state.time + 1) / self.max_steps, 0.0)
        time = state.time + 1
        done = hits_goal | (time >= self.max_steps)
        return replace(state, agent_pos=position, agent_dir=direction, time=time), reward, done

    def step(
        self, state: MazeState, action: jax.Array
    ) -> tuple[Observation, MazeState, jax.Array, jax.Array, dict[str, Any]]:
        """A transition with auto-replay: after ``done`` the state is the same level's start."""
        next_state, reward, done = self.step_env(state, action)
        _, fresh = self.reset_to_level(state.level)
        next_state = jax.tree_util.tree_map(lambda a, b: jnp.where(done, a, b), fresh, next_state)
        return self.observe(next_state), next_state, reward, done, {"solved": reward > 0}


def shortest_path_length(level: Level) -> jax.Array:
    """Fewest forward moves from the agent to a cell next to the goal, plus one for the move into it
    (turns not counted); ``-1`` when the goal is unreachable. Jittable breadth-first search."""
    h, w = level.wall_map.shape
    big = jnp.int32(h * w + 1)
    dist = jnp.full((h, w), big).at[level.agent_pos[1], level.agent_pos[0]].set(0)
    free = ~level.wall_map
    goal = jnp.zeros((h, w), bool).at[level.goal_pos[1], level.goal_pos[0]].set(True)

    def relax(_: int, d: jax.Array) -> jax.Array:
        pad = jnp.pad(d, 1, constant_values=big)
        best = jnp.minimum(
            jnp.minimum(pad[:-2, 1:-1], pad[2:, 1:-1]), jnp.minimum(pad[1:-1, :-2], pad[1:-1, 2:])
        )
        # the goal cell is entered, never passed through: it only receives a distance
        return jnp.where(free, jnp.minimum(d, best + 1), d)

    dist = jax.lax.fori_loop(0, h * w, relax, jnp.where(goal, big, dist))
    d = dist[level.goal_pos[1], level.goal_pos[0]]
    return jnp.where(d >= big, -1, d)
