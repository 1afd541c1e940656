"""Commands of ExIt: ``openended exploratory-iteration train | evaluate`` (alias ``openended exit``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.config import Config, ConfigError
from openended.core.report import Report, curves_figure
from openended.core.runs import Run, read_meta, read_metrics
from openended.exploratory_iteration.config import EvalConfig, EvaluateConfig, ExItConfig


def _policy_spec(path: Path, device: str) -> str:
    options = "batch_size=64" + (f"&device={device}" if device != "auto" else "")
    return f"hf:{path}?{options}"


def _evaluate_into(run: Run, spec: str, cfg: Any, ev: EvalConfig, seed: int) -> dict[str, Any]:
    from openended.exploratory_iteration.countdown import Countdown
    from openended.exploratory_iteration.evaluation import self_improvement
    from openended.llm import load

    model = load(spec)
    bar = run.progress(ev.steps + 1, desc="self-improvement steps")

    def step(k: int, row: dict[str, Any]) -> None:
        run.log(k, **{f"eval_{key}": v for key, v in row.items() if key != "score_per_sample"})
        bar.update(1)

    result = self_improvement(model, Countdown(cfg), ev, seed, step)
    bar.close()
    result["model"] = spec
    run.artifact("evaluation.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def _train(run: Run) -> None:
    from openended.exploratory_iteration.grpo import train

    cfg: ExItConfig = run.config  # type: ignore[assignment]
    policy = train(run)
    _evaluate_into(run, _policy_spec(policy, cfg.device), cfg.domain, cfg.evaluation, cfg.seed)


def _evaluate(run: Run) -> None:
    cfg: EvaluateConfig = run.config  # type: ignore[assignment]
    spec = cfg.model
    if (Path(spec) / "run.json").is_file():
        spec = _policy_spec(Path(spec) / "artifacts" / "policy", "auto")
    _evaluate_into(run, spec, cfg.domain, cfg.evaluation, cfg.seed)


def k_step_figure(results: dict[str, dict[str, Any]]) -> Any:
    """Score after k self-improvement steps, one line per labelled evaluation (spread over samples)."""
    import numpy as np
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    for label, res in results.items():
        ks = [r["step"] for r in res["steps"]]
        per = np.array([r["score_per_sample"] for r in res["steps"]])
        ax.plot(ks, per.mean(1), marker="o", ms=3, label=label)
        if per.shape[1] > 1:
            ax.fill_between(ks, per.min(1), per.max(1), alpha=0.2)
    ax.set_xlabel("self-improvement steps k")
    ax.set_ylabel("held-out score")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return fig


def _evaluation_sections(report: Report, run_dir: Path) -> None:
    path = run_dir / "artifacts" / "evaluation.json"
    if not path.is_file():
        return
    res = json.loads(path.read_text())
    report.section("Held-out self-improvement").figure(
        k_step_figure({res.get("model", "policy"): res}),
        "mean score of the answer after k improve steps (band: min–max over sampled chains)",
    )
    report.table([{k: v for k, v in r.items() if k != "score_per_sample"} for r in res["steps"]])
    report.section("An example").code(f"{res['example']['prompt']}\n---\n{res['example']['answer']}")


def _train_sections(report: Report, run_dir: Path) -> None:
    rows = [r for r in read_metrics(run_dir) if "buffer_size" in r]
    if rows:
        for title, keys in (
            ("Reward", ["reward", "score", "solved"]),
            ("Learnability", ["learnability", "buffer_learnability", "zero_variance_groups"]),
            ("Task space", ["buffer_size", "distinct_tasks"]),
            ("Depth", ["train_depth", "buffer_depth", "buffer_max_depth"]),
        ):
            present = [k for k in keys if any(k in r for r in rows)]
            if present:
                report.section(title).figure(curves_figure(rows, present))
    buffer = run_dir / "artifacts" / "buffer.json"
    if buffer.is_file():
        depths = json.loads(buffer.read_text())["depths"]
        if depths:
            report.section("Buffer: partial-history depth at the end").table(
                [{"depth": int(d), "entries": n} for d, n in depths.items()]
            )
    _evaluation_sections(report, run_dir)


def _check_evaluate(cfg: Config) -> None:
    assert isinstance(cfg, EvaluateConfig)
    path = Path(cfg.model)
    if (path / "run.json").is_file():
        if read_meta(path).get("system") != TRAIN.system:
            raise ConfigError("model", f"{cfg.model} is not an ExIt training run")
        if not (path / "artifacts" / "policy" / "config.json").is_file():
            raise ConfigError("model", f"{cfg.model} has not finished training (no artifacts/policy)")


TRAIN = Experiment("exploratory-iteration-train", ExItConfig, _train, _train_sections)
EVALUATE = Experiment(
    "exploratory-iteration-evaluate", EvaluateConfig, _evaluate, _evaluation_sections, check=_check_evaluate
)
EXPERIMENT = TRAIN
EXPERIMENTS = (TRAIN, EVALUATE)


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(
        sub, TRAIN, "GRPO on ExIt's autocurriculum of partial histories, then the K-step evaluation", "train"
    )
    add_run_command(sub, EVALUATE, "held-out score after K self-improvement steps, of any model", "evaluate")


def tour(root: Path) -> TourEntry:
    """Three GRPO steps of ExIt on CPU with the embedded SmolLM2-135M (one prompt, 4 rollouts of 16 tokens,
    self-iteration steps from the buffer as soon as it holds an entry), then a 2-step evaluation on 4
    held-out instances."""
    from openended.exploratory_iteration.config import CurriculumConfig, GRPOSettings
    from openended.exploratory_iteration.countdown import CountdownConfig

    cfg = ExItConfig(
        method="exit-full",
        domain=CountdownConfig(held_out=4),
        curriculum=CurriculumConfig(capacity=16, min_size=1, buffer_probability=1.0),
        grpo=GRPOSettings(group_size=4, prompts_per_step=1, max_completion_tokens=16, lr=1e-5),
        evaluation=EvalConfig(instances=4, steps=2, samples=1, max_tokens=16),
        steps=3,
        device="cpu",
    )
    run = execute(TRAIN, cfg, root=root, name="exploratory-iteration-tour")
    res = json.loads((run / "artifacts" / "evaluation.json").read_text())
    rows = [r for r in read_metrics(run) if "buffer_size" in r]
    return TourEntry(
        run,
        {
            "steps": len(rows),
            "buffer_size": rows[-1]["buffer_size"] if rows else 0,
            "held_out_score_k0": round(res["steps"][0]["score"], 3),
            f"held_out_score_k{len(res['steps']) - 1}": round(res["steps"][-1]["score"], 3),
        },
    )
