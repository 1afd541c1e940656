"""LAPO's experiment as one resumable script: each step skips what is finished in OUT and resumes what was
interrupted (every stage is an ``openended lapo`` run).

    python benchmarks/lapo/run.py OUT                                   # every step, defaults below
    python benchmarks/lapo/run.py OUT --games bigfish maze --seeds 0 1 2 --online-frames 1000000
    python benchmarks/lapo/run.py OUT --tiny                            # the same at toy scale on CPU

Steps (per game; the stages per seed):

* ``data``: from the shipped PPO expert, an observation-only dataset (``<game>-frames``, ``--frames``
  transitions) and an action-labelled one (``<game>-labelled``) for the probe, the latent map and offline
  decoding;
* ``stage1`` / ``stage2``: the latent dynamics and the latent policy;
* ``decode``: offline decoders at ``--sizes`` labelled transitions, each scored on the test levels;
* ``online``: LAPO + RL for ``--online-frames`` frames; ``baseline``: PPO from scratch (``openended rl
  train-expert``, IMPALA ×4 as LAPO's policy) on the same levels for the same frames;
* ``results``: ``OUT/lapo-results.json`` (commit, device, date, scale, every number the README quotes) and
  ``OUT/lapo-curves.png`` (normalized test return against frames, the paper's Fig. 3 shape).

Scale (defaults): 200k observation-only frames per game where LAPO had ~8M, stages of 5k and 5k steps where
LAPO ran 50k and 60k, 1M frames online where LAPO ran 4M. The JSON records what was run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "unknown"


def data(a: argparse.Namespace) -> None:
    from openended.core.commands import run_or_resume
    from openended.rl.cli import COLLECT
    from openended.rl.config import CollectConfig, DatasetKind

    small: dict[str, Any] = {"num_envs": 8, "device": "cpu"} if a.tiny else {"num_envs": 64, "threads": 8}
    for game in a.games:
        wanted: list[tuple[str, DatasetKind, int]] = [
            (f"{game}-frames", "observation_only", a.frames),
            (f"{game}-labelled", "expert", a.labelled),
        ]
        for name, kind, n in wanted:
            cfg = CollectConfig(game=game, kind=kind, transitions=n, **small)
            run_or_resume(COLLECT, cfg, a.out / "data", name, report=False)
            print(f"data {name}: done", flush=True)


def _model(a: argparse.Namespace) -> Any:
    from openended.lapo.config import ModelConfig, VQConfig

    if a.tiny:
        return ModelConfig(idm_scale=1, policy_scale=1, features=32, fdm_width=4, vq=VQConfig(codes=8))
    return ModelConfig()


def _device(a: argparse.Namespace) -> dict[str, Any]:
    return {"device": "cpu"} if a.tiny else {}


def stage1(a: argparse.Namespace) -> None:
    from openended.core.commands import run_or_resume
    from openended.lapo.cli import STAGE1
    from openended.lapo.config import DynamicsConfig, ProbeConfig

    for game in a.games:
        for seed in a.seeds:
            probe = ProbeConfig(samples=200, test_samples=100, epochs=2) if a.tiny else ProbeConfig()
            cfg = DynamicsConfig(
                dataset=str(a.out / "data" / f"{game}-frames"),
                labelled=str(a.out / "data" / f"{game}-labelled"),
                model=_model(a),
                steps=a.stage1_steps,
                probe_every=max(1, a.stage1_steps // 10),
                probe=probe,
                seed=seed,
                **_device(a),
            )
            run_or_resume(STAGE1, cfg, a.out / "runs", f"stage1-{game}-{seed}")
            print(f"stage1 {game} {seed}: done", flush=True)


def stage2(a: argparse.Namespace) -> None:
    from openended.core.commands import run_or_resume
    from openended.lapo.cli import STAGE2
    from openended.lapo.config import LatentPolicyConfig

    for game in a.games:
        for seed in a.seeds:
            cfg = LatentPolicyConfig(
                dynamics=str(a.out / "runs" / f"stage1-{game}-{seed}"),
                steps=a.stage2_steps,
                warmup=min(1000, a.stage2_steps // 10),
                seed=seed,
                **_device(a),
            )
            run_or_resume(STAGE2, cfg, a.out / "runs", f"stage2-{game}-{seed}")
            print(f"stage2 {game} {seed}: done", flush=True)


def decode(a: argparse.Namespace) -> None:
    from openended.core.commands import run_or_resume
    from openended.lapo.cli import DECODE
    from openended.lapo.config import OfflineDecodeConfig

    for game in a.games:
        for seed in a.seeds:
            cfg = OfflineDecodeConfig(
                policy=str(a.out / "runs" / f"stage2-{game}-{seed}"),
                labelled=str(a.out / "data" / f"{game}-labelled"),
                sizes=tuple(a.sizes),
                episodes=a.episodes,
                seed=seed,
                **_device(a),
            )
            run_or_resume(DECODE, cfg, a.out / "runs", f"decode-{game}-{seed}")
            print(f"decode {game} {seed}: done", flush=True)


def online(a: argparse.Namespace) -> None:
    from openended.core.commands import run_or_resume
    from openended.lapo.cli import ONLINE
    from openended.lapo.config import OnlineDecodeConfig

    for game in a.games:
        for seed in a.seeds:
            base = OnlineDecodeConfig()
            extra: dict[str, Any] = {}
            if a.tiny:
                extra = {
                    "ppo": base.ppo.replace(num_envs=4, num_steps=16, minibatches=2),
                    "refit": (10, 400),
                    "head_start": (0, 64),
                    "value_start": (0, 64),
                    "trunk_start": (64, 128),
                    "threads": 1,
                }
            cfg = OnlineDecodeConfig(
                policy=str(a.out / "runs" / f"stage2-{game}-{seed}"),
                frames=a.online_frames,
                eval_every=a.eval_every,
                eval_episodes=a.episodes,
                seed=seed,
                **_device(a),
                **extra,
            )
            run_or_resume(ONLINE, cfg, a.out / "runs", f"online-{game}-{seed}")
            print(f"online {game} {seed}: done", flush=True)


def baseline(a: argparse.Namespace) -> None:
    from openended.core.commands import run_or_resume
    from openended.rl.cli import TRAIN_EXPERT
    from openended.rl.config import ExpertConfig, NetworkConfig, PPOConfig

    for game in a.games:
        for seed in a.seeds:
            # PPO from scratch on the levels LAPO learns on, with LAPO's policy network (IMPALA ×4) and the
            # rollout shape of its stage 3 (64 envs × 64 steps), at the same frames
            ppo = PPOConfig(num_envs=4, num_steps=16, minibatches=2) if a.tiny else PPOConfig(num_steps=64)
            cfg = ExpertConfig(
                game=game,
                total_steps=a.online_frames,
                split="test",
                ppo=ppo,
                network=NetworkConfig(scale=1 if a.tiny else 4),
                snapshots=1,
                eval_every=a.eval_every,
                eval_episodes=a.episodes,
                seed=seed,
                threads=1 if a.tiny else 4,
                **_device(a),
            )
            run_or_resume(TRAIN_EXPERT, cfg, a.out / "runs", f"ppo-{game}-{seed}")
            print(f"baseline {game} {seed}: done", flush=True)


def _rows(run: Path) -> list[dict[str, Any]]:
    path = run / "metrics.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x] if path.is_file() else []


def results(a: argparse.Namespace) -> None:
    import torch
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    runs = a.out / "runs"
    out: dict[str, Any] = {
        "commit": _commit(),
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "date": datetime.date.today().isoformat(),
        "scale": {
            k: getattr(a, k)
            for k in (
                "frames",
                "labelled",
                "stage1_steps",
                "stage2_steps",
                "online_frames",
                "sizes",
                "episodes",
            )
        },
        "games": {},
    }
    fig = Figure(figsize=(3.2 * len(a.games), 3.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(a.games), squeeze=False)[0]
    for ax, game in zip(axes, a.games, strict=True):
        entry: dict[str, Any] = {"seeds": a.seeds}
        probes = [[r for r in _rows(runs / f"stage1-{game}-{s}") if "probe_test_acc" in r] for s in a.seeds]
        entry["probe_test_acc"] = [p[-1]["probe_test_acc"] if p else None for p in probes]
        decoded = [runs / f"decode-{game}-{s}" / "artifacts" / "decoding.json" for s in a.seeds]
        entry["offline_decoding"] = [json.loads(p.read_text()) if p.is_file() else None for p in decoded]
        for label, prefix, key, x in (
            ("LAPO + RL", "online", "eval_normalized", "frames"),
            ("PPO from scratch", "ppo", "eval_test_normalized", "step"),
        ):
            curves = [
                [(r[x], r[key]) for r in _rows(runs / f"{prefix}-{game}-{s}") if key in r] for s in a.seeds
            ]
            entry[label] = {"curves": curves, "final": [c[-1][1] if c else None for c in curves]}
            done = [c for c in curves if c]
            if done:
                n = min(len(c) for c in done)
                xs = np.array([p[0] for p in done[0][:n]])
                ys = np.array([[p[1] for p in c[:n]] for c in done])
                ax.plot(xs, ys.mean(0), label=f"{label} ({len(done)} seeds)")
                ax.fill_between(xs, ys.min(0), ys.max(0), alpha=0.2)
        ax.set_title(game)
        ax.set_xlabel("frames")
        ax.grid(alpha=0.3)
        out["games"][game] = entry
    axes[0].set_ylabel("normalized test return")
    axes[0].legend(fontsize=7, frameon=False)
    fig.savefig(a.out / "lapo-curves.png", dpi=110)
    (a.out / "lapo-results.json").write_text(json.dumps(out, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument(
        "--steps", nargs="+", default=["data", "stage1", "stage2", "decode", "online", "baseline", "results"]
    )
    ap.add_argument("--games", nargs="+", default=["bigfish", "coinrun", "maze", "starpilot"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument(
        "--frames", type=int, default=200_000, help="observation-only frames per game (LAPO: ~8M)"
    )
    ap.add_argument("--labelled", type=int, default=120_000, help="action-labelled transitions per game")
    ap.add_argument("--stage1-steps", type=int, default=5_000, help="LAPO: 50k")
    ap.add_argument("--stage2-steps", type=int, default=5_000, help="LAPO: 60k")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--online-frames", type=int, default=1_000_000, help="LAPO: 4M")
    ap.add_argument("--eval-every", type=int, default=25, help="updates between test-level scores")
    ap.add_argument("--episodes", type=int, default=64, help="episodes per score")
    ap.add_argument("--tiny", action="store_true")
    a = ap.parse_args()
    if a.tiny:
        a.games, a.seeds, a.frames, a.labelled = a.games[:1], [0], 300, 300
        a.stage1_steps, a.stage2_steps, a.sizes, a.online_frames, a.episodes, a.eval_every = (
            4,
            4,
            [50],
            256,
            2,
            2,
        )
    a.out.mkdir(parents=True, exist_ok=True)
    steps = {
        "data": data,
        "stage1": stage1,
        "stage2": stage2,
        "decode": decode,
        "online": online,
        "baseline": baseline,
        "results": results,
    }
    for step in a.steps:
        if step not in steps:
            raise SystemExit(f"unknown step {step!r}; known: {', '.join(steps)}")
        steps[step](a)
        print(f"{step}: done", flush=True)


if __name__ == "__main__":
    main()
