"""How long must a game from a MADRID level last in VMAS football for goals to happen?

The paper plays 128 Google Research Football steps (~13 s of game time) from each level. VMAS's step is a
different unit, so this measures it: the hand-written chasing team (``openended.madrid.chaser``) plays from
random levels — the distribution the search starts from — against VMAS's scripted team at 0.05 (it barely
moves) and 0.95, and against itself; each game runs to 1000 steps and records when the first goal fell.
The share of games decided within L steps, for several L, is what an episode of L steps can resolve.

    python benchmarks/madrid/calibrate.py [--players 5] [--worlds 256]
writes ``benchmarks/results/madrid-episode-length.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
from pathlib import Path

import numpy as np
import torch

from openended.madrid.chaser import Chaser
from openended.madrid.levels import mirror, place, random_levels
from openended.rl.vmas import goals, make_football

RESULTS = Path(__file__).resolve().parents[1] / "results"
HORIZON = 1000
LENGTHS = (128, 256, 384, 512, 768, 1000)


def first_goal_steps(players: int, worlds: int, strength: float | None, seed: int) -> np.ndarray:
    """Step of the first goal in each game (0 if none by HORIZON), the chaser on the left."""
    torch.set_num_threads(1)
    cpu = torch.device("cpu")
    env = make_football(
        worlds, players, cpu, max_steps=HORIZON, seed=seed, dense_reward=False, bot_strength=strength
    )
    env.reset()
    levels = random_levels(np.random.default_rng(seed), worlds, players)
    # a scripted team plays red, so the chaser takes blue on the mirrored level (as regret.Evaluator does)
    place(env, mirror(levels) if strength is not None else levels)
    chaser, gen = Chaser(), torch.Generator().manual_seed(seed)
    obs = env.get_from_scenario(get_observations=True, get_rewards=False, get_infos=False, get_dones=False)[0]
    when = np.zeros(worlds, np.int64)
    outcome = torch.zeros(worlds)
    for t in range(1, HORIZON + 1):
        blue = torch.stack(obs[:players], 1).reshape(worlds * players, -1)
        acts = list(chaser.play(blue, False, gen).reshape(worlds, players).unbind(1))
        if strength is None:
            red = torch.stack(obs[players:], 1).reshape(worlds * players, -1)
            acts += list(chaser.play(red, False, gen).reshape(worlds, players).unbind(1))
        obs = env.step(acts)[0]
        g = goals(env)
        new = (outcome == 0) & (g != 0)
        when[new.numpy()] = t
        outcome = torch.where(outcome == 0, g, outcome)
        if bool((outcome != 0).all()):
            break
    return when


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--players", type=int, default=5)
    ap.add_argument("--worlds", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rows = []
    for name, strength in (("scripted 0.05", 0.05), ("scripted 0.95", 0.95), ("itself", None)):
        when = first_goal_steps(a.players, a.worlds, strength, a.seed)
        scored = when[when > 0]
        rows.append(
            {
                "opponent": name,
                "games": a.worlds,
                "median_steps_to_first_goal": float(np.median(scored)) if len(scored) else None,
                "decided_within": {str(n): float(np.mean((when > 0) & (when <= n))) for n in LENGTHS},
            }
        )
        print(rows[-1], flush=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    out = {
        "what": "share of games from random MADRID levels in which a goal falls within N VMAS steps, "
        "for a hand-written team that goes straight for the goal",
        "commit": commit,
        "device": "cpu",
        "date": datetime.date.today().isoformat(),
        "players": a.players,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "madrid-episode-length.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
