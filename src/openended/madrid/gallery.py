"""The gallery of adversarial levels: each top level replayed, drawn as an animation and its failure named.

The paper's authors named each failure by watching its video (own goals, missed easy chances, poor
defending, …). Here a level's two games — the reference on the left side, and the target on the left side,
each against the target — are drawn side by side as a GIF, and the failure is named by rules over the
recorded positions (who touched the ball last before a goal, where the ball started, whether the left side
ever reached it), so the words are reproducible; watching the GIF is how to check them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from openended.madrid.levels import GRF_HALF_WIDTH

REACH = 0.06  # pitch units: a player this close to the ball is taken to have touched it
NEAR_GOAL = 0.35  # a start this close to the right goal line is a chance
GOAL_HALF_WIDTH = 0.175 * GRF_HALF_WIDTH / 0.75  # VMAS's goal (0.35 wide on a 1.5 pitch) in pitch units


def _last_toucher(frames: np.ndarray, players: int) -> str | None:
    """'left' or 'right': the side whose player was last within reach of the ball (None: nobody)."""
    ball = frames[:, 0]
    blue, red = frames[:, 1 : 1 + players], frames[:, 1 + players :]
    for t in range(len(frames) - 1, -1, -1):
        d_blue = np.linalg.norm(blue[t] - ball[t], axis=-1).min()
        d_red = np.linalg.norm(red[t] - ball[t], axis=-1).min()
        if min(d_blue, d_red) <= REACH:
            return "left" if d_blue <= d_red else "right"
    return None


def describe(
    frames_ref: np.ndarray, frames_target: np.ndarray, value_ref: float, value_target: float, players: int
) -> str:
    """The failure the target shows on this level, in words (see the module's note on how)."""
    start = frames_target[0, 0]
    left_reach = np.linalg.norm(frames_target[:, 1 : 1 + players] - frames_target[:, None, 0], axis=-1)
    touched = bool((left_reach <= REACH).any())
    near = start[0] >= 1.0 - NEAR_GOAL
    own_half = start[0] < 0
    if value_target < 0:
        if _last_toucher(frames_target, players) == "left":
            words = "own goal: the target's last touch sends the ball into its own net"
        elif own_half:
            words = "poor defending: the target concedes from a start in its own half"
        else:
            words = "counter-attack conceded: the target loses a ball in the opponent's half and concedes"
        if value_ref >= 0:
            words += "; the reference, in the same place, does not concede"
        return words
    if value_ref > 0 and value_target == 0:
        if not touched:
            return (
                "never reaches the ball: the reference scores from here; "
                "the target's players do not get to it"
            )
        if near:
            return (
                "missed easy chance: the ball starts near the opponent's goal; "
                "the reference scores, the target does not"
            )
        return "no finish: the target has the ball but does not score where the reference does"
    if value_ref > value_target:
        return "weaker outcome than the reference in this game"
    return "no failure in this replay (the regret comes from the other repeats)"


def render_gif(
    path: Path,
    frames_ref: np.ndarray,
    frames_target: np.ndarray,
    titles: tuple[str, str],
    players: int,
    max_frames: int = 96,
) -> Path:
    """Both games side by side (the shorter game holds its last frame), every k-th step so the animation
    has at most ``max_frames`` frames. One figure is drawn once and its markers moved per frame: a fresh
    figure per step took ~20 s for a 384-step game."""
    import imageio.v2 as imageio

    steps = max(len(frames_ref), len(frames_target))
    stride = max(1, -(-steps // max_frames))
    fig = Figure(figsize=(8.0, 2.4), dpi=60, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    marks = []
    for k, title in enumerate(titles):
        ax = fig.add_subplot(1, 2, k + 1)
        ax.add_patch(Rectangle((-1, -GRF_HALF_WIDTH), 2, 2 * GRF_HALF_WIDTH, fill=False, lw=1))
        for side in (-1, 1):
            ax.plot([side, side], [-GOAL_HALF_WIDTH, GOAL_HALF_WIDTH], color="k", lw=3)
        empty = np.zeros((0, 2))
        marks.append(
            (
                ax.scatter(empty[:, 0], empty[:, 1], c="tab:blue", s=18),
                ax.scatter(empty[:, 0], empty[:, 1], c="tab:red", s=18),
                ax.scatter(empty[:, 0], empty[:, 1], c="k", s=10),
            )
        )
        ax.set_xlim(-1.1, 1.1)
        ax.set_ylim(-0.5, 0.5)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=8)
    images: list[Any] = []
    shown = list(range(0, steps, stride))
    if shown[-1] != steps - 1:
        shown.append(steps - 1)  # the end of the game is always shown
    for t in shown:
        for frames, (blue, red, ball) in zip((frames_ref, frames_target), marks, strict=True):
            f = frames[min(t, len(frames) - 1)]
            blue.set_offsets(f[1 : 1 + players])
            red.set_offsets(f[1 + players :])
            ball.set_offsets(f[:1])
        canvas.draw()
        images.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    imageio.mimsave(path, images, duration=0.08 * stride, loop=0)
    return path
