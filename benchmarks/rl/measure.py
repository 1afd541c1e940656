"""The measurements quoted beside the experts, in one resumable script (each step is skipped when its output
is already in OUT): the shipped experts' evaluation, dataset generation speed and size, PPO speed.

    python benchmarks/rl/measure.py OUT                 # the quoted settings (a GPU machine)
    python benchmarks/rl/measure.py OUT --tiny          # the same steps at toy scale, to prove them on a CPU

Writes ``OUT/evaluation.json`` + ``train_vs_test.png``, ``OUT/collect_summary.json`` +
``collect_metrics.jsonl`` + ``collect_ram.json``, ``OUT/speed-bf16.jsonl`` and ``speed-fp32.jsonl`` —
what ``record.py`` reads (``--evaluation OUT/evaluation.json --collect OUT --speed OUT``). Collection uses the
shipped starpilot snapshots; runs live in ``OUT/runs`` so an interrupted step resumes (``--resume``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

GAMES = ("bigfish", "coinrun", "maze", "starpilot")


def _openended(*args: str) -> None:
    env = {**os.environ, "OPENENDED_PROGRESS": "0", "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "openended.cli", *args], check=True, env=env)


def _run(out: Path, name: str, args: list[str]) -> Path:
    """Run (or resume) an ``openended rl`` command in ``OUT/runs/name``; its run directory."""
    run = out / "runs" / name
    if (run / "run.json").is_file():
        if json.loads((run / "run.json").read_text()).get("status") != "finished":
            _openended(*args[:2], "--resume", str(run), "--no-report")
    else:
        _openended(*args, "--runs-root", str(out / "runs"), "--name", name, "--no-report")
    return run


def evaluate(out: Path, tiny: bool) -> None:
    if (out / "evaluation.json").is_file():
        return
    from openended.rl.policies import snapshots

    policies = ",".join(str(snapshots("", g)[-1].path) for g in GAMES)
    size = (
        ["--episodes", "4", "--num-envs", "4", "--threads", "1"]
        if tiny
        else ["--episodes", "100", "--threads", "12"]
    )
    run = _run(out, "evaluate", ["rl", "evaluate", "--games", ",".join(GAMES), "--policies", policies, *size])
    for name in ("evaluation.json", "train_vs_test.png"):
        shutil.copyfile(run / "artifacts" / name, out / name)


def collect(out: Path, tiny: bool) -> None:
    if (out / "collect_ram.json").is_file():
        return
    from openended.rl.datasets import load

    size = (
        ["--transitions", "500", "--num-envs", "4", "--threads", "1"]
        if tiny
        else ["--transitions", "200000", "--threads", "8"]
    )
    run = _run(out, "collect", ["rl", "collect", "--game", "starpilot", "--kind", "expert", *size])
    shutil.copyfile(run / "artifacts" / "summary.json", out / "collect_summary.json")
    shutil.copyfile(run / "metrics.jsonl", out / "collect_metrics.jsonl")
    start = time.perf_counter()
    data = load(run / "artifacts" / "dataset")
    seconds = time.perf_counter() - start
    n = len(data.rewards)
    ram = (
        data.observations.nbytes
        + data.rewards.nbytes
        + (data.actions.nbytes if data.actions is not None else 0)
    )
    result = {
        "transitions": n,
        "ram_bytes": ram,
        "ram_bytes_per_million": ram / n * 1e6,
        "load_s": seconds,
        "load_transitions_per_s": n / seconds,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    (out / "collect_ram.json").write_text(json.dumps(result, indent=1) + "\n")


def speed(out: Path, tiny: bool) -> None:
    toy = ["--total-steps", "256", "--ppo.num-envs", "4", "--ppo.num-steps", "16", "--ppo.minibatches", "2"]
    size = [*toy, "--threads", "1"] if tiny else ["--total-steps", "327680", "--threads", "16"]
    for name, flag in (("bf16", "--ppo.bf16"), ("fp32", "--no-ppo.bf16")):
        if (out / f"speed-{name}.jsonl").is_file():
            continue
        args = ["rl", "train-expert", "--game", "starpilot", *size, flag]
        run = _run(
            out, f"speed-{name}", [*args, "--eval-every", "0", "--snapshots", "1", "--eval-episodes", "8"]
        )
        shutil.copyfile(run / "metrics.jsonl", out / f"speed-{name}.jsonl")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--tiny", action="store_true", help="toy sizes, to check the steps on a CPU")
    ap.add_argument("--steps", nargs="+", default=["evaluate", "collect", "speed"])
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    steps = {"evaluate": evaluate, "collect": collect, "speed": speed}
    for step in a.steps:
        steps[step](a.out, a.tiny)
        print(f"{step}: done", flush=True)


if __name__ == "__main__":
    main()
