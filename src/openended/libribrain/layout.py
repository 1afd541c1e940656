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
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openended.core.errors import UserError
from openended.libribrain.constants import PREPROCESSING, TEST_RUN_KEYS, VALIDATION_RUN_KEYS, RunKey
from openended.libribrain.manifest import BY_KEY
from openended.libribrain.standardize import ChannelStats

HUB_REPOS = ("pnpl/LibriBrain", "pnpl/LibriBrain-Competition-2025")  # the released dataset, then its fallback
LIBRIBRAIN2_REPO = "pnpl/LibriBrain2"  # LibriBrain100's second release (pnpl 0.2.0's manifest)
HOLDOUT_2026_REPO = "pnpl/LibriBrain-Competition-2026"
PARTITIONS_FILE = "partitions.json"  # a dataset folder's own run list per partition (optional)
EVENT_COLUMNS = ("kind", "segment", "timemeg", "duration", "sentenceidx", "wordidx")


class DataError(UserError, RuntimeError):
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


def partition_of(key: RunKey) -> str:
    """The partition of a run key: LibriBrain100's (which for subject 0's Sherlock1–7 is the 2025
    competition's: validation and test are one Sherlock1 run each), else train."""
    if key in BY_KEY:
        return BY_KEY[key].partition
    return "validation" if key in VALIDATION_RUN_KEYS else "test" if key in TEST_RUN_KEYS else "train"


def read_partitions(root: str | os.PathLike) -> dict[str, list[RunKey]] | None:
    """``root/partitions.json`` as ``{partition: [run key, ...]}``, or ``None`` where there is none."""
    path = Path(root) / PARTITIONS_FILE
    if not path.is_file():
        return None
    try:
        table = json.loads(path.read_text())
        return {p: [(str(k[0]), str(k[1]), str(k[2]), str(k[3])) for k in keys] for p, keys in table.items()}
    except (ValueError, TypeError, IndexError, AttributeError) as err:
        raise DataError(
            f"{path}: expected {{partition: [[subject, session, task, run], ...]}} ({err})"
        ) from err


def write_partitions(root: str | os.PathLike, table: dict[str, list[RunKey]]) -> Path:
    path = Path(root) / PARTITIONS_FILE
    path.write_text(json.dumps({p: [list(k) for k in keys] for p, keys in table.items()}, indent=1) + "\n")
    return path


def meg_info(path: str | os.PathLike) -> tuple[float, tuple[int, int]]:
    """A run's sample frequency and ``data`` shape (channels, samples), without reading the data."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            shape = tuple(int(n) for n in f["data"].shape)
            sfreq = float(f.attrs["sample_frequency"])
    except (OSError, KeyError) as err:
        raise DataError(f"{path}: not a LibriBrain MEG file ({err})") from err
    if len(shape) != 2:
        raise DataError(f"{path}: 'data' must be channels × samples, got shape {shape}")
    return sfreq, (shape[0], shape[1])


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


def stored_stats(path: str | os.PathLike, shape: tuple[int, ...]) -> ChannelStats | None:
    """A run's channel statistics stored in its file (``data`` attributes ``channel_means`` and
    ``channel_stds``, which pnpl reads when present), or ``None``."""
    import h5py

    with h5py.File(path, "r") as f:
        attrs = f["data"].attrs
        if "channel_means" not in attrs or "channel_stds" not in attrs:
            return None
        means = np.asarray(attrs["channel_means"], np.float64).ravel()
        stds = np.asarray(attrs["channel_stds"], np.float64).ravel()
    if means.shape != (shape[0],) or stds.shape != (shape[0],):
        raise DataError(f"{path}: stored channel statistics do not match its {shape[0]} channels")
    return ChannelStats(means, stds, int(shape[1]))


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


MISSING = ("", "n/a", "N/A", "NaN", "nan")  # what pandas (and so pnpl) reads as a missing number


def read_events(
    path: str | os.PathLike, bad_rows: str = "error", skipped: list[str] | None = None
) -> list[Event]:
    """The rows of an events TSV, in file order.

    A ``timemeg`` that is missing or not a number (text, a decimal comma) makes the row unusable: an error
    naming the file, line, column and value, or with ``bad_rows="skip"`` a skipped row whose description is
    appended to ``skipped`` for the caller to count and log. A ``duration`` may be missing (``nan``: the
    tasks then give the event no span); one that is present must be a number."""
    if bad_rows not in ("error", "skip"):
        raise ValueError(f"bad_rows must be 'error' or 'skip', got {bad_rows!r}")
    events: list[Event] = []
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f, delimiter="\t")
            missing = {"kind", "segment", "timemeg", "duration"} - set(reader.fieldnames or ())
            if missing:
                raise DataError(f"{path}: events TSV lacks column(s) {sorted(missing)}")
            for row in reader:
                line = reader.line_num
                try:
                    onset = _number(row["timemeg"], path, line, "timemeg", required=True)
                    duration = _number(row["duration"], path, line, "duration", required=False)
                except DataError as err:
                    if bad_rows == "error":
                        raise
                    if skipped is not None:
                        skipped.append(str(err))
                    continue
                events.append(Event(row["kind"] or "", row["segment"] or "", onset, duration))
    except FileNotFoundError as err:
        raise DataError(f"{path}: events file not found") from err
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not a text file ({err})") from err
    return events


def _number(text: str | None, path: str | os.PathLike, line: int, column: str, required: bool) -> float:
    if text is None or text.strip() in MISSING:
        if required:
            raise DataError(f"{path}, line {line}, column {column!r}: missing value")
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{path}, line {line}, column {column!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DataError(f"{path}, line {line}, column {column!r}: {text!r} is not a finite number")
    return value


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
    already there): a LibriBrain2 run (LibriBrain100's second release) from its own dataset first. Only ever
    called on the user's request (``openended libribrain download``)."""
    fetched = []
    for key in keys:
        record = BY_KEY.get(key)
        repos = (LIBRIBRAIN2_REPO, *HUB_REPOS) if record and record.release == "LibriBrain2" else HUB_REPOS
        for path in (h5_path(root, key, preprocessing), events_path(root, key)):
            if not path.is_file():
                _fetch(root, path.relative_to(root).as_posix(), repos, token)
                fetched.append(path)
    return fetched


def _fetch(root: str | os.PathLike, relative: str, repos: Iterable[str], token: str | None) -> None:
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as err:
        raise DataError("downloading needs huggingface_hub: pip install huggingface_hub") from err
    token = token or os.environ.get("HF_TOKEN")  # from the environment, never logged
    errors = []
    for repo in repos:
        try:
            hf_hub_download(repo, relative, repo_type="dataset", local_dir=str(root), token=token)
            return
        except Exception as err:
            errors.append(f"{repo}: {type(err).__name__}: {err}".replace("\n", " "))
    raise DataError(f"could not download {relative} (offline, or no access?): " + "; ".join(errors))


def download_holdout(
    root: str | os.PathLike, relatives: Iterable[str], token: str | None = None
) -> list[Path]:
    """Fetch the 2026 competition's holdout files (``relatives``, under ``root``) on the user's request."""
    fetched = []
    for relative in relatives:
        path = Path(root) / relative
        if not path.is_file():
            _fetch(root, relative, (HOLDOUT_2026_REPO,), token)
            fetched.append(path)
    return fetched
