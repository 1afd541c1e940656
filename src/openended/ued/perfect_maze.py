"""Perfect mazes at any odd size: the ACCEL paper's harder out-of-distribution tests (Parker-Holder et al.
2022, the "PerfectMaze" family, evaluated at sizes beyond the 13 × 13 training grid).

A perfect maze has exactly one path between any two free cells (its free cells form a tree). Generator:
the recursive backtracker (a depth-first search from a random cell that knocks down the wall to a random
unvisited neighbour and backs up when there is none), on the cells at even coordinates of a ``size`` ×
``size`` grid; the cells at odd coordinates are walls unless a passage was carved through them. The agent
and the goal sit on two distinct free cells drawn uniformly, the agent's direction uniform. Everything comes
from ``numpy``'s generator seeded with ``(seed, size)``, so a set is the same on every machine. The agent's
5 × 5 view does not depend on the grid's size, so a policy trained on 13 × 13 levels runs on these
unchanged; give it an episode length that fits the size (:class:`openended.ued.maze.Maze` ``max_steps``).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from openended.ued.level import Level


def perfect_maze(size: int, rng: np.random.Generator) -> Level:
    """One ``size`` × ``size`` perfect maze (``size`` odd, at least 3)."""
    if size < 3 or size % 2 == 0:
        raise ValueError(f"a perfect maze needs an odd size of at least 3, not {size}")
    n = (size + 1) // 2  # cells per side, at even coordinates
    walls = np.ones((size, size), bool)
    visited = np.zeros((n, n), bool)
    start = (int(rng.integers(n)), int(rng.integers(n)))
    stack = [start]
    visited[start] = True
    walls[2 * start[0], 2 * start[1]] = False
    while stack:
        y, x = stack[-1]
        options = [
            (y + dy, x + dx)
            for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1))
            if 0 <= y + dy < n and 0 <= x + dx < n and not visited[y + dy, x + dx]
        ]
        if not options:
            stack.pop()
            continue
        ny, nx = options[int(rng.integers(len(options)))]
        visited[ny, nx] = True
        walls[2 * ny, 2 * nx] = False
        walls[y + ny, x + nx] = False  # the wall between the two cells, at (2y + 2ny) / 2
        stack.append((ny, nx))
    free = np.argwhere(~walls)  # (row, col) = (y, x)
    agent, goal = rng.choice(len(free), size=2, replace=False)
    return Level(
        wall_map=jnp.asarray(walls),
        goal_pos=jnp.asarray(free[goal][::-1], jnp.int32),
        agent_pos=jnp.asarray(free[agent][::-1], jnp.int32),
        agent_dir=jnp.asarray(int(rng.integers(4)), jnp.int32),
    )


def perfect_mazes(size: int, n: int, seed: int = 0) -> Level:
    """``n`` perfect mazes of one size, stacked on a leading axis (an evaluation set)."""
    rng = np.random.default_rng([seed, size])
    levels = [perfect_maze(size, rng) for _ in range(n)]
    return Level(
        wall_map=jnp.stack([lv.wall_map for lv in levels]),
        goal_pos=jnp.stack([lv.goal_pos for lv in levels]),
        agent_pos=jnp.stack([lv.agent_pos for lv in levels]),
        agent_dir=jnp.stack([lv.agent_dir for lv in levels]),
    )
