"""ExIt's experiment (issue 28, paper §4 scaled down): GRPO on base tasks vs ExIt vs ExIt + divergence vs
ExIt + diversity bonus, the same steps and samples each, several seeds; then the held-out score after
K = 0…16 self-improvement steps for each trained policy and for the base model, and the buffer's task space.

    python benchmarks/exploratory_iteration/run.py OUT [--seeds 0 1 2] [--grpo-steps 100] [--parallel 4]
    python benchmarks/exploratory_iteration/run.py OUT --tiny     # end to end on a CPU in a few minutes

Resumable: a finished run is skipped, an interrupted one continues from its last checkpoint (TRL's, with the
buffer saved beside it). Writes ``OUT/exit-results.json`` (commit, device, date, settings, per-method K-step
curves with the spread over seeds, the task space over training) and ``OUT/exit-k-steps.png``,
``OUT/exit-training.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

METHODS = ("grpo", "exit", "exit-divergence", "exit-diversity")


def _openended(*args: str, log: Path) -> None:
    with log.open("a") as f:
        subprocess.run(
            [sys.executable, "-m", "openended", *args], check=True, stdout=f, stderr=subprocess.STDOUT
        )


def _status(run: Path) -> str | None:
    meta = run / "run.json"
    return json.loads(meta.read_text()).get("status") if meta.is_file() else None


def _train(out: Path, method: str, seed: int, flags: list[str]) -> Path:
    run = out / "runs" / f"{method}-{seed}"
    if _status(run) == "finished" and (run / "artifacts" / "evaluation.json").is_file():
        return run
    log = out / "logs" / f"{run.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if (run / "run.json").is_file():
        _openended("exit", "train", "--resume", str(run), "--no-report", log=log)
    else:
        _openended(
            "exit", "train", "--runs-root", str(out / "runs"), "--name", run.name, "--no-report",
            "--method", method, "--seed", str(seed), *flags, log=log,
        )  # fmt: skip
    print(f"train {run.name}: done", flush=True)
    return run


def _base(out: Path, spec: str, flags: list[str]) -> Path:
    run = out / "runs" / "base"
    if _status(run) == "finished":
        return run
    if run.exists():
        import shutil

        shutil.rmtree(run)  # an evaluation has no checkpoints: start it again
    _openended(
        "exit", "evaluate", "--runs-root", str(out / "runs"), "--name", "base", "--no-report",
        "--model", spec, *flags, log=out / "logs" / "base.log",
    )  # fmt: skip
    print("base: done", flush=True)
    return run


def _curves(runs: dict[str, list[Path]]) -> dict[str, dict]:
    import numpy as np

    out: dict[str, dict] = {}
    for label, paths in runs.items():
        evals = [json.loads((p / "artifacts" / "evaluation.json").read_text()) for p in paths]
        ks = [r["step"] for r in evals[0]["steps"]]
        score = np.array([[r["score"] for r in e["steps"]] for e in evals])  # seeds × K
        solved = np.array([[r["solved"] for r in e["steps"]] for e in evals])
        best = np.array([[r["best_score"] for r in e["steps"]] for e in evals])
        # share of answers that parse as an expression: a falling score is either wrong arithmetic or none
        valid = np.array([[r.get("valid", np.nan) for r in e["steps"]] for e in evals])
        sd = lambda a: a.std(0, ddof=1).tolist() if len(a) > 1 else [0.0] * a.shape[1]  # noqa: E731
        out[label] = {
            "runs": [p.name for p in paths],
            "k": ks,
            "score_mean": score.mean(0).tolist(),
            "score_sd": sd(score),
            "solved_mean": solved.mean(0).tolist(),
            "solved_sd": sd(solved),
            "best_score_mean": best.mean(0).tolist(),
            "improvement_k0_to_kmax": (score[:, -1] - score[:, 0]).tolist(),
            "score_per_seed": score.tolist(),
            "solved_per_seed": solved.tolist(),
            "valid_per_seed": valid.tolist(),
        }
    return out


def _train_rows(run: Path) -> list[dict]:
    """A run's training-step rows in step order. A resumed run re-logs the steps between its last checkpoint
    and the crash; the rows written last are the ones the finished policy went through, so each step keeps
    its last row."""
    from openended.core.runs import read_metrics

    by_step = {m["step"]: m for m in read_metrics(run) if "buffer_size" in m}
    return [by_step[s] for s in sorted(by_step)]


# The task space over training: distinct task instances met so far, the buffer's mean and deepest partial
# history, and its mean learnability.
OVER_TRAINING = ("distinct_tasks", "buffer_depth", "buffer_max_depth", "buffer_learnability")


def _over_training(groups: dict[str, list[Path]]) -> dict[str, dict]:
    """Per method, each OVER_TRAINING metric by training step: mean and sd over seeds, over the steps that
    every seed has."""
    import numpy as np

    out: dict[str, dict] = {}
    for label, paths in groups.items():
        rows = [_train_rows(p) for p in paths]
        n = min((len(r) for r in rows), default=0)
        if n == 0:
            continue
        entry: dict = {"runs": [p.name for p in paths], "step": [r["step"] for r in rows[0][:n]]}
        for key in OVER_TRAINING:
            a = np.array([[float(r.get(key, np.nan)) for r in run[:n]] for run in rows])  # seeds × steps
            if np.isnan(a).all():  # GRPO on base tasks keeps no buffer
                continue
            entry[f"{key}_mean"] = a.mean(0).tolist()
            entry[f"{key}_sd"] = (a.std(0, ddof=1) if len(a) > 1 else np.zeros(n)).tolist()
        out[label] = entry
    return out


def _training_figure(over: dict[str, dict], path: Path) -> None:
    import numpy as np
    from matplotlib.figure import Figure

    titles = {
        "distinct_tasks": "distinct task instances met",
        "buffer_depth": "mean depth of the buffer's histories",
        "buffer_max_depth": "deepest history in the buffer",
        "buffer_learnability": "buffer's mean learnability",
    }
    fig = Figure(figsize=(9.0, 5.6), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, key in zip(axes, OVER_TRAINING, strict=True):
        for label, c in over.items():
            if f"{key}_mean" not in c:  # GRPO keeps no buffer
                continue
            m, s = np.array(c[f"{key}_mean"]), np.array(c[f"{key}_sd"])
            ax.plot(c["step"], m, lw=1.2, color=_colour(label), label=f"{label} ({len(c['runs'])})")
            ax.fill_between(c["step"], m - s, m + s, color=_colour(label), alpha=0.15)
        ax.set_title(titles[key], fontsize=9)
        ax.set_xlabel("GRPO step", fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].legend(frameon=False, fontsize=7)
    fig.suptitle("task space over training (band: ± sd over seeds)", fontsize=10)
    fig.savefig(path, dpi=120)


def _training(paths: list[Path]) -> dict:
    """Per run: the deepest partial history trained on, and the buffer's task space at the end."""
    import numpy as np

    rows = {}
    for p in paths:
        train = _train_rows(p)
        entry = {
            "steps": len(train),
            "reward_first_10": float(np.mean([m["reward"] for m in train[:10]])) if train else None,
            "reward_last_10": float(np.mean([m["reward"] for m in train[-10:]])) if train else None,
            "mean_train_depth": float(np.mean([m.get("train_depth", 0) for m in train])) if train else 0,
            "distinct_tasks": train[-1]["distinct_tasks"] if train else 0,
        }
        buffer = p / "artifacts" / "buffer.json"
        if buffer.is_file():
            b = json.loads(buffer.read_text())
            entry["buffer_depths"] = b["depths"]
            entry["buffer_max_depth"] = max((int(d) for d in b["depths"]), default=0)
            texts = [e["task"]["previous"]["text"] for e in b["entries"] if e["task"].get("previous")]
            if len(texts) >= 2:
                from openended.llm.diversity import mean_pairwise_distance
                from openended.llm.embeddings import embed

                entry["buffer_answer_diversity"] = float(mean_pairwise_distance(embed(texts[:256])))
        rows[p.name] = entry
    return rows


def _constant_answers(run: Path) -> dict[str, dict[str, float]]:
    """Held-out score and solve rate of answers that ignore everything but the numbers: the first two
    numbers always combined by one operation. A trained policy at one of these has collapsed to it."""
    import numpy as np

    from openended.core.config import from_dict
    from openended.exploratory_iteration.countdown import Countdown, CountdownConfig, verify

    cfg = json.loads((run / "config.json").read_text())
    cfg["domain"].setdefault("balanced_operators", False)  # runs from before the field drew expressions first
    domain = Countdown(from_dict(CountdownConfig, cfg["domain"]))
    held = domain.held_out[: int(cfg["evaluation"]["instances"])]
    answers = {
        "a + b": lambda a, b: f"{a} + {b}",
        "a * b": lambda a, b: f"{a} * {b}",
        "max - min": lambda a, b: f"{max(a, b)} - {min(a, b)}",
        "max / min": lambda a, b: f"{max(a, b)} / {min(a, b)}",
    }
    out = {}
    for name, answer in answers.items():
        verdicts = [verify(i, answer(*i.numbers[:2])) for i in held]
        out[name] = {
            "score": float(np.mean([v.score for v in verdicts])),
            "solved": float(np.mean([v.score == 1 for v in verdicts])),
        }
    return out


def _colour(label: str) -> str:
    """One colour per method in both figures and every panel, whichever methods a run has."""
    return f"C{1 + METHODS.index(label)}" if label in METHODS else "C0"


def _figure(
    curves: dict[str, dict], path: Path, train_depth: float, constants: dict[str, dict[str, float]]
) -> None:
    import numpy as np
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for label, c in curves.items():
        m, s = np.array(c["score_mean"]), np.array(c["score_sd"])
        ax.plot(c["k"], m, marker="o", ms=3, color=_colour(label), label=f"{label} ({len(c['runs'])})")
        ax.fill_between(c["k"], m - s, m + s, color=_colour(label), alpha=0.15)
    best = max(constants.items(), key=lambda kv: kv[1]["score"], default=None)
    if best is not None:  # the best answer that ignores the target: a policy here may have collapsed to it
        ax.axhline(best[1]["score"], color="black", ls="--", lw=0.8)
        ax.text(0, best[1]["score"], f" always '{best[0]}'", va="bottom", fontsize=8)
    ax.axvline(train_depth, color="grey", ls=":", lw=1)
    ax.text(train_depth, ax.get_ylim()[1], " deepest trained", va="top", fontsize=8, color="grey")
    ax.set_xlabel("self-improvement steps k (held-out Countdown)")
    ax.set_ylabel("mean score (band: ± sd over seeds)")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    fig.savefig(path, dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--stages", nargs="+", default=["base", "train", "results"])
    ap.add_argument("--methods", nargs="+", default=list(METHODS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--grpo-steps", type=int, default=100)
    ap.add_argument("--lr", type=float, default=None, help="learning rate (default: the config's)")
    ap.add_argument("--prompts-per-step", type=int, default=None)
    ap.add_argument("--parallel", type=int, default=4, help="training runs at once (one GPU holds several)")
    ap.add_argument(
        "--model", default="hf:smollm2-135m", help="the policy to train (a transformers checkpoint)"
    )
    ap.add_argument(
        "--eval-flag", action="append", default=[], metavar="FLAG=VALUE",
        help="an evaluation flag for the base model and trained runs, e.g. --eval-flag=--evaluation.steps=8",
    )  # fmt: skip
    ap.add_argument(
        "--device-name", default=None,
        help="the accelerator the runs trained on, when the results step runs on another machine "
        "(default: this machine's)",
    )  # fmt: skip
    ap.add_argument("--tiny", action="store_true", help="toy sizes for a CPU check")
    a = ap.parse_args()
    out: Path = a.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    os.environ.setdefault("OPENENDED_PROGRESS", "0")

    flags = ["--model", a.model, "--steps", str(a.grpo_steps), "--checkpoint-every", "25"]
    eval_flags = [part for flag in a.eval_flag for part in flag.split("=", 1)]
    if a.lr is not None:
        flags += ["--grpo.lr", str(a.lr)]
    if a.prompts_per_step is not None:
        flags += ["--grpo.prompts-per-step", str(a.prompts_per_step)]
    if a.tiny:
        flags = ["--model", a.model, "--steps", "2", "--grpo.group-size", "4", "--grpo.prompts-per-step", "1",
                 "--grpo.max-completion-tokens", "12", "--curriculum.capacity", "8",
                 "--curriculum.min-size", "1", "--device", "cpu"]  # fmt: skip
        eval_flags = ["--evaluation.instances", "2", "--evaluation.steps", "2", "--evaluation.samples", "1",
                      "--evaluation.max-tokens", "12"]  # fmt: skip
        a.parallel = 1
    flags += eval_flags
    base_spec = a.model + ("?device=cpu" if a.tiny else "?batch_size=64")
    t0 = time.time()
    if "base" in a.stages:
        _base(out, base_spec, eval_flags)
    if "train" in a.stages:
        jobs = [(m, s) for s in a.seeds for m in a.methods]
        with ThreadPoolExecutor(a.parallel) as pool:
            list(pool.map(lambda job: _train(out, job[0], job[1], flags), jobs))
    if "results" in a.stages:
        from openended.core.runs import provenance

        groups = {m: [out / "runs" / f"{m}-{s}" for s in a.seeds] for m in a.methods}
        groups = {
            m: [p for p in ps if (p / "artifacts" / "evaluation.json").is_file()] for m, ps in groups.items()
        }
        groups = {m: ps for m, ps in groups.items() if ps}
        if (out / "runs" / "base" / "artifacts" / "evaluation.json").is_file():
            groups = {"base model": [out / "runs" / "base"], **groups}
        curves = _curves(groups)
        trained = [p for m, ps in groups.items() if m != "base model" for p in ps]
        training = _training(trained)
        deepest = max((t.get("buffer_max_depth", 0) for t in training.values()), default=0)
        some_run = next(p for ps in groups.values() for p in ps)
        constants = _constant_answers(some_run)
        _figure(curves, out / "exit-k-steps.png", deepest, constants)
        over_training = _over_training({m: ps for m, ps in groups.items() if m != "base model"})
        _training_figure(over_training, out / "exit-training.png")
        device = a.device_name or "cpu"
        if a.device_name is None:
            try:
                import torch

                device = torch.cuda.get_device_name(0) if torch.cuda.is_available() and not a.tiny else "cpu"
            except ImportError:
                pass
        # where each run trained (commit, host), from its run.json: the results step may run elsewhere
        keys = ("commit", "dirty", "date", "platform", "cpu_count", "note")
        trained_where = {}
        for p in (p for ps in groups.values() for p in ps):
            meta = json.loads((p / "run.json").read_text())
            trained_where[p.name] = {k: meta.get(k) for k in keys}
        result = {
            **provenance(),
            "device": device,
            "runs_provenance": trained_where,
            "settings": {"train_flags": flags, "seeds": a.seeds, "methods": a.methods},
            "curves": curves,
            "training": training,
            "over_training": over_training,
            "deepest_buffer_history": deepest,
            "constant_answers": constants,
            "wall_s": round(time.time() - t0, 1),
        }
        (out / "exit-results.json").write_text(json.dumps(result, indent=1) + "\n")
        print("results: done", flush=True)


if __name__ == "__main__":
    main()
