"""Commands of the torch RL layer: ``openended rl train-expert | collect | evaluate``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.config import Config, ConfigError
from openended.core.report import Report
from openended.core.runs import Run, read_metrics
from openended.rl.config import CollectConfig, EvaluateConfig, ExpertConfig


def _train(run: Run) -> None:
    from openended.rl.experts import train_expert

    train_expert(run)


def _collect(run: Run) -> None:
    from openended.rl.collect import collect

    collect(run)


def _policy_for(game: str, source: str) -> Path:
    """A policy file: ``source`` itself, the expert of a train-expert run directory, or the shipped one."""
    from openended.rl.policies import snapshots

    if source.endswith(".npz"):
        return Path(source)
    return snapshots(source, game)[-1].path


def _evaluate(run: Run) -> None:
    from openended.rl.evaluation import iqm, normalize, run_episodes, train_test_figure
    from openended.rl.policies import load_policy
    from openended.rl.ppo import pick_device
    from openended.rl.procgen import split_named

    cfg: EvaluateConfig = run.config  # type: ignore[assignment]
    device = pick_device(cfg.device)
    sources = cfg.policies or ("",) * len(cfg.games)
    per_split: dict[str, list[np.ndarray]] = {s: [] for s in cfg.splits}
    rows: list[dict[str, Any]] = []
    for game, source in zip(cfg.games, sources, strict=True):
        model, info = load_policy(_policy_for(game, source), device)
        for split in cfg.splits:
            eps = run_episodes(
                model,
                game,
                split_named(split),
                cfg.episodes,
                num_envs=cfg.num_envs,
                seed=cfg.seed,
                device=device,
                greedy=cfg.greedy,
                threads=cfg.threads,
            )
            scores = normalize(game, eps.returns)
            per_split[split].append(scores)
            rows.append(
                {
                    "game": game,
                    "split": split,
                    "policy": str(info.get("step", "")),
                    "episodes": len(eps.returns),
                    "mean_return": eps.mean,
                    "std_return": float(eps.returns.std()),
                    "normalized": float(scores.mean()),
                    "distinct_levels": len(set(eps.seeds.tolist())),
                    "dropped": eps.dropped,
                }
            )
    aggregate = {}
    for split, per_game in per_split.items():
        # one policy per game: the bootstrap's "runs" are its episodes, resampled within each game
        point, low, high = iqm(np.stack(per_game, axis=1), reps=cfg.bootstrap, seed=cfg.seed)
        aggregate[split] = {"iqm": point, "ci95": [low, high]}
    result = {"games": list(cfg.games), "per_game": rows, "aggregate": aggregate}
    run.artifact("evaluation.json").write_text(json.dumps(result, indent=1) + "\n")
    means = {s: [float(np.mean(x)) for x in v] for s, v in per_split.items()}
    train_test_figure(means, cfg.games).savefig(run.artifact("train_vs_test.png"), dpi=110)
    run.log(0, **{f"iqm_{s}": a["iqm"] for s, a in aggregate.items()})


def _expert_sections(report: Report, run_dir: Path) -> None:
    index = run_dir / "artifacts" / "policies" / "index.json"
    if index.is_file():
        report.section("Snapshots")
        report.table(json.loads(index.read_text())["snapshots"])
    evals = [r for r in read_metrics(run_dir) if "eval_train_return" in r]
    if evals:
        report.section("Last evaluation")
        last = evals[-1]
        report.table([{k: last[k] for k in ("step", "eval_train_return", "eval_test_return")}])


def _collect_sections(report: Report, run_dir: Path) -> None:
    summary = run_dir / "artifacts" / "summary.json"
    if summary.is_file():
        report.section("Dataset")
        report.table([{k: v for k, v in json.loads(summary.read_text()).items() if k != "policies"}])


def _evaluate_sections(report: Report, run_dir: Path) -> None:
    path = run_dir / "artifacts" / "evaluation.json"
    if path.is_file():
        data = json.loads(path.read_text())
        report.section("Returns per game and split")
        report.table(data["per_game"])
        report.section("Aggregate: IQM of normalized returns, 95% stratified-bootstrap interval")
        report.table(
            [
                {"split": s, "IQM": a["iqm"], "CI low": a["ci95"][0], "CI high": a["ci95"][1]}
                for s, a in data["aggregate"].items()
            ]
        )


def _check_policy(field: str, path: Path, game: str) -> None:
    """One line naming the field when a policy file is missing, unreadable or of another game."""
    from openended.rl.policies import load_policy

    if not path.is_file():
        raise ConfigError(field, f"{path} does not exist")
    try:
        _, info = load_policy(path)
    except Exception as err:  # whatever the bytes are (not a zip, not our format, truncated)
        raise ConfigError(field, f"{path} is not a usable policy file ({err})") from None
    if info.get("game", game) != game:
        raise ConfigError(field, f"{path} is a {info['game']} policy, not {game}")


def _check_collect(cfg: Config) -> None:
    from openended.rl.policies import choose, snapshots

    assert isinstance(cfg, CollectConfig)
    try:
        chosen = choose(snapshots(cfg.experts, cfg.game), cfg.kind, cfg.mixed_fraction)
    except (OSError, ValueError, KeyError) as err:
        raise ConfigError("experts", str(err)) from None
    for snap in chosen:
        _check_policy("experts", snap.path, cfg.game)


def _check_evaluate(cfg: Config) -> None:
    assert isinstance(cfg, EvaluateConfig)
    for game, source in zip(cfg.games, cfg.policies or ("",) * len(cfg.games), strict=True):
        try:
            path = _policy_for(game, source)
        except (OSError, ValueError, KeyError) as err:
            raise ConfigError("policies", str(err)) from None
        _check_policy("policies", path, game)


TRAIN_EXPERT = Experiment("rl-expert", ExpertConfig, _train, _expert_sections)
COLLECT = Experiment("rl-collect", CollectConfig, _collect, _collect_sections, check=_check_collect)
EVALUATE = Experiment("rl-evaluate", EvaluateConfig, _evaluate, _evaluate_sections, check=_check_evaluate)
EXPERIMENT = TRAIN_EXPERT
EXPERIMENTS = (TRAIN_EXPERT, COLLECT, EVALUATE)


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(
        sub, TRAIN_EXPERT, "train a PPO expert on one Procgen game's training levels", "train-expert"
    )
    add_run_command(
        sub, COLLECT, "record a Minari dataset (expert, mixed, suboptimal, observation-only)", "collect"
    )
    add_run_command(
        sub, EVALUATE, "returns on train / validation / test levels, normalized, with IQM", "evaluate"
    )


def tour(root: Path) -> TourEntry:
    """Two thousand PPO steps on bigfish (CPU) and a small expert dataset from its snapshots."""
    cfg = ExpertConfig(
        game="bigfish",
        total_steps=2048,
        ppo=ExpertConfig().ppo.replace(num_envs=16, num_steps=64, minibatches=4),
        snapshots=2,
        eval_every=0,
        eval_episodes=8,
        checkpoint_every=2,
    )
    expert = execute(TRAIN_EXPERT, cfg, root=root, name="bigfish-ppo")
    data = execute(
        COLLECT,
        CollectConfig(game="bigfish", experts=str(expert), transitions=2000, num_envs=16),
        root=root,
        name="bigfish-expert-data",
    )
    last = [r for r in read_metrics(expert) if "eval_train_return" in r][-1]
    summary = json.loads((data / "artifacts" / "summary.json").read_text())
    return TourEntry(
        expert,
        {
            "ppo_steps": last["step"],
            "train_return": round(last["eval_train_return"], 2),
            "test_return": round(last["eval_test_return"], 2),
            "dataset_transitions": summary["transitions"],
        },
        expert / "artifacts" / "returns.png",
    )
