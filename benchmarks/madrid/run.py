"""MADRID's GPU experiments as one resumable script: each step is skipped when its output is in OUT, and a
run interrupted mid-way continues from its last checkpoint (``--resume``).

    python benchmarks/madrid/run.py OUT --steps target speed        # train the target, measure speed
    python benchmarks/madrid/run.py OUT --steps search --iterations 300 --seeds 0 1 2
    python benchmarks/madrid/run.py OUT --tiny --steps target speed search   # the same at toy scale on CPU

Steps:

* ``target``: ``openended madrid train-target`` (``--players`` a side, TargetConfig's defaults unless
  ``--target-flag`` says otherwise) in ``OUT/runs/target``; its snapshots are the learned references. A
  target trained elsewhere can be copied to ``OUT/runs/target`` first: a finished run is not retrained.
* ``speed``: level evaluations per second — one level evaluated = its game against the target itself and
  against every reference, ``repeats`` times each — for several numbers of levels per batched call, and
  what a 5000-iteration search would take at the search's own batch (``OUT/speed.json``).
* ``search``: the three methods × ``--seeds`` (``OUT/runs/search-<method>-<seed>``), then
  ``openended madrid report`` over them (``OUT/compare.json``, ``OUT/compare.html``).
* ``results``: what the README quotes, in one JSON with commit, device and date
  (``OUT/madrid-results.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from openended.madrid.config import Method

METHODS: tuple[Method, ...] = ("madrid", "targeted", "random")


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


def target(out: Path, tiny: bool, players: int, total_steps: int, extra: list[str]) -> Path:
    """The target at TargetConfig's defaults (the setting that learned to score; see its comments) unless
    ``extra`` flags change them; tiny: a few updates on the CPU."""
    size = ["--ppo.num-envs", "16", "--ppo.num-steps", "32", "--device", "cpu"] if tiny else []
    args = ["madrid", "train-target", "--football.players", str(players), *size, *extra]
    return _run(out, "target", [*args, "--total-steps", str(total_steps), "--snapshots", "8"])


def speed(out: Path, tiny: bool, players: int, source: str, only: list[str] | None = None) -> None:
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
    football = FootballConfig(players=players, episode_steps=24) if tiny else FootballConfig(players=players)
    cfg = SearchConfig(target=source, football=football)
    tgt, refs = references_for(cfg, device)
    from dataclasses import replace

    # one short warm-up (CUDA context, kernels); then each size timed over one call: a call plays
    # every game to the episode's end, seconds long, so one is a stable measurement
    short = replace(cfg.football, episode_steps=4)
    warm = random_levels(np.random.default_rng(0), 4, cfg.football.players)
    Evaluator(tgt, refs, short, cfg.repeats, 4, device, 0).regret(warm)
    rows: list[dict[str, Any]] = []
    per_iteration = cfg.emitters * cfg.batch_size
    sides = 1 + sum(r.policy is not None for r in refs)
    # (where the games run, worker processes, world batches of the learned sides); on a GPU machine also
    # its CPU cores alone, one worker per batch
    layouts = [(device, False, 1), (device, True, 1), (device, True, sides)]
    if device.type == "cuda":
        layouts.append((torch.device("cpu"), True, sides))
    if only:  # e.g. cpu-parallel-sides: the layouts to time, named device-(serial|parallel)-(one|sides)
        names = {
            f"{d.type}-{'parallel' if par else 'serial'}-{'sides' if b > 1 else 'one'}": (d, par, b)
            for d, par, b in layouts
        }
        layouts = [names[n] for n in only]
    for where, parallel, batches in layouts:
        for levels in (4, 8) if tiny else (per_iteration, 9 * per_iteration):
            if not parallel and levels > per_iteration:
                continue  # serial batches: the cost per VMAS step is flat in the batch (measured before)
            with Evaluator(tgt, refs, cfg.football, cfg.repeats, levels, where, 0, parallel, batches) as ev:
                lv = random_levels(np.random.default_rng(0), levels, cfg.football.players)
                if parallel:
                    ev.regret(lv[:1])  # the workers' start-up (CUDA context) is not the rate
                if where.type == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
                ev.regret(lv)
                seconds = time.perf_counter() - start
            games = levels * cfg.repeats * (1 + len(refs))
            rows.append(
                {
                    "device": where.type,
                    "parallel": parallel,
                    "learned_batches": batches,
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
    largest = max(r["levels_per_call"] for r in rows)
    fastest = min((r for r in rows if r["levels_per_call"] == largest), key=lambda r: r["seconds_per_call"])
    smallest = min(r["levels_per_call"] for r in rows)  # the search's own batch (tiny: below it)
    at_search = min(
        (r for r in rows if r["levels_per_call"] == smallest), key=lambda r: r["seconds_per_call"]
    )
    result = {
        "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "cpu_cores": os.cpu_count(),
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
        "fastest_at_largest": fastest,
        "paper_hours_for_5000_iterations": 8.5 * 24,  # ~8.5 days on one V100 + 10 CPUs (the paper)
        "note": "an upper bound on what the search takes per iteration: the evaluation is nearly all of it",
    }
    (out / "speed.json").write_text(json.dumps(result, indent=1) + "\n")


def search(
    out: Path, tiny: bool, players: int, iterations: int, seeds: list[int], source: str, minutes: float | None
) -> None:
    """The three methods × ``seeds``, stepped together (one batched evaluation per iteration for all of
    them, ``run_searches``), each in its own run directory; an interrupted group resumes as a whole. With
    ``OUT/speed.json``, the evaluation runs where it was fastest at the largest batch, and ``minutes``
    sets the iterations from that call's time."""
    from contextlib import ExitStack

    from openended.core.report import write_run_report
    from openended.core.runs import Run
    from openended.madrid.cli import SEARCH
    from openended.madrid.config import FootballConfig, SearchConfig
    from openended.madrid.search import run_searches

    football = FootballConfig(players=players, episode_steps=24) if tiny else FootballConfig(players=players)
    small: dict[str, Any] = {"emitters": 2, "batch_size": 2, "repeats": 2, "device": "cpu"} if tiny else {}
    if (out / "speed.json").is_file():
        fastest = json.loads((out / "speed.json").read_text())["fastest_at_largest"]
        small |= {
            "device": fastest["device"],
            "parallel": "on" if fastest["parallel"] else "off",
            "learned_batches": fastest["learned_batches"],
        }
        if minutes is not None:
            # the measured call held 9 searches' levels; the search's own iteration holds len(seeds) × 3
            per_call = fastest["seconds_per_call"] * len(seeds) * len(METHODS) / 9
            iterations = max(1, int(minutes * 60 / per_call))
            print(f"search: {per_call:.1f} s an iteration -> {iterations} iterations", flush=True)
    small["checkpoint_every"] = 5
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
                        target=source,
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


def results(out: Path, seeds: list[int]) -> None:
    """One JSON of what the README quotes: the commit, device and date, the target's snapshots, the speed
    measurement, the methods compared and every search's archive summary (``OUT/madrid-results.json``)."""
    from openended.core.runs import provenance

    speed = json.loads((out / "speed.json").read_text()) if (out / "speed.json").is_file() else None
    summaries = {}
    for seed in seeds:
        for method in METHODS:
            path = out / "runs" / f"search-{method}-{seed}"
            if (path / "artifacts" / "summary.json").is_file():
                summary = json.loads((path / "artifacts" / "summary.json").read_text())
                cfg = json.loads((path / "config.json").read_text())
                summaries[path.name] = {"config": cfg, "summary": summary}
    compared = out / "compare.json"
    result = {
        **provenance(),
        "device": speed["device"] if speed else "unknown",
        "speed": speed,
        "compare": json.loads(compared.read_text()) if compared.is_file() else None,
        "searches": summaries,
    }
    (out / "madrid-results.json").write_text(json.dumps(result, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--steps", nargs="+", default=["target", "speed", "search", "results"])
    ap.add_argument("--players", type=int, default=3, help="players a side (tiny: 3)")
    ap.add_argument("--target-steps", type=int, default=20_000_000, help="target's training game steps")
    ap.add_argument(
        "--target-flag", action="append", default=[], metavar="FLAG=VALUE",
        help="a train-target flag beyond the defaults, e.g. --target-flag=--scripted-share=0.5",
    )  # fmt: skip
    ap.add_argument(
        "--target", help="the target: a train-target run directory, or 'shipped' (default: OUT/runs/target)"
    )
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--search-minutes", type=float, help="instead: as many iterations as fit (needs speed)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument(
        "--layouts",
        nargs="+",
        help="speed: only these layouts (cuda-serial-one, cuda-parallel-one, "
        "cuda-parallel-sides, cpu-parallel-sides; default all)",
    )
    ap.add_argument("--tiny", action="store_true")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    players = 3 if a.tiny else a.players
    extra = [part for flag in a.target_flag for part in flag.split("=", 1)]
    source = "" if a.target == "shipped" else (a.target or str(a.out / "runs" / "target"))
    for step in a.steps:
        if step == "target":
            target(a.out, a.tiny, players, 2048 if a.tiny else a.target_steps, extra)
        elif step == "speed":
            speed(a.out, a.tiny, players, source, a.layouts)
        elif step == "search":
            iterations = 3 if a.tiny else a.iterations
            search(a.out, a.tiny, players, iterations, a.seeds, source, a.search_minutes)
        elif step == "results":
            results(a.out, a.seeds)
        else:
            raise SystemExit(f"unknown step {step!r}")
        print(f"{step}: done", flush=True)


if __name__ == "__main__":
    main()
