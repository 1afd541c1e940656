"""Training and evaluation of the baselines on LibriBrain-format data (real or synthetic).

Speech: windows at ``stride`` over the training runs, target = the middle sample's label, BCE with label
smoothing; evaluated by F1-macro over the windows' middle samples of the validation and test runs (stride
0.1 s). Phoneme: trained on averages of ``group`` same-phoneme trials (signal averaging), evaluated on single
trials and on ``eval_group`` averages. Early stopping on validation loss (of the averages when there are
any); the best epoch is evaluated.
Checkpoints every epoch (model, optimizer, RNG, early-stopping state), so an interrupted run resumes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from openended.core.config import ConfigError
from openended.core.runs import Run
from openended.libribrain import manifest as M
from openended.libribrain.competition2026 import balanced_accuracy
from openended.libribrain.config import LibriBrainConfig
from openended.libribrain.constants import PHONEME_CLASSES
from openended.libribrain.dataset import (
    AveragedDataset,
    MEGDataset,
    PhonemeDataset,
    SpeechDataset,
    WordDataset,
    partition_keys,
)
from openended.libribrain.layout import available_runs, partition_of, read_partitions
from openended.libribrain.models import build
from openended.libribrain.standardize import instance_normalize
from openended.libribrain.submission import f1_per_class
from openended.libribrain.synthetic import SyntheticSpec, make_synthetic
from openended.libribrain.words import PRIMARY_VOCABULARY
from openended.rl.state import load_module_state, load_optimizer_state, module_state, optimizer_state

EVAL_STRIDE_S = 0.1
log = logging.getLogger(__name__)


@dataclass
class Splits:
    train: MEGDataset
    validation: MEGDataset
    test: MEGDataset | None


BROAD_SYNTHETIC_SUBJECTS = 4  # the synthetic set's broad subjects when the broad track is asked for


def data_root(cfg: LibriBrainConfig, run: Run) -> Path:
    if cfg.data_root:
        return Path(cfg.data_root)
    root = run.path / "data"
    if not (root / "SYNTHETIC.md").is_file():
        s = cfg.synthetic
        broad = s.broad_subjects
        if broad is None:
            broad = BROAD_SYNTHETIC_SUBJECTS if cfg.task == "word" and cfg.track == "broad" else 0
        spec = SyntheticSpec(
            train_runs=s.train_runs,
            run_s=s.run_s,
            seed=s.seed,
            phoneme_gain=s.phoneme_gain,
            speech_gain=s.speech_gain,
            word_gain=s.word_gain,
            broad_subjects=broad,
        )
        make_synthetic(root, spec)
    return root


def n_classes(cfg: LibriBrainConfig) -> int:
    if cfg.task == "speech":
        return 2
    if cfg.task == "phoneme":
        return PHONEME_CLASSES
    return 2 if cfg.keyword_list else len(PRIMARY_VOCABULARY)


def load_splits(cfg: LibriBrainConfig, root: Path) -> Splits:
    common: dict[str, Any] = {
        "tmin": cfg.tmin,
        "tmax": cfg.window_end,
        "missing_runs": cfg.missing_runs,
        "bad_rows": cfg.bad_rows,
    }
    if cfg.task == "speech":
        train: MEGDataset = SpeechDataset(
            root,
            "train",
            stride=cfg.stride,
            oversample_silence_jitter=cfg.oversample_silence_jitter,
            **common,
        )
        stride = max(1, int(EVAL_STRIDE_S * train.sfreq))
        val: MEGDataset = SpeechDataset(root, "validation", stride=stride, stats=train.stats, **common)
        test = _optional(lambda: SpeechDataset(root, "test", stride=stride, stats=train.stats, **common))
    elif cfg.task == "phoneme":
        train = PhonemeDataset(root, "train", **common)
        val = PhonemeDataset(root, "validation", stats=train.stats, **common)
        test = _optional(lambda: PhonemeDataset(root, "test", stats=train.stats, **common))
    else:
        return word_splits(cfg, root, common)
    return Splits(train, val, test)


def word_splits(cfg: LibriBrainConfig, root: Path, common: dict[str, Any]) -> Splits:
    """Deep track: subject 0's LibriBrain100 partitions. Broad track: the broad subjects present under
    ``root`` are split into held-in and the last ``held_out_subjects`` held-out ones; training takes subject
    0's training runs and each held-in subject's session 12, validation their session 11 (a session the
    model has not seen, of a subject it has), test every run of the held-out subjects, each standardized
    with its own statistics (they have no training runs)."""
    kw: dict[str, Any] = {**common, "keywords": cfg.keyword_list, "release": "libribrain100"}
    kw["corpus"] = cfg.corpus
    if cfg.track == "deep":
        train = WordDataset(root, "train", subjects="deep", **kw)
        val = WordDataset(root, "validation", subjects="deep", stats=train.subject_stats, **kw)
        test = _optional(lambda: WordDataset(root, "test", subjects="deep", stats=train.subject_stats, **kw))
        return Splits(train, val, test)
    listed = read_partitions(root)
    candidates = [k for keys in listed.values() for k in keys] if listed is not None else list(M.RUN_KEYS)
    own = {k: part for part, keys in (listed or {}).items() for k in keys}  # a folder's own partitions win

    def partition(k: tuple[str, str, str, str]) -> str:
        return own.get(k) or partition_of(k)

    present = available_runs(root, [k for k in candidates if k[0] != M.DEEP_SUBJECT])
    broad = sorted({k[0] for k in present}, key=int)
    if len(broad) <= cfg.held_out_subjects:
        raise ConfigError(
            "held_out_subjects",
            f"the broad track needs more subjects than the {cfg.held_out_subjects} held out; "
            f"{root} has {len(broad)} ({', '.join(broad) or 'none'})",
        )
    held_in, held_out = broad[: -cfg.held_out_subjects], broad[-cfg.held_out_subjects :]
    deep_train = partition_keys("train", root, "libribrain100", subjects="deep", corpus=cfg.corpus)
    train_keys = deep_train + [k for k in present if k[0] in held_in and partition(k) == "test"]
    val_keys = [k for k in present if k[0] in held_in and partition(k) == "validation"]
    test_keys = [k for k in present if k[0] in held_out]
    kw.pop("release")
    kw.pop("corpus")
    train = WordDataset(root, keys=train_keys, **kw)
    val = WordDataset(root, keys=val_keys, stats=train.subject_stats, **kw)
    test = WordDataset(root, keys=test_keys, stats=train.subject_stats, **kw)
    return Splits(train, val, test)


def _optional(make: Any) -> Any:
    from openended.libribrain.layout import DataError

    try:
        return make()
    except (DataError, M.SelectionError):  # no test runs there: the split is optional
        return None


def targets(ds: Any, task: str) -> np.ndarray:
    """Training targets: the middle sample's label for speech windows, the class id for phonemes (single or
    averaged trials)."""
    return ds.centre_labels if task == "speech" else ds.labels


class Trainer:
    def __init__(self, cfg: LibriBrainConfig, splits: Splits) -> None:
        self.cfg = cfg
        self.splits = splits
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.seed)
        self.device = torch.device(
            ("cuda" if torch.cuda.is_available() else "cpu") if cfg.device == "auto" else cfg.device
        )
        self.model = build(cfg.task, cfg.model, splits.train.n_times, cfg.dropout, n_classes(cfg))
        self.model.to(self.device)
        if cfg.task == "speech":
            self.opt: torch.optim.Optimizer = torch.optim.AdamW(
                self.model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay
            )
        else:
            self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.learning_rate)
        self.rng = np.random.default_rng(cfg.seed)

    # -- data --------------------------------------------------------------------------------
    def train_set(self, epoch: int) -> Any:
        cfg, train = self.cfg, self.splits.train
        if cfg.task == "phoneme" and cfg.group > 1:
            seed = cfg.seed + epoch if cfg.regroup_each_epoch else cfg.seed
            return AveragedDataset(train, cfg.group, shuffle_seed=seed)  # type: ignore[arg-type]
        return train

    def tensor(self, x: np.ndarray) -> torch.Tensor:
        if self.cfg.instance_norm:
            x = instance_normalize(x)
        return torch.from_numpy(x).to(self.device)

    def loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.cfg.task == "speech":
            smooth = self.cfg.label_smoothing
            target = y.float() * (1 - smooth) + smooth / 2
            return nn.functional.binary_cross_entropy_with_logits(logits, target)
        return nn.functional.cross_entropy(logits, y)

    # -- loops -------------------------------------------------------------------------------
    def train_epoch(self, epoch: int) -> float:
        ds = self.train_set(epoch)
        y_all = targets(ds, self.cfg.task)
        order = self.rng.permutation(len(ds))
        self.model.train()
        total, n = 0.0, 0
        for start in range(0, len(order), self.cfg.batch):
            idx = order[start : start + self.cfg.batch]
            if len(idx) < 2 and self.cfg.task == "speech":  # BatchNorm needs two samples
                continue
            x, _ = ds.batch(idx)
            y = torch.from_numpy(np.asarray(y_all[idx])).long().to(self.device)
            loss = self.loss(self.model(self.tensor(x)), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += float(loss.detach()) * len(idx)
            n += len(idx)
        return total / max(n, 1)

    @torch.no_grad()
    def predict(self, ds: Any, batch: int = 256) -> np.ndarray:
        """Speech: P(speech) per window; phoneme: class probabilities per window."""
        self.model.eval()
        out = []
        for start in range(0, len(ds), batch):
            x, _ = ds.batch(np.arange(start, min(start + batch, len(ds))))
            logits = self.model(self.tensor(x))
            p = torch.sigmoid(logits) if self.cfg.task == "speech" else torch.softmax(logits, -1)
            out.append(p.cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0)

    @torch.no_grad()
    def predict_array(self, x: np.ndarray, batch: int = 256) -> np.ndarray:
        self.model.eval()
        out = []
        for a in range(0, len(x), batch):
            logits = self.model(self.tensor(np.ascontiguousarray(x[a : a + batch], dtype=np.float32)))
            p = torch.sigmoid(logits) if self.cfg.task == "speech" else torch.softmax(logits.double(), -1)
            out.append(p.cpu().numpy())
        return np.concatenate(out)

    def evaluate(self, ds: Any, prefix: str) -> dict[str, Any]:
        cfg = self.cfg
        probs = self.predict(ds)
        y = targets(ds, cfg.task)
        if cfg.task == "speech":
            pred = (probs >= cfg.threshold).astype(np.int64)
            p1 = np.clip(probs, 1e-7, 1 - 1e-7)
            loss = float(-np.mean(y * np.log(p1) + (1 - y) * np.log(1 - p1)))
        else:
            pred = probs.argmax(axis=1)
            loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None))))
        k = n_classes(cfg)
        f1, present = f1_per_class(y, pred, k)
        extra = {}
        if cfg.task == "word":  # the 2026 competition's score, overall and per subject
            extra[f"{prefix}/balanced_accuracy"] = balanced_accuracy(np.eye(k)[pred], y)
            subjects = getattr(ds, "sample_subjects", None)
            if subjects is not None and len(set(subjects)) > 1:
                for sub in sorted(set(subjects), key=int):
                    m = subjects == sub
                    extra[f"{prefix}/balanced_accuracy_subject_{sub}"] = balanced_accuracy(
                        np.eye(k)[pred[m]], y[m]
                    )
        return {
            **extra,
            f"{prefix}/loss": loss,
            f"{prefix}/f1_macro": float(f1.mean()),
            f"{prefix}/f1_macro_present": float(f1[present].mean()) if present.any() else float("nan"),
            f"{prefix}/accuracy": float(np.mean(pred == y)),
            f"{prefix}/n": len(y),
            "_per_class": f1,
            "_confusion": np.bincount(y * k + pred, minlength=k**2).reshape(k, k),
        }

    # -- checkpoints ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        opt = optimizer_state(self.opt)
        return {
            "model": module_state(self.model),
            "opt_state": opt["state"],
            "opt_groups": opt["groups"],
            "rng": json.dumps(self.rng.bit_generator.state),
            "torch_rng": torch.get_rng_state().numpy(),
        }

    def load(self, state: dict[str, Any]) -> None:
        load_module_state(self.model, state["model"])
        load_optimizer_state(self.opt, {"state": state["opt_state"], "groups": state["opt_groups"]})
        self.rng.bit_generator.state = json.loads(state["rng"])
        torch.set_rng_state(torch.from_numpy(np.asarray(state["torch_rng"], dtype=np.uint8)))


def baselines(y: np.ndarray, n_classes: int, seed: int = 0) -> dict[str, float]:
    """Scores of the naive (majority class) and chance (class-prior random) predictors on labels ``y``:
    F1-macro, accuracy and balanced accuracy (under which both are 1 / the classes present)."""
    majority = np.full_like(y, np.bincount(y, minlength=n_classes).argmax())
    prior = np.bincount(y, minlength=n_classes) / len(y)
    chance = np.random.default_rng(seed).choice(n_classes, size=len(y), p=prior)
    out = {}
    for name, pred in (("naive", majority), ("chance", chance)):
        out[f"{name}_f1_macro"] = float(f1_per_class(y, pred, n_classes)[0].mean())
        out[f"{name}_accuracy"] = float(np.mean(pred == y))
        out[f"{name}_balanced_accuracy"] = balanced_accuracy(np.eye(n_classes)[pred], y)
    return out


def train(run: Run) -> None:
    cfg: LibriBrainConfig = run.config  # type: ignore[assignment]
    root = data_root(cfg, run)
    splits = load_splits(cfg, root)
    trainer = Trainer(cfg, splits)
    start, best, best_loss, stale = 0, None, float("inf"), 0
    restored = run.restore()
    if restored is not None:
        start, saved = restored
        trainer.load(saved["trainer"])
        best, best_loss, stale = saved.get("best"), float(saved["best_loss"]), int(saved["stale"])
    if restored is None:
        sets = [d for d in (splits.train, splits.validation, splits.test) if d is not None]
        skipped_runs = ["/".join(k) for d in sets for k in d.skipped_runs]
        skipped_rows = [r for d in sets for r in d.skipped_rows]
        for line in [f"skipped missing run {k}" for k in skipped_runs] + [
            f"skipped {r}" for r in skipped_rows
        ]:
            log.warning(line)
        run.log(
            start,
            event="data",
            root=str(root),
            train_runs=len(splits.train.keys),
            train_samples=len(splits.train),
            validation_samples=len(splits.validation),
            test_samples=len(splits.test) if splits.test is not None else 0,
            skipped_runs=skipped_runs,
            skipped_rows=len(skipped_rows),
            dropped_windows=sum(d.dropped for d in sets),
        )
    (run.artifact("channel_stats.json")).write_text(
        json.dumps({sub: st.to_dict() for sub, st in splits.train.subject_stats.items()})
    )
    val_sets: list[tuple[str, Any]] = [("validation", splits.validation)]
    if cfg.task == "phoneme" and cfg.eval_group > 1:
        val_sets.append(
            ("validation_avg", AveragedDataset(splits.validation, cfg.eval_group, shuffle_seed=cfg.seed))  # type: ignore[arg-type]
        )
    bar = run.progress(cfg.epochs, initial=start, desc=f"libribrain {cfg.task}")
    for epoch in range(start, cfg.epochs):
        loss = trainer.train_epoch(epoch)
        metrics: dict[str, Any] = {"train/loss": loss}
        for name, ds in val_sets:
            metrics.update({k: v for k, v in trainer.evaluate(ds, name).items() if not k.startswith("_")})
        run.log(epoch + 1, **metrics)
        # select on the validation set scored like the task: averaged trials when the model is evaluated on
        # averages (single-trial loss keeps rising while averaged F1 still improves)
        if metrics[f"{val_sets[-1][0]}/loss"] < best_loss:
            best_loss, stale = metrics[f"{val_sets[-1][0]}/loss"], 0
            best = trainer.state()["model"]
        else:
            stale += 1
        run.save_checkpoint(
            epoch + 1, {"trainer": trainer.state(), "best": best, "best_loss": best_loss, "stale": stale}
        )
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}", val_f1=f"{metrics['validation/f1_macro']:.3f}")
        if stale >= cfg.patience:
            break
    bar.close()
    if best is not None:
        trainer.model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in best.items()})
    torch.save(trainer.model.state_dict(), run.artifact("model.pt"))
    finish(run, trainer, splits, val_sets)


def finish(run: Run, trainer: Trainer, splits: Splits, val_sets: list[tuple[str, Any]]) -> None:
    cfg = trainer.cfg
    k = n_classes(cfg)
    sets = list(val_sets)
    if splits.test is not None:
        sets.append(("test", splits.test))
        if cfg.task == "phoneme" and cfg.eval_group > 1:
            sets.append(("test_avg", AveragedDataset(splits.test, cfg.eval_group, shuffle_seed=cfg.seed)))  # type: ignore[arg-type]
    final: dict[str, Any] = {"event": "final"}
    detail = {}
    for name, ds in sets:
        result = trainer.evaluate(ds, name)
        y = targets(ds, cfg.task)
        base = baselines(np.asarray(y), k, cfg.seed)
        final.update({key: v for key, v in result.items() if not key.startswith("_")})
        final.update({f"{name}/{key}": v for key, v in base.items()})
        detail[name] = {
            "per_class_f1": result["_per_class"].tolist(),
            "confusion": result["_confusion"].tolist(),
        }
    run.log(int(run.metrics()[-1]["step"]) if run.metrics() else 0, **final)
    run.artifact("evaluation.json").write_text(json.dumps(detail))
