"""PAIRED's teacher (Dennis et al. 2020): a level-editor MDP whose episode builds one maze.

Actions are cell indices (``y·W + x``). Step 0 places the goal, step 1 the agent (facing the direction
drawn at reset), then each of ``n_walls`` steps toggles a wall; a wall on the goal's or the agent's cell is
ignored, as is an agent placed on the goal (it goes to the next cell). The observation is the whole current
map (the maze's object encoding plus the agent), the step index, and a random noise vector ``z`` drawn at
reset so the teacher can produce diverse levels (minimax's UEDMaze: 50 dims; JaxUED's editor: 16).
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
from flax import struct

from openended.ued.level import HEIGHT, WIDTH, Level
from openended.ued.maze import EMPTY, GOAL, WALL

AGENT = jnp.array([10, 0, 0], dtype=jnp.uint8)  # the maze's "agent" object id
UNSET = jnp.array([-1, -1], dtype=jnp.int32)


@struct.dataclass
class EditorObservation:
    image: jax.Array  # (H, W, 3) uint8
    time: jax.Array  # () int32
    noise: jax.Array  # (noise_dim,) float32


@struct.dataclass
class EditorState:
    wall_map: jax.Array
    goal_pos: jax.Array
    agent_pos: jax.Array
    agent_dir: jax.Array
    time: jax.Array
    noise: jax.Array


class MazeEditor:
    def __init__(
        self, n_walls: int = 25, noise_dim: int = 16, height: int = HEIGHT, width: int = WIDTH
    ) -> None:
        self.n_walls = n_walls
        self.noise_dim = noise_dim
        self.height, self.width = height, width
        self.num_actions = height * width
        self.episode_length = 2 + n_walls

    def reset(self, key: jax.Array) -> tuple[EditorObservation, EditorState]:
        k_dir, k_noise = jax.random.split(key)
        state = EditorState(
            wall_map=jnp.zeros((self.height, self.width), bool),
            goal_pos=UNSET,
            agent_pos=UNSET,
            agent_dir=jax.random.randint(k_dir, (), 0, 4),
            time=jnp.zeros((), jnp.int32),
            noise=jax.random.uniform(k_noise, (self.noise_dim,)),
        )
        return self.observe(state), state

    def observe(self, state: EditorState) -> EditorObservation:
        image = jnp.where(state.wall_map[..., None], WALL, EMPTY)
        ys, xs = jnp.mgrid[: self.height, : self.width]

        def at(pos: jax.Array) -> jax.Array:
            return ((xs == pos[0]) & (ys == pos[1]))[..., None]

        image = jnp.where(at(state.goal_pos), GOAL, image)
        image = jnp.where(at(state.agent_pos), AGENT, image)
        return EditorObservation(image, state.time, state.noise)

    def step(self, state: EditorState, action: jax.Array) -> tuple[EditorObservation, EditorState, jax.Array]:
        """Apply one edit; returns observation, state and whether the level is complete."""
        cell = jnp.stack([action % self.width, action // self.width]).astype(jnp.int32)
        t = state.time
        on_goal = jnp.all(cell == state.goal_pos)
        on_agent = jnp.all(cell == state.agent_pos)
        next_cell = (action + 1) % self.num_actions
        agent = jnp.where(on_goal, jnp.stack([next_cell % self.width, next_cell // self.width]), cell)
        toggled = state.wall_map.at[cell[1], cell[0]].set(~state.wall_map[cell[1], cell[0]])
        state = replace(
            state,
            goal_pos=jnp.where(t == 0, cell, state.goal_pos),
            agent_pos=jnp.where(t == 1, agent.astype(jnp.int32), state.agent_pos),
            wall_map=jnp.where((t >= 2) & ~on_goal & ~on_agent, toggled, state.wall_map),
            time=t + 1,
        )
        return self.observe(state), state, state.time >= self.episode_length

    @staticmethod
    def level(state: EditorState) -> Level:
        """The level built so far (complete once ``done``)."""
        return Level(state.wall_map, state.goal_pos, state.agent_pos, state.agent_dir)
