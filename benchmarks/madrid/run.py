"""MADRID's GPU experiments as one resumable script: each step is skipped when its output is in OUT, and a
run interrupted mid-way continues from its last checkpoint (``--resume``).

    python benchmarks/madrid/run.py OUT --steps target speed        # train the target, measure speed
    python benchmarks/madrid/run.py OUT --steps search --iterations 300 --seeds 0 1 2
    python benchmarks/madrid/run.py OUT --tiny --steps target speed search   # the same at toy scale on CPU

Steps:

* ``target``: ``openended madrid train-target`` (5v5 self-play) in ``OUT/runs/target``; its snapshots are
  the learned references.
* ``speed``: level evaluations per second — one level evaluated = its game against the target itself and
  against every reference, ``repeats`` times each — for several numbers of levels per batched call, and
  what a 5000-iteration search would take at the search's own batch (``OUT/speed.json``).
* ``search``: the three methods × ``--seeds`` (``OUT/runs/search-<method>-<seed>``), then
  ``openended madrid report`` over them (``OUT/compare.json``, ``OUT/compare.html``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

METHODS = ("madrid", "targeted", "random")


def _openended(*args: str) -> None:
    env = {**os.environ, "OPENENDED_PROGRESS": "0"}
    subprocess.run([sys.executable, "-m", "openended.cli", *args], check=True, env=env)


def _run(out: Path, name: str, args: list[str]) -> Path:
    """Run (or resume) an ``openended madrid`` command in ``OUT/runs/name``; its run directory."""
    run = out / "runs" / name
    if (run / "run.json").is_file():
        if json.loads((run / "run.json").read_text()).get("status") != "finished":
            _openended(*args[:2], "--resume", str(run), "--no-report")
    else:
        _openended(*args, "--runs-root", str(out / "runs"), "--name", name)
    return run


def _football(tiny: bool) -> list[str]:
    return ["--football.players", "3" if tiny else "5"]


def target(
    out: Path, tiny: bool, total_steps: int, minutes: float | None, scripted_share: float, minibatches: int
) -> Path:
    """Self-play on the GPU: 8192 games × 64 steps per update in 16 minibatches. A VMAS step took ~65 ms
    with 1024 games on an H100, mostly Python (its collision checks loop over entity pairs), so a larger
    batch should cost little more per step; MAPPO's single minibatch was for batches ~100× smaller and
    would leave a few gradient steps per million samples. With ``minutes``, a 3-update probe measures the
    rate and sizes the run to fit."""
    if tiny:
        size = ["--ppo.num-envs", "16", "--ppo.num-steps", "32", "--device", "cpu"]
        per_update = 16 * 32
    else:
        size = ["--ppo.num-envs", "8192", "--ppo.num-steps", "64", "--ppo.minibatches", str(minibatches)]
        per_update = 8192 * 64
    size += ["--scripted-share", str(scripted_share)]
    if minutes is not None and not (out / "runs" / "target" / "run.json").is_file():
        probe = _run(
            out, "target-probe", ["madrid", "train-target", *_football(tiny), *size,
                                  "--total-steps", str(3 * per_update), "--snapshots", "1"]
        )  # fmt: skip
        rows = [json.loads(x) for x in (probe / "metrics.jsonl").read_text().splitlines() if x]
        rate = sorted(r["game_steps_per_s"] for r in rows)[len(rows) // 2]
        # 85 %: the snapshots' evaluations against the scripted teams take the rest
        total_steps = max(per_update, int(rate * minutes * 60 * 0.85) // per_update * per_update)
        print(f"target: {rate:,.0f} game steps/s -> {total_steps:,} steps in {minutes} min", flush=True)
    args = ["madrid", "train-target", *_football(tiny), *size, "--total-steps", str(total_steps)]
    return _run(out, "target", [*args, "--snapshots", "8"])


def speed(out: Path, tiny: bool) -> None:
    if (out / "speed.json").is_file():
        return
    import numpy as np
    import torch

    from openended.madrid.config import FootballConfig, SearchConfig
    from openended.madrid.levels import random_levels
    from openended.madrid.regret import Evaluator
    from openended.madrid.search import references_for
    from openended.rl.ppo import pick_device

    device = pick_device("cpu" if tiny else "auto")
    cfg = SearchConfig(target=str(out / "runs" / "target"), football=FootballConfig(players=3 if tiny else 5))
    tgt, refs = references_for(cfg, device)
    from dataclasses import replace

    # one short warm-up (CUDA context, kernels); then each size timed over one call: a call plays
    # every game to the episode's end, seconds long, so one is a stable measurement
    short = replace(cfg.football, episode_steps=4)
    warm = random_levels(np.random.default_rng(0), 4, cfg.football.players)
    Evaluator(tgt, refs, short, cfg.repeats, 4, device, 0).regret(warm)
    rows = []
    per_iteration = cfg.emitters * cfg.batch_size
    for parallel in (False, True):
        for levels in (4, 8) if tiny else (per_iteration, 9 * per_iteration):
            with Evaluator(tgt, refs, cfg.football, cfg.repeats, levels, device, 0, parallel) as ev:
                lv = random_levels(np.random.default_rng(0), levels, cfg.football.players)
                if parallel:
                    ev.regret(lv[:1])  # the workers' start-up (CUDA context) is not the rate
                if device.type == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
                ev.regret(lv)
                seconds = time.perf_counter() - start
            games = levels * cfg.repeats * (1 + len(refs))
            rows.append(
                {
                    "parallel": parallel,
                    "world_batches": len(ev.tables),
                    "levels_per_call": levels,
                    "games_per_call": games,
                    "seconds_per_call": seconds,
                    "level_evaluations_per_s": levels / seconds,
                    "game_steps_per_s": games * cfg.football.episode_steps / seconds,
                }
            )
            print(rows[-1], flush=True)
    best = min(rows, key=lambda r: r["seconds_per_call"] / r["levels_per_call"] * per_iteration)
    smallest = min(r["levels_per_call"] for r in rows)  # the search's own batch (tiny: below it)
    at_search = min(
        (r for r in rows if r["levels_per_call"] == smallest), key=lambda r: r["seconds_per_call"]
    )
    result = {
        "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "players": cfg.football.players,
        "references": len(refs),
        "repeats": cfg.repeats,
        "episode_steps": cfg.football.episode_steps,
        "rows": rows,
        "search_levels_per_iteration": per_iteration,
        "hours_for_5000_iterations": 5000 * at_search["seconds_per_call"] / 3600,
        # searches stepped together share each call: the hours one of them costs when the call is full
        "hours_for_5000_iterations_per_search_when_batched": 5000
        * best["seconds_per_call"]
        / (best["levels_per_call"] / per_iteration)
        / 3600,
        "paper_hours_for_5000_iterations": 8.5 * 24,  # ~8.5 days on one V100 + 10 CPUs (the paper)
        "note": "an upper bound on what the search takes per iteration: the evaluation is nearly all of it",
    }
    (out / "speed.json").write_text(json.dumps(result, indent=1) + "\n")


def search(out: Path, tiny: bool, iterations: int, seeds: list[int]) -> None:
    """The three methods × ``seeds``, stepped together (one batched evaluation per iteration for all of
    them, ``run_searches``), each in its own run directory; an interrupted group resumes as a whole."""
    from contextlib import ExitStack

    from openended.core.report import write_run_report
    from openended.core.runs import Run
    from openended.madrid.cli import SEARCH
    from openended.madrid.config import FootballConfig, SearchConfig
    from openended.madrid.search import run_searches

    football = FootballConfig(players=3, episode_steps=24) if tiny else FootballConfig(players=5)
    small = {"emitters": 2, "batch_size": 2, "repeats": 2, "device": "cpu"} if tiny else {}
    runs, paths = [], []
    with ExitStack() as stack:
        for seed in seeds:
            for method in METHODS:
                path = out / "runs" / f"search-{method}-{seed}"
                paths.append(path)
                if (path / "run.json").is_file():
                    if json.loads((path / "run.json").read_text()).get("status") == "finished":
                        continue
                    run = Run.resume(path, SEARCH.system, SearchConfig)
                else:
                    cfg = SearchConfig(
                        target=str(out / "runs" / "target"),
                        method=method,
                        seed=seed,
                        iterations=iterations,
                        football=football,
                        **small,  # type: ignore[arg-type]
                    )
                    run = Run.create(SEARCH.system, cfg, root=out / "runs", name=path.name)
                runs.append(stack.enter_context(run))
        if runs:
            run_searches(runs)
    for path in paths:
        write_run_report(path, SEARCH.sections)
    _openended(
        "madrid",
        "report",
        *map(str, paths),
        "--out",
        str(out / "compare.html"),
        "--json",
        str(out / "compare.json"),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--steps", nargs="+", default=["target", "speed", "search"])
    ap.add_argument("--target-steps", type=int, default=100_000_000, help="self-play game steps")
    ap.add_argument("--target-minutes", type=float, help="instead: as many steps as fit in this time")
    ap.add_argument(
        "--scripted-share", type=float, default=0.0, help="target games against the scripted team"
    )
    ap.add_argument("--minibatches", type=int, default=16, help="PPO minibatches per epoch (target)")
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--tiny", action="store_true")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    for step in a.steps:
        if step == "target":
            steps = 2048 if a.tiny else a.target_steps
            target(a.out, a.tiny, steps, a.target_minutes, a.scripted_share, a.minibatches)
        elif step == "speed":
            speed(a.out, a.tiny)
        elif step == "search":
            search(a.out, a.tiny, 3 if a.tiny else a.iterations, a.seeds)
        else:
            raise SystemExit(f"unknown step {step!r}")
        print(f"{step}: done", flush=True)


if __name__ == "__main__":
    main()
