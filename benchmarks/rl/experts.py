"""Train the shipped PPO experts on one GPU machine: one ``openended rl train-expert`` process per game, side
by side (each steps its envs on its own CPU threads; they share the GPU), within a wall-clock budget.

    python benchmarks/rl/experts.py plan    OUT --games bigfish coinrun maze starpilot --minutes 16
    python benchmarks/rl/experts.py launch  OUT          # detached: survives the command that started it
    python benchmarks/rl/experts.py wait    OUT --seconds 540
    python benchmarks/rl/experts.py package OUT          # OUT/<game>.tar.gz: curves, snapshots (float16)

``plan`` measures the side-by-side throughput with a few updates per game and sets every game's
``total_steps`` so the slowest finishes in the budget (evaluations included); it is skipped when
``OUT/plan.json`` exists. Runs live under ``RUNS`` (``/tmp/rl-experts``); ``launch`` resumes a run that
exists there. Every step writes JSON, so a later call picks up where an earlier one stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

RUNS = Path(os.environ.get("RL_EXPERT_RUNS", "/tmp/rl-experts"))
EVAL_SHARE = 0.8  # of the budget left for PPO steps; evaluations and snapshots take the rest


def _cmd(game: str, root: Path, name: str, total: int, threads: int, extra: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "openended.cli", "rl", "train-expert", "--game", game, "--runs-root", str(root),
        "--name", name, "--total-steps", str(total), "--threads", str(threads), "--no-report", *extra,
    ]  # fmt: skip


def _per_update(extra: list[str]) -> int:
    """Steps per PPO update: gen_dgrl's 64 envs x 256 steps unless the extra flags change them."""
    flags = dict(zip(extra[::2], extra[1::2], strict=False))
    return int(flags.get("--ppo.num-envs", 64)) * int(flags.get("--ppo.num-steps", 256))


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "OPENENDED_PROGRESS": "0", "PYTHONUNBUFFERED": "1"}


def plan(out: Path, games: list[str], minutes: float, extra: list[str]) -> dict:
    if (out / "plan.json").is_file():
        return json.loads((out / "plan.json").read_text())
    threads = max(1, (os.cpu_count() or 4) // len(games))
    probe_updates = 6
    per_update = _per_update(extra)
    quick = ["--eval-every", "0", "--eval-episodes", "8", *extra]
    procs = [
        subprocess.Popen(
            _cmd(g, RUNS / "probe", g, probe_updates * per_update, threads, quick),
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=open(out / f"probe-{g}.log", "w"),  # noqa: SIM115
        )
        for g in games
    ]
    for p in procs:
        p.wait()
    sps = {}
    for g in games:
        rows = [json.loads(line) for line in (RUNS / "probe" / g / "metrics.jsonl").read_text().splitlines()]
        sps[g] = sorted(r["steps_per_s"] for r in rows[1:])[
            len(rows[1:]) // 2
        ]  # median, first update warms up
    slowest = min(sps.values())
    updates = max(1, int(slowest * minutes * 60 * EVAL_SHARE / per_update))
    result = {
        "games": games,
        "threads": threads,
        "probe_steps_per_s": sps,
        "total_steps": updates * per_update,
        "minutes": minutes,
        "extra": extra,
    }
    (out / "plan.json").write_text(json.dumps(result, indent=1))
    return result


def launch(out: Path) -> None:
    p = json.loads((out / "plan.json").read_text())
    for g in p["games"]:
        run = RUNS / "runs" / g
        if (run / "run.json").is_file() and json.loads((run / "run.json").read_text()).get(
            "status"
        ) == "finished":
            continue
        if (run / "run.json").is_file():
            cmd = [
                sys.executable,
                "-m",
                "openended.cli",
                "rl",
                "train-expert",
                "--resume",
                str(run),
                "--no-report",
            ]
        else:
            cmd = _cmd(g, RUNS / "runs", g, p["total_steps"], p["threads"], p["extra"])
        log = open(out / f"train-{g}.log", "a")  # noqa: SIM115
        subprocess.Popen(cmd, env=_env(), stdout=log, stderr=log, start_new_session=True)


def status(out: Path) -> dict:
    p = json.loads((out / "plan.json").read_text())
    state = {}
    for g in p["games"]:
        run = RUNS / "runs" / g
        meta = json.loads((run / "run.json").read_text()) if (run / "run.json").is_file() else {}
        rows = (run / "metrics.jsonl").read_text().splitlines() if (run / "metrics.jsonl").is_file() else []
        last = json.loads(rows[-1]) if rows else {}
        state[g] = {"status": meta.get("status"), "step": last.get("step"), "of": p["total_steps"],
                    "return": last.get("episode_return")}  # fmt: skip
    (out / "status.json").write_text(json.dumps(state, indent=1))
    return state


def wait(out: Path, seconds: float) -> None:
    end = time.time() + seconds
    while time.time() < end:
        state = status(out)
        print(json.dumps(state), flush=True)
        if all(s["status"] in ("finished", "failed") for s in state.values()):
            return
        time.sleep(min(30.0, max(1.0, end - time.time())))


def package(out: Path) -> None:
    """Per game a tar.gz: config, metrics, run.json, the returns figure and every snapshot in float16."""
    from openended.rl.policies import load_policy, save_policy

    p = json.loads((out / "plan.json").read_text())
    for g in p["games"]:
        run = RUNS / "runs" / g
        half = RUNS / "half" / g
        half.mkdir(parents=True, exist_ok=True)
        policies = run / "artifacts" / "policies"
        for f in sorted(policies.glob("*.npz")):
            model, info = load_policy(f)
            save_policy(half / f.name, model, info, half=True)
        with tarfile.open(out / f"{g}.tar.gz", "w:gz") as tar:
            for name in (
                "config.json",
                "metrics.jsonl",
                "run.json",
                "artifacts/returns.png",
                "artifacts/policies/index.json",
            ):
                if (run / name).is_file():
                    tar.add(run / name, arcname=f"{g}/{name}")
            for f in sorted(half.glob("*.npz")):
                tar.add(f, arcname=f"{g}/artifacts/policies/{f.name}")
    status(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=["plan", "launch", "wait", "package", "status"])
    ap.add_argument("out", type=Path)
    ap.add_argument("--games", nargs="+", default=["bigfish", "coinrun", "maze", "starpilot"])
    ap.add_argument("--minutes", type=float, default=16.0)
    ap.add_argument("--seconds", type=float, default=540.0)
    ap.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more train-expert flags")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    if a.step == "plan":
        print(json.dumps(plan(a.out, a.games, a.minutes, a.extra)))
    elif a.step == "launch":
        launch(a.out)
    elif a.step == "wait":
        wait(a.out, a.seconds)
    elif a.step == "package":
        package(a.out)
    else:
        print(json.dumps(status(a.out)))


if __name__ == "__main__":
    main()
