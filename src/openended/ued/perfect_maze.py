"""Perfect mazes: the ACCEL paper's harder out-of-distribution tests (Parker-Holder et al. 2022, Table 5 and
Figure 8: "PerfectMazeMedium/Large/XL", from dcd's ``envs/multigrid/mst_maze.py``), evaluated at sizes far
beyond the 13 × 13 training grid.

The family as dcd defines it: a grid of ``size`` × ``size`` cells *including* its outer wall (21, 51, 101);
the interior's cells at even coordinates are rooms, joined by a random spanning tree built with Kruskal's
algorithm (every wall between two rooms in random order, knocked down when the rooms are not yet connected);
the agent and the goal sit on two distinct corners of the interior; an episode lasts ``2 · size²`` steps. Our
``Level`` holds the interior only (its border is implicit), so ``PerfectMazeLarge`` is a 49 × 49 wall map.
A perfect maze has exactly one path between any two free cells. Everything is drawn from ``numpy``'s
generator seeded with ``(seed, size)``, so a set is the same on every machine. The agent's 5 × 5 view does not
depend on the grid's size, so a policy trained on 13 × 13 levels runs on these unchanged with the longer
episode (:func:`episode_length`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # jax loads only when mazes are made: the CLI and configs read the names without it
    from openended.ued.level import Level

# name -> interior side (dcd's grid sizes 21, 51, 101 less their outer wall)
PERFECT_MAZES = {"PerfectMazeMedium": 19, "PerfectMazeLarge": 49, "PerfectMazeXL": 99}


def episode_length(size: int) -> int:
    """dcd's default ``max_steps = 2 · grid_size²``, its grid counting the outer wall."""
    return 2 * (size + 2) ** 2


def _root(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving: the trees stay shallow
        i = int(parent[i])
    return i


def perfect_maze(size: int, rng: np.random.Generator) -> Level:
    """One perfect maze with a ``size`` × ``size`` interior (``size`` odd, at least 3)."""
    if size < 3 or size % 2 == 0:
        raise ValueError(f"a perfect maze needs an odd size of at least 3, not {size}")
    import jax.numpy as jnp

    from openended.ued.level import Level

    n = (size + 1) // 2  # rooms per side, at even coordinates
    walls = np.ones((size, size), bool)
    walls[::2, ::2] = False
    # the walls between neighbouring rooms, as (room a, room b), rooms numbered y * n + x
    right = [(y * n + x, y * n + x + 1) for y in range(n) for x in range(n - 1)]
    down = [(y * n + x, (y + 1) * n + x) for y in range(n - 1) for x in range(n)]
    edges = np.array(right + down)
    parent = np.arange(n * n)
    for a, b in edges[rng.permutation(len(edges))]:
        ra, rb = _root(parent, int(a)), _root(parent, int(b))
        if ra != rb:
            parent[ra] = rb
            (ya, xa), (yb, xb) = divmod(int(a), n), divmod(int(b), n)
            walls[ya + yb, xa + xb] = False  # the cell between rooms (2ya, 2xa) and (2yb, 2xb)
    corners = np.array([(0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)])  # (x, y)
    agent, goal = rng.choice(4, size=2, replace=False)
    return Level(
        wall_map=jnp.asarray(walls),
        goal_pos=jnp.asarray(corners[goal], jnp.int32),
        agent_pos=jnp.asarray(corners[agent], jnp.int32),
        agent_dir=jnp.asarray(int(rng.integers(4)), jnp.int32),
    )


def perfect_mazes(size: int, n: int, seed: int = 0) -> Level:
    """``n`` perfect mazes of one size, stacked on a leading axis (an evaluation set)."""
    import jax.numpy as jnp

    from openended.ued.level import Level

    rng = np.random.default_rng([seed, size])
    levels = [perfect_maze(size, rng) for _ in range(n)]
    return Level(
        wall_map=jnp.stack([lv.wall_map for lv in levels]),
        goal_pos=jnp.stack([lv.goal_pos for lv in levels]),
        agent_pos=jnp.stack([lv.agent_pos for lv in levels]),
        agent_dir=jnp.stack([lv.agent_dir for lv in levels]),
    )


def named_set(name: str, n: int, seed: int = 0) -> Level:
    """``n`` mazes of one of :data:`PERFECT_MAZES`, e.g. ``named_set("PerfectMazeLarge", 20)``."""
    if name not in PERFECT_MAZES:
        raise ValueError(f"unknown perfect-maze set {name!r}; known: {', '.join(PERFECT_MAZES)}")
    return perfect_mazes(PERFECT_MAZES[name], n, seed)
