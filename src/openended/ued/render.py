"""Render levels and agent positions to images (numpy, for reports): walls grey, goal green, agent a red
triangle pointing its way, grid lines faint."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from openended.ued.level import Level, index

_WALL, _FLOOR, _GOAL, _AGENT, _GRID = (
    (0.45, 0.45, 0.45),
    (0.0, 0.0, 0.0),
    (0.1, 0.8, 0.2),
    (0.9, 0.1, 0.1),
    0.15,
)


def level_image(level: Level, tile: int = 16) -> np.ndarray:
    """An RGB float image (H·tile, W·tile, 3) of one level."""
    walls = np.asarray(level.wall_map)
    h, w = walls.shape
    img = np.zeros((h * tile, w * tile, 3))
    img[:] = _FLOOR
    for y, x in zip(*np.nonzero(walls), strict=True):
        img[y * tile : (y + 1) * tile, x * tile : (x + 1) * tile] = _WALL
    gx, gy = np.asarray(level.goal_pos).tolist()
    img[gy * tile + 1 : (gy + 1) * tile - 1, gx * tile + 1 : (gx + 1) * tile - 1] = _GOAL
    ax, ay = np.asarray(level.agent_pos).tolist()
    d = int(level.agent_dir)
    u, v = np.meshgrid(np.linspace(-1, 1, tile), np.linspace(-1, 1, tile))  # u: right, v: down
    # rotate the tile frame so the triangle points along the agent's direction (0 right, 1 down, ...)
    along, across = [(u, v), (v, -u), (-u, -v), (-v, u)][d]
    triangle = (along > -0.6) & (np.abs(across) < 0.6 * (0.7 - along) / 1.3) & (along < 0.7)
    patch = img[ay * tile : (ay + 1) * tile, ax * tile : (ax + 1) * tile]
    patch[triangle] = _AGENT
    img[::tile, :] = np.maximum(img[::tile, :], _GRID)
    img[:, ::tile] = np.maximum(img[:, ::tile], _GRID)
    return img


def levels_figure(levels: Level, titles: Sequence[str] | None = None, columns: int = 4) -> Figure:
    """A grid of rendered levels (``levels`` batched on the leading axis)."""
    n = int(np.asarray(levels.agent_dir).shape[0])
    rows = max(1, -(-n // columns))
    fig = Figure(figsize=(2.4 * min(n, columns), 2.55 * rows), layout="constrained")
    for i in range(n):
        ax = fig.add_subplot(rows, min(n, columns), i + 1)
        ax.imshow(level_image(index(levels, i)), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    return fig


def save_png(level: Level, path: str | os.PathLike, tile: int = 16) -> Path:
    import matplotlib.image

    path = Path(path)
    matplotlib.image.imsave(path, level_image(level, tile))
    return path
