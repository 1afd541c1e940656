"""The standard held-out mazes of the UED literature (dcd, minimax, JaxUED), as benchmark layouts.

Evaluating on exactly these layouts is what makes solve rates comparable across papers; they are written here
in this project's ASCII format (see ``level.py``). ``HELD_OUT`` lists the eight used for the headline metric.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # this module is plain data; JAX loads only when a level is built
    from openended.ued.level import Level

PREFABS: dict[str, str] = {
    "SixteenRooms": """
...#..#..#...
.>.......#...
...#..#......
#.###.##.###.
...#.........
......#..#...
##.#.##.###.#
...#.....#...
...#..#......
.####.##.#.##
...#..#..#...
......#....G.
...#.....#...
""",
    "SixteenRooms2": """
...#.....#...
.>....#..#...
...#..#..#...
####.##.###.#
...#..#......
......#..#...
#.#####.#####
...#..#..#...
...#.........
##.##.##.####
...#..#..#...
......#....G.
...#..#..#...
""",
    "Labyrinth": """
.............
.###########.
.#.........#.
.#.#######.#.
.#.#.....#.#.
.#.#.###.#.#.
.#.#.#G#.#.#.
.#.#.#.#.#.#.
.#...#...#.#.
.#########.#.
.....#.....#.
####.#.#####.
>....#.......
""",
    "LabyrinthFlipped": """
.............
.###########.
.#.........#.
.#.#######.#.
.#.#.....#.#.
.#.#.###.#.#.
.#.#.#G#.#.#.
.#.#.#.#.#.#.
.#.#...#...#.
.#.#########.
.#.....#.....
.#####.#.####
.......#....<
""",
    "Labyrinth2": """
>#...........
.#.#########.
.#.#.......#.
.#.#.#####.#.
.#.#.#...#.#.
...#.#.#.#.#.
####.#G#.#.#.
...#.###.#.#.
.#.#.....#.#.
.#.#######.#.
.#.........#.
.###########.
.............
""",
    "StandardMaze": """
.....#>...#..
.###.####.##.
.#...........
.########.###
........#....
######.#####.
....#..#.....
.##...##.####
..#.#..#...#.
#.#.##.###.#.
#.#..#...#...
#.##.###.###.
...#..G#.#...
""",
    "StandardMaze2": """
...#.#....#..
.#.#.####...#
.#........#..
.########.###
...#..#.#.#.G
##.#.##.#.#..
>#.#....#.##.
.#.##.###..#.
.#..#..###.#.
.##.##.#.#.#.
.#...#.#.#.#.
.#.#.#.#.#.#.
...#...#.....
""",
    "StandardMaze3": """
...>#.#......
.####.#.####.
.#....#.#....
...####.#.#.#
##.#....#.#..
...#.##.#.##.
.#.#.#..#..#G
.#.#.#.###.##
.#...#.#.#...
.###.#.#.###.
.#...#.#...#.
.#.###.#.#.#.
.#...#...#...
""",
    # Small sanity levels (not part of the held-out set).
    "Corridor": """
>...........G
""",
    "SmallRoom": """
.......
.......
...^...
.......
.....G.
""",
    "Detour": """
.......
.###...
.#G#...
.#.#...
...>...
""",
    "OpenRoom": """
.............
.............
.............
.............
.............
.............
......>......
.............
.............
.............
.............
.............
............G
""",
}

HELD_OUT: tuple[str, ...] = (
    "SixteenRooms",
    "SixteenRooms2",
    "Labyrinth",
    "LabyrinthFlipped",
    "Labyrinth2",
    "StandardMaze",
    "StandardMaze2",
    "StandardMaze3",
)


def load(name: str) -> Level:
    from openended.ued.level import from_str

    if name not in PREFABS:
        raise KeyError(f"unknown prefab {name!r}; known: {', '.join(PREFABS)}")
    return from_str(PREFABS[name])


def load_many(names: tuple[str, ...] = HELD_OUT) -> Level:
    from openended.ued.level import stack

    return stack([load(n) for n in names])
