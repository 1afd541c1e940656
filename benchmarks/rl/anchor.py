"""PPO speed beside the field's reference single file, and Procgen stepping through procgen-mirror vs envpool.

    python benchmarks/rl/anchor.py OUT --cleanrl PATH/ppo_procgen.py      # a GPU machine
    python benchmarks/rl/anchor.py OUT --cleanrl PATH/ppo_procgen.py --tiny   # toy scale, on a CPU

Steps (each skipped when its output is already in OUT, so an interrupted run resumes):

* ``envs``: raw stepping rate (random actions, 64 envs, easy starpilot on levels 0-199) of our
  ``ProcgenVecEnv`` (procgen-mirror through gym3) and of envpool's Procgen at 4 and 16 threads. envpool is
  optional: when it does not import, the reason is recorded.
* ``cleanrl``: CleanRL's ``ppo_procgen.py`` (not part of this project: pass the path of a copy of it, run with
  its own defaults — 64 envs x 256 steps, 8 minibatches, 3 epochs, starpilot — and its own dependencies
  ``gym==0.23.1``, ``tyro``, ``tensorboard`` importable) for ``--updates`` updates.
* ``ours-4`` / ``ours-16``: ``openended rl train-expert`` with the same game, envs, steps and updates, at
  CleanRL's Procgen thread count (4, procgen's default) and at 16; ``ours-16-eager`` without the rollout's
  CUDA graph (``--no-ppo.cuda-graph``), to show what the graph is worth.

Both PPO rates are steady state: env steps between the first and the last full update divided by the time
between them, so start-up (imports, cuDNN autotuning, our final evaluation) counts for neither. Writes
``OUT/anchor.json`` (what ``record.py --anchor`` reads) and the raw logs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

GAME = "starpilot"


def _save(out: Path, name: str, value: object) -> None:
    (out / f"{name}.json").write_text(json.dumps(value, indent=1) + "\n")


def _provenance() -> dict[str, object]:
    import platform

    import torch

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    return {
        "commit": commit.stdout.strip() or None,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "device": f"{gpu}, {os.cpu_count()} CPU cores",
    }


def _rate(step: object, steps: int) -> float:
    """Env steps per second of a callable that steps ``steps`` times (after 20 warm-up steps)."""
    for _ in range(20):
        step()  # type: ignore[operator]
    start = time.perf_counter()
    for _ in range(steps):
        step()  # type: ignore[operator]
    return steps / (time.perf_counter() - start)


def envs(out: Path, tiny: bool) -> None:
    if (out / "envs.json").is_file():
        return
    from openended.rl.procgen import SPLITS, ProcgenVecEnv

    n, steps = (8, 50) if tiny else (64, 2000)
    rng = np.random.default_rng(0)
    result: dict[str, object] = {"num_envs": n, "steps": steps, "game": GAME}
    try:
        for threads in (4, 16):
            venv = ProcgenVecEnv(GAME, n, SPLITS["train"], 0, num_threads=threads)
            rate = _rate(lambda v=venv: v.step(rng.integers(0, 15, n)), steps)
            result[f"procgen_mirror_{threads}"] = n * rate
    except Exception as exc:  # measured in another call when the two do not fit in one
        result["procgen_mirror_error"] = f"{type(exc).__name__}: {exc}"[:500]
    try:
        import envpool

        for threads in (4, 16):
            pool = envpool.make(
                "StarpilotEasy-v0",
                env_type="gymnasium",
                num_envs=n,
                num_threads=threads,
                num_levels=200,
                start_level=0,
                seed=0,
            )
            pool.reset()
            result[f"envpool_{threads}"] = n * _rate(lambda p=pool: p.step(rng.integers(0, 15, n)), steps)
        result["envpool_version"] = envpool.__version__
    except Exception as exc:  # any failure to build or step envpool is the finding
        result["envpool_error"] = f"{type(exc).__name__}: {exc}"[:500]
    _save(out, "envs", result)


def _steady(points: list[tuple[int, float]]) -> float:
    """Steps per second between the first and the last ``(step, seconds)`` point."""
    (s0, t0), (s1, t1) = points[0], points[-1]
    return (s1 - s0) / (t1 - t0)


def cleanrl(out: Path, tiny: bool, path: Path | None, site: str, updates: int) -> None:
    if (out / "cleanrl.json").is_file():
        return
    if path is None:
        raise SystemExit("the cleanrl step needs --cleanrl PATH (a copy of CleanRL's ppo_procgen.py)")
    size = ["--num-envs", "8", "--num-steps", "32"] if tiny else []
    per_update = 8 * 32 if tiny else 64 * 256
    work = out / "cleanrl"
    work.mkdir(exist_ok=True)
    args = [sys.executable, str(path.resolve()), "--env-id", GAME, *size]
    args += ["--total-timesteps", str(per_update * updates)]
    if tiny:
        args.append("--no-cuda")
    # its gym (0.23) is not ours (0.26): its packages go first on its own path only
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")]))}
    log = subprocess.run(args, cwd=work, capture_output=True, text=True, check=False, env=env)
    (out / "cleanrl.log").write_text(log.stdout + log.stderr)
    if log.returncode:
        raise SystemExit(f"CleanRL failed ({log.returncode}); see {out / 'cleanrl.log'}")
    # ppo_procgen prints the running mean "SPS: <global_step / seconds since start>" once per update
    sps = [int(v) for v in re.findall(r"^SPS: (\d+)", log.stdout, re.M)]
    points = [((i + 1) * per_update, (i + 1) * per_update / s) for i, s in enumerate(sps) if s > 0]
    _save(
        out,
        "cleanrl",
        {"updates": len(sps), "steady_env_steps_per_s": _steady(points[1:]), "printed_sps": sps},
    )


def ours(out: Path, tiny: bool, updates: int, threads: int, graph: bool) -> None:
    name = f"ours-{threads}" + ("" if graph else "-eager")
    if (out / f"{name}.json").is_file():
        return
    size = ["--ppo.num-envs", "8", "--ppo.num-steps", "32", "--device", "cpu"] if tiny else []
    per_update = 8 * 32 if tiny else 64 * 256
    args = ["rl", "train-expert", "--game", GAME, *size, "--total-steps", str(per_update * updates)]
    args += ["--threads", str(threads), "--log-every", "1", "--eval-every", "0", "--snapshots", "1"]
    args += ["--ppo.cuda-graph" if graph else "--no-ppo.cuda-graph"]
    args += ["--eval-episodes", "8", "--runs-root", str(out / "runs"), "--name", name, "--no-report"]
    env = {**os.environ, "OPENENDED_PROGRESS": "0"}
    subprocess.run([sys.executable, "-m", "openended.cli", *args], check=True, env=env)
    rows = [json.loads(x) for x in (out / "runs" / name / "metrics.jsonl").read_text().splitlines() if x]
    # the last row's time holds the final evaluation and snapshot: it is left out like CleanRL's start-up
    points = [(r["step"], r["time"]) for r in rows if "steps_per_s" in r][:-1]
    _save(
        out,
        name,
        {
            "updates": len(rows),
            "threads": threads,
            "cuda_graph": graph,
            "steady_env_steps_per_s": _steady(points[1:]),
            "collect_s_median": float(np.median([r["collect_s"] for r in rows])),
            "learn_s_median": float(np.median([r["learn_s"] for r in rows])),
        },
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--cleanrl", type=Path, help="a copy of CleanRL's cleanrl/ppo_procgen.py")
    ap.add_argument("--cleanrl-site", default="", help="a folder of CleanRL's own packages (gym 0.23, tyro)")
    ap.add_argument("--updates", type=int, default=32, help="PPO updates per run (64 x 256 steps each)")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--steps", nargs="+", default=["envs", "cleanrl", "ours-4", "ours-16", "ours-16-eager"])
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    updates = 4 if a.tiny else a.updates
    for step in a.steps:
        if step == "envs":
            envs(a.out, a.tiny)
        elif step == "cleanrl":
            cleanrl(a.out, a.tiny, a.cleanrl, a.cleanrl_site, updates)
        elif step.startswith("ours-"):
            ours(a.out, a.tiny, updates, int(step.split("-")[1]), not step.endswith("-eager"))
        else:
            raise SystemExit(f"unknown step {step!r}")
        print(f"{step}: done", flush=True)
    parts = {p.stem: json.loads(p.read_text()) for p in sorted(a.out.glob("*.json")) if p.stem != "anchor"}
    _save(a.out, "anchor", {"provenance": _provenance(), **parts})


if __name__ == "__main__":
    main()
