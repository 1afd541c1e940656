"""The LibriBrain files on disk: one HDF5 of MEG and one events TSV per run, in the released folder layout.

    DATA/{task}/derivatives/serialised/sub-{s}_ses-{ses}_task-{task}_run-{r}_proc-{preprocessing}_meg.h5
    DATA/{task}/derivatives/events/sub-{s}_ses-{ses}_task-{task}_run-{r}_events.tsv

HDF5: dataset ``data`` (306 × samples, float32), dataset ``times`` (s), file attribute ``sample_frequency``
(the only one pnpl reads), and ``highpass_cutoff``, ``lowpass_cutoff``, ``channel_names``, ``channel_types``.
Events TSV (tab-separated, not BIDS): ``kind`` (word / phoneme / silence), ``segment`` (word text, or phoneme
with a position suffix), ``timemeg`` (onset in s on the MEG clock), ``duration`` (s), ``sentenceidx``,
``wordidx``.

Downloading is never implicit: :func:`download` fetches files only when called, and says plainly why it
cannot when the hub is unreachable or ``huggingface_hub`` is missing.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openended.libribrain.constants import PREPROCESSING, RunKey

HUB_REPOS = ("pnpl/LibriBrain", "pnpl/LibriBrain-Competition-2025")  # the released dataset, then its fallback
EVENT_COLUMNS = ("kind", "segment", "timemeg", "duration", "sentenceidx", "wordidx")


class DataError(RuntimeError):
    """Missing or malformed LibriBrain files."""


def h5_path(root: str | os.PathLike, key: RunKey, preprocessing: str | None = PREPROCESSING) -> Path:
    subject, session, task, run = key
    name = f"sub-{subject}_ses-{session}_task-{task}_run-{run}"
    if preprocessing:
        name += f"_proc-{preprocessing}"
    return Path(root) / task / "derivatives" / "serialised" / f"{name}_meg.h5"


def events_path(root: str | os.PathLike, key: RunKey) -> Path:
    subject, session, task, run = key
    name = f"sub-{subject}_ses-{session}_task-{task}_run-{run}_events.tsv"
    return Path(root) / task / "derivatives" / "events" / name


def available_runs(
    root: str | os.PathLike, keys: Iterable[RunKey], preprocessing: str | None = PREPROCESSING
) -> list[RunKey]:
    """Those of ``keys`` whose HDF5 and events files both exist under ``root``."""
    return [k for k in keys if h5_path(root, k, preprocessing).is_file() and events_path(root, k).is_file()]


def sample_frequency(path: str | os.PathLike) -> float:
    import h5py

    with h5py.File(path, "r") as f:
        if "sample_frequency" not in f.attrs:
            raise DataError(f"{path}: no 'sample_frequency' attribute")
        return float(f.attrs["sample_frequency"])


def read_meg(path: str | os.PathLike) -> tuple[np.ndarray, float]:
    """The whole ``data`` array of a run (channels × samples, float32) and its sample frequency."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            data = f["data"][...]
            sfreq = float(f.attrs["sample_frequency"])
    except (OSError, KeyError) as err:
        raise DataError(f"{path}: not a LibriBrain MEG file ({err})") from err
    if data.ndim != 2:
        raise DataError(f"{path}: 'data' must be channels × samples, got shape {data.shape}")
    return data.astype(np.float32, copy=False), sfreq


def meg_length(path: str | os.PathLike) -> int:
    import h5py

    with h5py.File(path, "r") as f:
        return int(f["data"].shape[1])


@dataclass(frozen=True)
class Event:
    kind: str
    segment: str
    onset: float  # ``timemeg``, s
    duration: float  # s; nan if missing


def read_events(path: str | os.PathLike) -> list[Event]:
    """The rows of an events TSV, in file order."""
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f, delimiter="\t")
            missing = {"kind", "segment", "timemeg", "duration"} - set(reader.fieldnames or ())
            if missing:
                raise DataError(f"{path}: events TSV lacks column(s) {sorted(missing)}")
            return [
                Event(row["kind"], row["segment"], _number(row["timemeg"]), _number(row["duration"]))
                for row in reader
            ]
    except FileNotFoundError as err:
        raise DataError(f"{path}: events file not found") from err


def _number(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "", "n/a") else math.nan
    except ValueError:
        return math.nan


def write_run(
    root: str | os.PathLike,
    key: RunKey,
    data: np.ndarray,
    sfreq: float,
    events: Iterable[dict[str, object]],
    *,
    channel_names: list[str] | None = None,
    channel_types: list[str] | None = None,
    highpass: float = 0.1,
    lowpass: float = 125.0,
) -> tuple[Path, Path]:
    """Write one run in the released format (chunked like the organisers' converter, uncompressed)."""
    import h5py

    n_channels, n_samples = data.shape
    hp, ep = h5_path(root, key), events_path(root, key)
    hp.parent.mkdir(parents=True, exist_ok=True)
    ep.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(hp, "w") as f:
        f.create_dataset("data", data=data.astype(np.float32), chunks=(n_channels, min(50, n_samples)))
        f.create_dataset("times", data=np.arange(n_samples) / sfreq)
        f.attrs["sample_frequency"] = float(sfreq)
        f.attrs["highpass_cutoff"] = highpass
        f.attrs["lowpass_cutoff"] = lowpass
        f.attrs["channel_names"] = ",".join(channel_names or [f"MEG{i:04d}" for i in range(n_channels)])
        f.attrs["channel_types"] = ",".join(channel_types or ["mag"] * n_channels)
    with open(ep, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=EVENT_COLUMNS, delimiter="\t", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(events)
    return hp, ep


def download(
    root: str | os.PathLike,
    keys: Iterable[RunKey],
    preprocessing: str = PREPROCESSING,
    token: str | None = None,
) -> list[Path]:
    """Fetch the HDF5 and events files of ``keys`` from the dataset hub into ``root`` (skipping files that are
    already there). Only ever called on the user's request (``openended libribrain download``)."""
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as err:
        raise DataError("downloading needs huggingface_hub: pip install huggingface_hub") from err
    token = token or os.environ.get("HF_TOKEN")  # from the environment, never logged
    fetched = []
    for key in keys:
        for path in (h5_path(root, key, preprocessing), events_path(root, key)):
            if path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            errors = []
            for repo in HUB_REPOS:
                try:
                    hf_hub_download(repo, relative, repo_type="dataset", local_dir=str(root), token=token)
                    fetched.append(path)
                    break
                except Exception as err:
                    errors.append(f"{repo}: {type(err).__name__}: {err}")
            else:
                raise DataError(
                    f"could not download {relative} (offline, or no access?)\n  " + "\n  ".join(errors)
                )
    return fetched
