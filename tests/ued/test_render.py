"""Rendering levels to images: tile colours, the agent's triangle pointing its way, figures and PNG files."""

import matplotlib.image
import numpy as np

from openended.ued import level as L
from openended.ued.render import level_image, levels_figure, save_png

GREY, BLACK, GREEN, RED = (0.45, 0.45, 0.45), (0.0, 0.0, 0.0), (0.1, 0.8, 0.2), (0.9, 0.1, 0.1)
TILE = 16


def tile(img, x, y):
    return img[y * TILE : (y + 1) * TILE, x * TILE : (x + 1) * TILE]


def red(patch):
    return np.all(patch == RED, axis=-1)


def test_tiles_have_the_colours_of_what_is_on_them():
    img = level_image(L.from_str("#>.G", height=2, width=4), TILE)  # second row padded with walls
    assert img.shape == (2 * TILE, 4 * TILE, 3)
    np.testing.assert_allclose(tile(img, 0, 0)[8, 8], GREY)
    np.testing.assert_allclose(tile(img, 2, 1)[8, 8], GREY)
    np.testing.assert_allclose(tile(img, 2, 0)[8, 8], BLACK)
    np.testing.assert_allclose(tile(img, 3, 0)[8, 8], GREEN)
    assert not red(tile(img, 3, 0)).any() and not red(tile(img, 2, 0)).any()
    assert red(tile(img, 1, 0)).sum() == red(img).sum() > 0  # the agent is drawn on its own tile only
    # faint grid lines on the tile borders, even over the black floor
    assert (tile(img, 2, 0)[0] >= 0.15).all() and (tile(img, 2, 0)[:, 0] >= 0.15).all()


def test_the_agent_triangle_narrows_towards_the_direction_it_faces():
    def widths(direction):
        level = L.from_str(".>G", height=1, width=3).replace(agent_dir=np.int32(direction))
        mask = red(tile(level_image(level, TILE), 1, 0))
        by_column, by_row = mask.sum(axis=0), mask.sum(axis=1)
        return by_column[by_column > 0], by_row[by_row > 0]

    def narrows(counts):  # never wider further on, and really narrower at the end than at the start
        return (np.diff(counts) <= 0).all() and counts[-1] < counts[0]

    right, left, down, up = widths(0)[0], widths(2)[0], widths(1)[1], widths(3)[1]
    assert narrows(right) and narrows(left[::-1])  # columns left to right / right to left
    assert narrows(down) and narrows(up[::-1])  # rows top to bottom / bottom to top
    np.testing.assert_array_equal(right, left[::-1])
    np.testing.assert_array_equal(down, up[::-1])


def test_levels_figure_draws_each_level_with_its_title():
    levels = L.stack([L.from_str(s) for s in (">.G", ">G", "G<", "v\nG", "^\nG")])
    titles = [f"level {i}" for i in range(5)]
    fig = levels_figure(levels, titles, columns=4)
    axes = fig.axes
    assert len(axes) == 5 and [ax.get_title() for ax in axes] == titles
    for i, ax in enumerate(axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), level_image(L.index(levels, i)))
    assert (axes[4].get_subplotspec().rowspan.start, axes[4].get_subplotspec().colspan.start) == (1, 0)


def test_save_png_writes_the_rendered_image(tmp_path):
    level = L.from_str("#>G", height=1, width=3)
    path = save_png(level, tmp_path / "level.png", tile=8)
    assert path.read_bytes()[:4] == b"\x89PNG"
    back = matplotlib.image.imread(path)
    assert back.shape[:2] == (8, 24)
    np.testing.assert_allclose(back[4, 4, :3], GREY, atol=1 / 255)
    np.testing.assert_allclose(back[4, 20, :3], GREEN, atol=1 / 255)
