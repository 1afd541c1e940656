"""Commands: ``openended libribrain make-synthetic | train | evaluate | submit | download``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.report import Report
from openended.core.runs import RunError, load_config, read_meta, read_metrics
from openended.libribrain.config import LibriBrainConfig, SyntheticConfig
from openended.libribrain.constants import PHONEMES, PUBLISHED
from openended.libribrain.words import PRIMARY_VOCABULARY

if TYPE_CHECKING:
    from openended.libribrain.train import Splits, Trainer


def _train(run: object) -> None:
    from openended.libribrain.train import train

    train(run)  # type: ignore[arg-type]


def _sections(report: Report, run_dir: Path) -> None:
    from matplotlib.figure import Figure

    from openended.core.report import curves_figure, heatmap_figure

    rows = read_metrics(run_dir)
    cfg = json.loads((run_dir / "config.json").read_text())
    epochs = [r for r in rows if "train/loss" in r]
    final = next((r for r in reversed(rows) if r.get("event") == "final"), None)
    data = next((r for r in rows if r.get("event") == "data"), None)
    if data:
        report.section("Data")
        report.text(
            f"{data['train_runs']} training runs, {data['train_samples']} training windows, "
            f"{data['validation_samples']} validation, {data['test_samples']} test ({data['root']})."
            + f" Windows dropped for lying partly outside their recording: {data.get('dropped_windows', 0)}."
            + (
                f" Skipped on request: {len(data['skipped_runs'])} missing runs "
                f"({', '.join(data['skipped_runs'][:5])}), "
                f"{data.get('skipped_rows', 0)} unreadable event rows."
                if data.get("skipped_runs") or data.get("skipped_rows")
                else ""
            )
        )
        if (Path(data["root"]) / "SYNTHETIC.md").is_file():
            report.note(
                "Synthetic data with a planted signal (openended.libribrain.synthetic): not a recording."
            )
    if epochs:
        report.section("Training")
        keys = ["train/loss", "validation/loss", "validation/f1_macro"]
        keys += [k for k in ("validation_avg/f1_macro",) if k in epochs[-1]]
        report.figure(curves_figure(epochs, keys), caption="per epoch; F1-macro over the fixed class set")
    if final:
        report.section("Evaluation (best epoch by validation loss)")
        splits = sorted({k.split("/")[0] for k in final if "/" in k})
        score = "balanced_accuracy" if cfg["task"] == "word" else "f1_macro"
        name = "balanced accuracy" if cfg["task"] == "word" else "F1-macro"
        report.table(
            [
                {
                    "split": s,
                    "n": final.get(f"{s}/n"),
                    name: final.get(f"{s}/{score}"),
                    "naive (majority)": final.get(f"{s}/naive_{score}"),
                    "chance (class prior)": final.get(f"{s}/chance_{score}"),
                    "accuracy": final.get(f"{s}/accuracy"),
                    "majority accuracy": final.get(f"{s}/naive_accuracy"),
                }
                for s in splits
            ],
            caption="avg rows: averages of same-phoneme trials, as in the holdout"
            if cfg["task"] == "phoneme"
            else "balanced accuracy: mean recall over the classes present, the 2026 competition's score"
            if cfg["task"] == "word"
            else "",
        )
        per_subject = {k.rsplit("_", 1)[1]: v for k, v in final.items() if "balanced_accuracy_subject_" in k}
        if per_subject:
            report.text(
                "Held-out subjects (broad track), balanced accuracy: "
                + ", ".join(f"subject {k}: {v:.3f}" for k, v in per_subject.items())
                + "."
            )
        ref = PUBLISHED.get(cfg["task"])
        if ref:
            report.text(
                f"Published holdout {name} on the real data, for reference only (not comparable with "
                "synthetic data): " + ", ".join(f"{k} {v:.3f}" for k, v in ref.items()) + "."
            )
    detail_path = run_dir / "artifacts" / "evaluation.json"
    if detail_path.is_file():
        detail = json.loads(detail_path.read_text())
        name = "test_avg" if "test_avg" in detail else "test" if "test" in detail else "validation"
        conf = np.asarray(detail[name]["confusion"], dtype=float)
        labels = (
            ["silence", "speech"]
            if cfg["task"] == "speech"
            else list(PHONEMES)
            if cfg["task"] == "phoneme"
            else ["other", "keyword"]
            if cfg.get("keywords")
            else list(PRIMARY_VOCABULARY)
        )
        rows_norm = conf / np.maximum(conf.sum(axis=1, keepdims=True), 1)
        report.figure(
            heatmap_figure(
                rows_norm, "true class", "predicted class", labels, labels, title=f"confusion ({name})"
            ),
            caption="row-normalised confusion matrix",
        )
        f1 = detail[name]["per_class_f1"]
        fig = Figure(figsize=(max(4, 0.25 * len(labels)), 3), layout="constrained")
        ax = fig.subplots()
        ax.bar(range(len(f1)), f1)
        ax.set_xticks(range(len(f1)), labels, rotation=90, fontsize=7)
        ax.set_ylabel("F1")
        ax.set_title(f"per-class F1 ({name})")
        report.figure(fig)


EXPERIMENT = Experiment("libribrain", LibriBrainConfig, _train, _sections)


def tour_config() -> LibriBrainConfig:
    """Speech detection with the reference model on a small synthetic set: 3 training runs of 60 s."""
    return LibriBrainConfig(task="speech", stride=25, epochs=6, synthetic=SyntheticConfig(train_runs=3))


def tour_word_config() -> LibriBrainConfig:
    """The 2026 word task, broad track (train on subject 0 and two more, test on two held-out subjects), on
    synthetic LibriBrain100-format data: 4 training runs of 60 s for subject 0, 2 sessions per other
    subject."""
    return LibriBrainConfig(task="word", track="broad", epochs=8, synthetic=SyntheticConfig(train_runs=4))


def tour(root: Path) -> TourEntry:
    speech = final_metrics(execute(EXPERIMENT, tour_config(), root=root, name="speech"))
    path = execute(EXPERIMENT, tour_word_config(), root=root, name="word-broad")
    word = final_metrics(path)
    summary = {
        "word balanced accuracy (held-out subjects, synthetic)": word["test/balanced_accuracy"],
        "chance = majority balanced accuracy": word["test/naive_balanced_accuracy"],
        "speech F1-macro (test, synthetic; run 'speech')": speech["test/f1_macro"],
        "naive F1-macro (test)": speech["test/naive_f1_macro"],
    }
    return TourEntry(path, summary, None)


def final_metrics(path: Path) -> dict:
    return next(r for r in reversed(read_metrics(path)) if r.get("event") == "final")


def _make_synthetic(args: argparse.Namespace) -> int:
    from openended.libribrain.synthetic import SyntheticSpec, make_synthetic

    spec = SyntheticSpec(train_runs=args.train_runs, run_s=args.run_s, seed=args.seed)
    keys = make_synthetic(args.out, spec)
    print(f"wrote {len(keys)} runs under {args.out} (planted signal: {Path(args.out) / 'SYNTHETIC.md'})")
    return 0


def _trainer_from_run(run_dir: Path):  # type: ignore[no-untyped-def]
    import torch

    from openended.libribrain.train import Trainer, load_splits

    if read_meta(run_dir).get("system") != "libribrain":
        raise RunError(f"{run_dir} is not a libribrain run")
    cfg = load_config(run_dir, LibriBrainConfig)
    data = next(r for r in read_metrics(run_dir) if r.get("event") == "data")
    splits = load_splits(cfg, Path(data["root"]))
    trainer = Trainer(cfg, splits)
    trainer.model.load_state_dict(torch.load(run_dir / "artifacts" / "model.pt", weights_only=True))
    return cfg, splits, trainer, Path(data["root"])


def _submit(args: argparse.Namespace) -> int:
    from openended.libribrain import holdout as H
    from openended.libribrain import submission as S
    from openended.libribrain.constants import PHONEME_HOLDOUT_PREDICTIONS, SPEECH_HOLDOUT_PREDICTIONS
    from openended.libribrain.dataset import PhonemeDataset
    from openended.libribrain.layout import read_meg
    from openended.libribrain.standardize import ChannelStats

    cfg, splits, trainer, root = _trainer_from_run(Path(args.run_dir))
    out = Path(args.out)
    if cfg.task == "word":
        return _submit_words(args, cfg, splits, trainer, out)
    if cfg.task == "speech":
        if args.holdout:
            data, _ = read_meg(args.holdout)
            expected: int | None = SPEECH_HOLDOUT_PREDICTIONS
            labels = None
        else:  # emulate: the test run, continuous
            test = splits.test or splits.validation
            labels = test.run_labels[0]  # type: ignore[attr-defined]
            data = np.asarray(test.recordings[0].data)[:, : len(labels)]  # the labelled time points
            expected = len(labels)
        if args.holdout:  # the competition standardized the holdout with its own statistics
            stats = ChannelStats.of(data) if args.own_stats else splits.train.stats
            assert stats is not None
            data = stats.apply(data)
        probs = H.speech_timepoint_probs(
            lambda x: trainer.predict_array(x), data, splits.train.n_times, stride=args.stride
        )
        S.write_speech(out, probs, expected)
        if labels is not None:
            H.write_answers(out.with_suffix(".answers.csv"), "speech", labels)
    else:
        if args.holdout:
            x = H.load_phoneme_holdout(args.holdout)
            expected, labels = PHONEME_HOLDOUT_PREDICTIONS, None
        else:  # emulate: the test run, own statistics, averaged groups, shuffled
            part = "test" if splits.test is not None else "validation"
            own = PhonemeDataset(root, part, tmin=cfg.tmin, tmax=cfg.window_end)
            x, labels = H.phoneme_holdout(own, args.group)
            expected = None
        probs = trainer.predict_array(x)
        S.write_phoneme(out, probs, expected)
        if labels is not None:
            H.write_answers(out.with_suffix(".answers.csv"), "phoneme", labels)
    print(
        f"wrote {out}" + ("" if args.holdout else f" and its hidden labels {out.with_suffix('.answers.csv')}")
    )
    return 0


def _submit_words(
    args: argparse.Namespace, cfg: LibriBrainConfig, splits: Splits, trainer: Trainer, out: Path
) -> int:
    """2026 submission: the holdout's examples in canonical order (``--holdout-dir``, the track's subjects),
    each subject standardized with its training statistics where the run has them (else, or with
    ``--own-stats``, its own), windows cut to the model's length from the word onset; the secondary
    columns, which are not scored, uniform. Without ``--holdout-dir``: the test runs' word windows with
    their labels beside (an emulated holdout, for ``evaluate``)."""
    from openended.libribrain import competition2026 as C
    from openended.libribrain.layout import DataError
    from openended.libribrain.standardize import ChannelStats

    if cfg.keyword_list:
        raise DataError("a 2026 submission needs the vocabulary classifier; this run detects keywords")
    n = splits.train.n_times
    uniform = np.full(len(C.SECONDARY_VOCABULARY), 1.0 / len(C.SECONDARY_VOCABULARY))
    if not args.holdout_dir:
        test = splits.test or splits.validation
        primary = trainer.predict(test)
        C.write_submission(out, np.arange(len(primary)), primary, np.tile(uniform, (len(primary), 1)))
        C.write_answers(out.with_suffix(".answers.csv"), test.labels)
        print(f"wrote {out} and its hidden labels {out.with_suffix('.answers.csv')}")
        return 0
    if cfg.tmin != 0.0 or n > round(C.WINDOW_SECONDS * splits.train.sfreq):
        raise DataError(
            f"holdout windows are {C.WINDOW_SECONDS:g} s from the word onset; this model's windows are "
            f"{cfg.tmin:g}..{cfg.window_end:g} s"
        )
    subjects = C.track_subjects(args.track or cfg.track)
    parts = []
    for part in C.iter_holdout(args.holdout_dir, subjects):
        x = part.windows[:, :, :n]
        stats = splits.train.subject_stats.get(str(part.subject))
        if stats is None or args.own_stats:
            stats = ChannelStats.of(np.concatenate(list(x), axis=1)) if len(x) else stats
        if stats is not None and len(x):
            x = np.stack([stats.apply(w) for w in x])
        parts.append(trainer.predict_array(x) if len(x) else np.zeros((0, len(C.PRIMARY_VOCABULARY))))
    primary = np.concatenate(parts)
    C.write_submission(out, np.arange(len(primary)), primary, np.tile(uniform, (len(primary), 1)))
    print(f"wrote {out}: {len(primary)} examples of subjects {', '.join(map(str, subjects))}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from openended.libribrain import holdout as H
    from openended.libribrain import submission as S

    if args.task == "word":
        from openended.libribrain import competition2026 as C

        answers = C.read_answers(args.answers)
        primary = C.read_submission(args.submission, expected=len(answers))
        score = C.balanced_accuracy(primary, answers)
        print(json.dumps({"task": "word", "balanced_accuracy": score, "n": len(answers)}))
        return 0
    labels = H.read_answers(args.answers)
    probs = S.read_submission(args.submission, args.task, expected=len(labels))
    if args.task == "speech":
        score = S.score_speech(probs, labels, args.threshold)
    else:
        score = S.score_phoneme(probs, labels, args.absent)
    print(json.dumps({"task": args.task, "f1_macro": score, "n": len(labels)}))
    return 0


def _listed(text: str) -> str | list[str]:
    """A selector from the command line: a single name as it is (``all``, ``deep``), else a list."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    return items[0] if len(items) == 1 else items


def _download(args: argparse.Namespace) -> int:
    from openended.libribrain.dataset import partition_keys
    from openended.libribrain.layout import download

    if args.holdout_2026:
        from openended.libribrain import competition2026 as C
        from openended.libribrain.layout import download_holdout

        relatives = [
            C.holdout_path(".", s, source).as_posix()
            for s in C.track_subjects(args.holdout_2026)
            for source in C.SOURCES
        ]
        fetched = download_holdout(args.out, relatives)
    else:
        keys = [
            k
            for p in args.partitions
            for k in partition_keys(p, None, args.release, _listed(args.subjects), _listed(args.corpus))
        ]
        fetched = download(args.out, keys)
    print(f"downloaded {len(fetched)} files into {args.out}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("make-synthetic", help="write a synthetic dataset in the released format")
    p.add_argument("out", metavar="DIR")
    p.add_argument("--train-runs", type=int, default=4)
    p.add_argument("--run-s", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=_make_synthetic)
    add_run_command(
        sub, EXPERIMENT, "train a speech or phoneme baseline (synthetic data unless --data-root)", "train"
    )
    p = sub.add_parser("submit", help="write a competition submission CSV from a trained run")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument(
        "--holdout",
        metavar="FILE",
        help="the real 2025 holdout (speech .h5 / phoneme .pt); default: emulate it on the test run",
    )
    p.add_argument(
        "--holdout-dir",
        metavar="DIR",
        help="word task: the folder holding COMPETITION_HOLDOUT/ (2026); default: emulate on the test runs",
    )
    p.add_argument("--track", choices=["deep", "broad"], help="word task: the track's subjects (the run's)")
    p.add_argument("--out", default="submission.csv")
    p.add_argument(
        "--stride", type=int, default=1, help="speech: evaluate every N time points, interpolate between (1)"
    )
    p.add_argument(
        "--group", type=int, default=100, help="emulated phoneme holdout: trials per average (100)"
    )
    p.add_argument(
        "--own-stats",
        action="store_true",
        help="speech / word holdout: standardize with its own statistics (2025: as the competition did)",
    )
    p.set_defaults(handler=_submit)
    p = sub.add_parser("evaluate", help="validate and score a submission against labels")
    p.add_argument("submission")
    p.add_argument(
        "--answers", required=True, help="labels CSV (idx,label / segment_idx,phoneme_label / index,word)"
    )
    p.add_argument("--task", choices=["speech", "phoneme", "word"], required=True)
    p.add_argument("--threshold", type=float, default=0.5, help="speech: probability counted as speech (0.5)")
    p.add_argument(
        "--absent",
        choices=["zero", "skip"],
        default="zero",
        help="phoneme: classes absent from labels and predictions count 0 (zero) or are left out (skip)",
    )
    p.set_defaults(handler=_evaluate)
    p = sub.add_parser(
        "download", help="download the real LibriBrain runs (needs network and huggingface_hub)"
    )
    p.add_argument("out", metavar="DIR")
    p.add_argument("--partitions", nargs="+", default=["validation"], choices=["train", "validation", "test"])
    p.add_argument(
        "--release", choices=["2025", "libribrain100"], default="2025", help="which run list (2025)"
    )
    p.add_argument("--subjects", default="all", help="libribrain100: all, deep, broad or ids: 0,5,7 (all)")
    p.add_argument("--corpus", default="all", help="libribrain100: sherlock, timit, mocha, podcasts (all)")
    p.add_argument(
        "--holdout-2026", choices=["deep", "broad"], help="instead: the 2026 competition holdout of a track"
    )
    p.set_defaults(handler=_download)
