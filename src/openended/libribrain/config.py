"""Configuration of a LibriBrain training run. Defaults follow the competition's tutorials (speech reference
model: 0.8 s windows, 23 sensors, conv → 2-layer LSTM, label smoothing 0.1, AdamW 1e-3, batch 32; phoneme
model: 0.5 s windows, 1×1 conv → linear on 100-trial averages, Adam 5e-4, batch 16, 15 epochs; the 2026
word task takes pnpl 0.2.0's word windows, 0 to 0.5 s from the onset, and the phoneme model's training);
``seanet`` is the convolutional stack of the LibriBrain paper (Landau et al. 2025, libribrain-experiments)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openended.core.config import Config, param


@dataclass(frozen=True)
class SyntheticConfig(Config):
    """The synthetic dataset written when no ``data_root`` is given (planted signal: ``synthetic.py``)."""

    train_runs: int = param(4, "training runs (plus one validation and one test run)", ge=1)
    run_s: float = param(60.0, "length of each run in seconds", gt=5.0)
    seed: int = param(0, "generator seed")
    phoneme_gain: float = param(0.1, "planted phoneme response amplitude (× channel noise scale)", ge=0.0)
    speech_gain: float = param(0.8, "planted speech response amplitude (× channel noise scale)", ge=0.0)
    word_gain: float = param(0.5, "planted word response amplitude (× channel noise scale)", ge=0.0)
    broad_subjects: int | None = param(
        None, "subjects 1…n with two Sherlock1 sessions each (default: 4 for the broad track, else 0)", ge=0
    )


@dataclass(frozen=True)
class LibriBrainConfig(Config):
    task: Literal["speech", "phoneme", "word"] = param(
        "speech", "speech detection, phoneme classification (2025) or word classification (2026)"
    )
    track: Literal["deep", "broad"] = param(
        "deep", "word: deep = subject 0's partitions; broad = train on other subjects, test on held-out ones"
    )
    held_out_subjects: int = param(2, "word, broad track: the last n subjects are the test subjects", ge=1)
    corpus: str = param("all", "word: LibriBrain100 corpora to use (sherlock, timit, mocha, podcasts, all)")
    keywords: str | None = param(
        None, "word: comma-separated keywords: keyword detection instead of the vocabulary's classes"
    )
    model: Literal["reference", "seanet"] = param(
        "reference", "reference: the competition tutorial model of the task; seanet: the paper's conv stack"
    )
    data_root: str | None = param(
        None, "folder with the released layout; empty: write a synthetic dataset into the run"
    )
    synthetic: SyntheticConfig = param(default_factory=SyntheticConfig, help="synthetic data (no data_root)")
    missing_runs: Literal["error", "skip"] = param(
        "error", "a requested run absent under data_root: an error, or skip it (counted and logged)"
    )
    bad_rows: Literal["error", "skip"] = param(
        "error", "an events row whose onset or duration is unreadable: an error, or skip it (counted, logged)"
    )
    tmin: float = param(0.0, "window start relative to the onset / window position, s")
    tmax: float | None = param(None, "window end, s (default: 0.8 speech, 0.5 phoneme and word, as pnpl)")
    stride: int | None = param(
        None, "speech: window stride in samples for training (default: the window length)", ge=1
    )
    oversample_silence_jitter: int = param(0, "speech: stride in samples inside silence (0: off)", ge=0)
    group: int = param(100, "phoneme: train on averages of this many same-phoneme trials (1: single)", ge=1)
    eval_group: int = param(100, "phoneme: validation averages this many trials (holdout: 100)", ge=1)
    regroup_each_epoch: bool = param(False, "phoneme: draw new averaging groups every epoch")
    instance_norm: bool = param(False, "z-score each window per channel (against holdout statistic shift)")
    epochs: int = param(15, "training epochs (tutorials: 15)", ge=1)
    batch_size: int | None = param(None, "batch size (default: 32 speech, 16 phoneme and word)", ge=1)
    lr: float | None = param(
        None, "learning rate (default: 1e-3 speech AdamW, 5e-4 phoneme and word Adam)", gt=0.0
    )
    weight_decay: float = param(0.01, "speech: AdamW weight decay", ge=0.0)
    label_smoothing: float = param(0.1, "speech: targets 0.05 / 0.95", ge=0.0, lt=1.0)
    dropout: float = param(0.5, "dropout of the reference speech model and seanet", ge=0.0, lt=1.0)
    patience: int = param(10, "early stopping: epochs without a better validation loss", ge=1)
    threshold: float = param(0.5, "speech: probability above which a time point counts as speech", gt=0, lt=1)
    seed: int = param(42, "seed (tutorials: 42)")
    device: str = param("auto", "torch device: auto, cpu, cuda")
    threads: int | None = param(None, "torch CPU threads (default: torch's)", ge=1)

    @property
    def window_end(self) -> float:
        return self.tmax if self.tmax is not None else (0.8 if self.task == "speech" else 0.5)

    @property
    def batch(self) -> int:
        return self.batch_size or (32 if self.task == "speech" else 16)

    @property
    def learning_rate(self) -> float:
        return self.lr or (1e-3 if self.task == "speech" else 5e-4)

    @property
    def keyword_list(self) -> list[str] | None:
        return [k.strip() for k in self.keywords.split(",") if k.strip()] if self.keywords else None
