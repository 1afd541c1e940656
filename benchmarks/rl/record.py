"""Turn what the GPU runs of ``experts.py`` (and the evaluate / collect / speed runs beside them) returned
into the files the rl README quotes: ``benchmarks/results/rl-experts.json``, ``rl-speed.json``, the experts'
training curves (``rl-experts/<game>-metrics.jsonl``) and two figures.

    python benchmarks/rl/record.py --experts DIR --evaluation FILE --collect DIR --speed DIR --device TEXT

``--evaluation``, ``--collect`` and ``--speed`` are what ``measure.py`` writes (one folder, OUT).
``--experts`` holds one folder per game as ``experts.py package`` writes them (config, metrics, run.json);
``--evaluation`` is the ``evaluation.json`` of ``openended rl evaluate`` on the shipped experts;
``--collect`` holds ``collect_summary.json``, ``collect_metrics.jsonl`` and ``collect_ram.json``;
``--speed`` holds ``speed-<name>.jsonl`` (train-expert metrics of short single-game runs).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
from pathlib import Path

from matplotlib.figure import Figure

RESULTS = Path(__file__).resolve().parents[1] / "results"
# Labelled references, not our measurements: LAPO's per-game expert mean returns (lapo/env_utils.py; PPO for
# 50M frames on the full level distribution) and the normalization ranges' R_max (Cobbe et al. 2020).
LAPO_EXPERT = {"bigfish": 36.34, "starpilot": 66.99, "coinrun": 9.93, "maze": 9.97}


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--experts", type=Path, required=True)
    ap.add_argument("--evaluation", type=Path, required=True)
    ap.add_argument("--collect", type=Path, required=True)
    ap.add_argument("--speed", type=Path, required=True)
    ap.add_argument("--device", required=True)
    a = ap.parse_args()
    plan = json.loads((a.experts / "plan.json").read_text())
    evaluation = json.loads(a.evaluation.read_text())
    curves_dir = RESULTS / "rl-experts"
    curves_dir.mkdir(parents=True, exist_ok=True)
    games, fig = plan["games"], Figure(figsize=(4.2 * len(plan["games"]), 3.0), layout="constrained")
    per_game = {}
    for i, game in enumerate(games):
        run = a.experts / game
        meta = json.loads((run / "run.json").read_text())
        shutil.copy(run / "metrics.jsonl", curves_dir / f"{game}-metrics.jsonl")
        rows = _rows(run / "metrics.jsonl")
        evals = [r for r in rows if "eval_train_normalized" in r]
        ax = fig.add_subplot(1, len(games), i + 1)
        for key, label in (
            ("eval_train_normalized", "train levels"),
            ("eval_test_normalized", "test levels"),
        ):
            ax.plot([r["step"] / 1e6 for r in evals], [r[key] for r in evals], label=label)
        ax.set_title(game)
        ax.set_xlabel("env steps (M)")
        ax.grid(alpha=0.3)
        if i == 0:
            ax.set_ylabel("normalized return (64 episodes)")
            ax.legend(frameon=False)
        shipped = {r["split"]: r for r in evaluation["per_game"] if r["game"] == game}
        per_game[game] = {
            "env_steps": rows[-1]["step"],
            "train_minutes": round(meta["elapsed_s"] / 60, 1),
            "shipped_expert_100_episodes": {
                s: {k: r[k] for k in ("mean_return", "std_return", "normalized", "distinct_levels")}
                for s, r in shipped.items()
            },
            "reference_lapo_expert_mean_return": LAPO_EXPERT.get(game),
        }
    fig.savefig(RESULTS / "rl-experts-curves.png", dpi=110)
    figure = a.evaluation.with_name("train_vs_test.png")
    shutil.copyfile(figure, RESULTS / "rl-experts-train-vs-test.png")
    first = json.loads((a.experts / games[0] / "run.json").read_text())
    provenance = {k: first.get(k) for k in ("commit", "date", "python", "platform")} | {"device": a.device}
    experts = {
        "what": "PPO experts on Procgen (easy), 200 training levels, shipped as float16 snapshots",
        "provenance": provenance,
        "config": json.loads((a.experts / games[0] / "config.json").read_text()),
        "total_steps": plan["total_steps"],
        "evaluation": "openended rl evaluate: 100 episodes per split, sampled actions, float16 weights",
        "games": per_game,
        "iqm_normalized": evaluation["aggregate"],
        "references": {
            "lapo_expert_mean_return": "LAPO lapo/env_utils.py: PPO, 50M frames, full level distribution",
            "gen_dgrl_behaviour_ppo": "25M steps per game on 200 levels (procgen/configs/online)",
        },
        "seeds": "one training seed per game (seed 0); spread shown is across evaluation episodes",
    }
    (RESULTS / "rl-experts.json").write_text(json.dumps(experts, indent=1) + "\n")

    speed: dict = {"provenance": provenance, "ppo_training": {}, "dataset_generation": {}}
    for path in sorted(a.speed.glob("speed-*.jsonl")):
        sps = [r["steps_per_s"] for r in _rows(path)[1:]]  # the first update includes start-up
        speed["ppo_training"][path.stem.removeprefix("speed-")] = {
            "game": "starpilot",
            "setting": "one process, 64 envs x 256 steps, 16 Procgen threads",
            "median_env_steps_per_s": statistics.median(sps),
        }
    speed["ppo_training"]["four_side_by_side"] = {
        "setting": f"{len(games)} processes, one per game, {plan['threads']} Procgen threads each (probe)",
        "env_steps_per_s_each": plan["probe_steps_per_s"],
    }
    speed["ppo_training"]["cleanrl_ppo_procgen"] = "see rl-anchor.json (anchor.py; H100, later commit)"
    summary = json.loads((a.collect / "collect_summary.json").read_text())
    ram = json.loads((a.collect / "collect_ram.json").read_text())
    last = _rows(a.collect / "collect_metrics.jsonl")[-1]
    speed["dataset_generation"] = {
        "setting": "starpilot expert, 64 envs, 8 Procgen threads, GPU inference, Minari hdf5 without JPEG",
        "transitions": summary["transitions"],
        "transitions_per_s": last["transitions_per_s"],
        "disk_bytes_per_million_transitions": summary["bytes_per_million_transitions"],
        "ram_bytes_per_million_transitions_loaded": ram["ram_bytes_per_million"],
        "load_transitions_per_s": ram["load_transitions_per_s"],
    }
    (RESULTS / "rl-speed.json").write_text(json.dumps(speed, indent=1) + "\n")


if __name__ == "__main__":
    main()
