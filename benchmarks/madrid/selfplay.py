"""MADRID's target by self-play (issue item 1): pure self-play (``--scripted-share 0``), every player of both
sides one network, continued from a team that first learned to score against VMAS's scripted team (stage 1
of the shipped set) — a curriculum, as TiZero's self-play began with one. From random weights pure self-play
never learned to score here (``benchmarks/results/exploratory/madrid-cpu-target-trials.json``).

    python benchmarks/madrid/selfplay.py OUT [--seeds 0 1 2] [--total-steps 6000000]
    python benchmarks/madrid/selfplay.py OUT --tiny      # end to end on a CPU in a minute

One ``openended madrid train-target`` per seed, in parallel processes of one torch thread each, on the CPU
(VMAS football steps in Python: CPU processes beat its GPU batch, ``benchmarks/results/madrid-speed.json``).
Resumable: a finished run is skipped, an unfinished one continues from its checkpoint. Then every final
team and the starting team are measured on the same fresh random levels: value against the scripted team at
three strengths, and head to head against the starting team. Writes ``OUT/madrid-selfplay.json`` (commit,
device, date, settings, per-seed curves and measurements), ``OUT/madrid-selfplay.png`` and
``OUT/madrid-selfplay-runs.tgz`` (the run directories, checkpoints included, to resume elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

PLAYERS = 3
# the end of the stage against the scripted team in the shipped 3v3 set ('shipped' itself now names the
# self-play target that this script made from it)
SHIPPED_3V3 = Path(__file__).resolve().parents[2] / "src" / "openended" / "madrid" / "target" / "football-3v3"
STAGE_1 = SHIPPED_3V3 / "step_000016007168.npz"
STRENGTHS = (0.05, 0.5, 0.95)


def _status(run: Path) -> str | None:
    meta = run / "run.json"
    return json.loads(meta.read_text()).get("status") if meta.is_file() else None


def train(
    out: Path, seeds: list[int], total_steps: int, init_from: str, tiny: bool, extra: list[str]
) -> list[Path]:
    """One train-target run per seed, all at once; each resumes where an earlier call left it."""
    env = {**os.environ, "OPENENDED_PROGRESS": "0", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    size = ["--ppo.num-envs", "16", "--ppo.num-steps", "32", "--train-episode-steps", "96"] if tiny else []
    procs, runs = [], []
    (out / "logs").mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        run = out / "runs" / f"selfplay-{seed}"
        runs.append(run)
        if _status(run) == "finished":
            continue
        if (run / "run.json").is_file():
            args = ["madrid", "train-target", "--resume", str(run), "--no-report"]
        else:
            args = [
                "madrid", "train-target", "--runs-root", str(out / "runs"), "--name", run.name, "--no-report",
                "--football.players", str(PLAYERS), "--device", "cpu", "--seed", str(seed),
                "--scripted-share", "0", "--init-from", init_from, "--total-steps", str(total_steps),
                "--snapshots", "8", *size, *extra,
            ]  # fmt: skip
        log = (out / "logs" / f"{run.name}.log").open("a")
        procs.append((run, subprocess.Popen([sys.executable, "-m", "openended.cli", *args], env=env,
                                            stdout=log, stderr=subprocess.STDOUT)))  # fmt: skip
    failed = [run.name for run, p in procs if p.wait() != 0]
    if failed:
        raise SystemExit(f"training failed: {failed} (see {out / 'logs'})")
    return runs


def measure(runs: list[Path], init_from: str, levels: int, episode_steps: int | None) -> dict[str, Any]:
    """The starting team and each final team on the same random levels: value against the scripted team
    at each strength and (final teams) head to head against the starting team (+1 win, −1 loss)."""
    import numpy as np
    import torch

    from openended.madrid.config import FootballConfig
    from openended.madrid.levels import random_levels
    from openended.madrid.regret import Evaluator, Reference
    from openended.madrid.target import initial_policy
    from openended.rl.policies import load_policy, snapshots

    torch.set_num_threads(1)
    cpu = torch.device("cpu")
    football = FootballConfig(players=PLAYERS, **({"episode_steps": episode_steps} if episode_steps else {}))
    lv = random_levels(np.random.default_rng(12345), levels, PLAYERS)
    start = initial_policy(init_from, PLAYERS)
    bots = [Reference(f"scripted {s}", strength=s) for s in STRENGTHS]

    def against(model: Any, refs: list[Reference]) -> np.ndarray:
        with Evaluator(model, refs, football, 1, levels, cpu, 777) as ev:
            _, xp = ev.values(lv)
        return -xp  # the reference on the left: the team's own value is minus the reference's (mirror)

    def summary(v: np.ndarray) -> dict[str, float]:
        return {"value": float(v.mean()), "wins": float((v > 0).mean()), "losses": float((v < 0).mean())}

    def vs_bots(model: Any) -> dict[str, dict[str, float]]:
        values = against(model, bots)
        return {f"scripted_{s}": summary(values[:, i]) for i, s in enumerate(STRENGTHS)}

    result: dict[str, Any] = {"levels": levels, "start": vs_bots(start), "final": {}}
    for run in runs:
        final, _ = load_policy(snapshots(run, f"football-{PLAYERS}v{PLAYERS}")[-1].path, cpu)
        head = against(final, [Reference("starting team", policy=start)])[:, 0]
        result["final"][run.name] = {**vs_bots(final), "vs_start": summary(head)}
    return result


def curves(runs: list[Path]) -> dict[str, list[dict[str, float]]]:
    from openended.core.runs import read_metrics

    keep = ("goal_rate", "episode_length", "entropy", *(f"value_vs_scripted_{s}" for s in STRENGTHS))
    return {
        run.name: [
            {"step": r["step"], **{k: r[k] for k in keep if k in r}}
            for r in read_metrics(run)
            if "value_vs_scripted_0.5" in r or r["step"] % 20 == 0 or "goal_rate" in r
        ][:: 1 if len(read_metrics(run)) < 400 else 10]
        for run in runs
    }


def plot(out: Path, result: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    colours = dict(zip(STRENGTHS, ("tab:green", "tab:orange", "tab:red"), strict=True))
    for n, (name, rows) in enumerate(result["curves"].items()):
        pts = [r for r in rows if "value_vs_scripted_0.05" in r]
        for s in STRENGTHS:
            values = [r[f"value_vs_scripted_{s}"] for r in pts]
            label = f"vs scripted {s}" if n == 0 else None
            axes[0].plot([r["step"] for r in pts], values, color=colours[s], alpha=0.8, lw=1, label=label)
        # a game that ends before the time limit ends with a goal: until every game has run its course once,
        # the finished games are only the ones with goals, so the rate starts from there
        cfg = result["configs"][name]
        first = cfg["ppo"]["num_envs"] * cfg["train_episode_steps"]
        goal = [r for r in rows if "goal_rate" in r and r["step"] >= first]
        axes[1].plot([r["step"] for r in goal], [r["goal_rate"] for r in goal], lw=1, label=name)
    for s in STRENGTHS:
        start = result["measured"]["start"][f"scripted_{s}"]["value"]
        axes[0].axhline(start, color=colours[s], ls="--", lw=0.8)
    axes[0].set(xlabel="game steps of self-play", ylabel="value (+1 win, −1 loss)", ylim=(-1, 1),
                title="against the scripted team, each seed (dashed: the starting team)")  # fmt: skip
    axes[1].set(xlabel="game steps of self-play", ylabel="share of games with a goal (last 200)",
                title="goals in self-play", ylim=(0, None))  # fmt: skip
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "madrid-selfplay.png", dpi=110)


def ship(out: Path, seed: int, base: Path) -> None:
    """Make the shipped 3v3 set the whole curriculum: ``base``'s snapshots (the stage against the scripted
    team, its last the starting team) followed by seed ``seed``'s self-play snapshots, their steps counted
    from the curriculum's start; the last self-play snapshot becomes the target, every earlier one a
    reference."""
    from openended.core.serialize import load_tree, save_tree
    from openended.rl.policies import INDEX, write_index

    game = f"football-{PLAYERS}v{PLAYERS}"
    index = json.loads((base / INDEX).read_text())
    first = [e for e in index["snapshots"] if not e.get("self_play")]
    offset = max(e["step"] for e in first)
    run = out / "runs" / f"selfplay-{seed}" / "artifacts" / "policies"
    added = []
    for e in json.loads((run / INDEX).read_text())["snapshots"]:
        step = offset + int(e["step"])
        tree = load_tree(run / e["file"])
        tree["info"] |= {"step": step, "self_play_step": int(e["step"])}
        name = f"step_{step:012d}.npz"
        save_tree(base / name, tree)
        added.append({"file": name, "step": step, "mean_return": e["mean_return"], "self_play": True})
    note = (
        f"a curriculum: {len(first)} snapshots of MAPPO against VMAS's scripted team at 0.05 (to "
        f"{offset:,} steps), then {len(added)} of pure self-play continued from the last of them "
        f"(benchmarks/madrid/selfplay.py, seed {seed}); steps counted from the start; mean_return = mean "
        "value against VMAS's scripted team at strengths 0.05, 0.5, 0.95 on random levels"
    )
    write_index(base, game, first + added, note=note)
    print(f"shipped: {len(first)} + {len(added)} snapshots in {base}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--total-steps", type=int, default=6_000_000, help="game steps of self-play per seed")
    ap.add_argument(
        "--init-from", default=str(STAGE_1),
        help="the starting team (TargetConfig.init_from; default: the shipped set's end of stage 1)",
    )  # fmt: skip
    ap.add_argument("--levels", type=int, default=256, help="random levels of the final measurement")
    ap.add_argument(
        "--train-flag", action="append", default=[], metavar="FLAG=VALUE",
        help="a train-target flag beyond these, e.g. --train-flag=--ppo.lr=1e-4",
    )  # fmt: skip
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument(
        "--ship", type=int, metavar="SEED",
        help="only append this seed's finished self-play snapshots to the shipped 3v3 set (see ship())",
    )  # fmt: skip
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    if a.ship is not None:
        from openended.madrid.target import SHIPPED

        ship(a.out, a.ship, SHIPPED / f"football-{PLAYERS}v{PLAYERS}")
        return
    total = 16 * 32 * 4 if a.tiny else a.total_steps
    extra = [part for flag in a.train_flag for part in flag.split("=", 1)]
    runs = train(a.out, a.seeds, total, a.init_from, a.tiny, extra)
    import torch

    from openended.core.runs import provenance

    result = {
        "what": "MADRID's 3v3 target by pure self-play (scripted_share 0), continued from --init-from",
        **provenance(),
        "device": f"cpu ({os.cpu_count()} cores, one torch thread per seed)",
        "torch": torch.__version__,
        "settings": {"seeds": a.seeds, "total_steps": total, "init_from": a.init_from, "flags": extra},
        "configs": {r.name: json.loads((r / "config.json").read_text()) for r in runs},
        "curves": curves(runs),
        "measured": measure(runs, a.init_from, 16 if a.tiny else a.levels, 48 if a.tiny else None),
        "note": "value: mean over games of +1 win, −1 loss, 0 draw, one game per random level; the starting "
        "and final teams on the same levels; vs_start: the final team against the team it started from",
    }
    (a.out / "madrid-selfplay.json").write_text(json.dumps(result, indent=1) + "\n")
    plot(a.out, result)
    with tarfile.open(a.out / "madrid-selfplay-runs.tgz", "w:gz") as tar:
        for run in runs:
            tar.add(run, arcname=run.name)
    print(json.dumps(result["measured"], indent=1), flush=True)


if __name__ == "__main__":
    main()
