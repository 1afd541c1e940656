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
import itertools
import json
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from openended.core.errors import UserError
from openended.libribrain.constants import PREPROCESSING, TEST_RUN_KEYS, VALIDATION_RUN_KEYS, RunKey
from openended.libribrain.manifest import BY_KEY
from openended.libribrain.standardize import ChannelStats, Moments

HUB_REPOS = ("pnpl/LibriBrain", "pnpl/LibriBrain-Competition-2025")  # the released dataset, then its fallback
LIBRIBRAIN2_REPO = "pnpl/LibriBrain2"  # LibriBrain100's second release (pnpl 0.2.0's manifest)
HOLDOUT_2026_REPO = "pnpl/LibriBrain-Competition-2026"
PARTITIONS_FILE = "partitions.json"  # a dataset folder's own run list per partition (optional)
BLOCK_BYTES = 4 << 20  # chunks read at a time by read_meg and meg_stats: a block stays in cache while used
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
    except (OSError, KeyError, AttributeError, TypeError, ValueError) as err:
        raise DataError(f"{path}: not a LibriBrain MEG file ({err})") from err
    if len(shape) != 2:
        raise DataError(f"{path}: 'data' must be channels × samples, got shape {shape}")
    return sfreq, (shape[0], shape[1])


def read_meg(path: str | os.PathLike) -> tuple[np.ndarray, float]:
    """The whole ``data`` array of a run (channels × samples, float32) and its sample frequency.

    The released files store ``data`` uncompressed in chunks of all channels × 50 samples; those chunks are
    read straight from the file at the offsets HDF5 records for them (:func:`_chunk_blocks`) and transposed
    into place a few MB at a time, a long run in parts side by side: ~2× faster than h5py's own read of the
    same layout, which holds the interpreter lock (threads reading with h5py do not overlap; these do). Any
    other layout (compressed, partly written, external, chunks that split the channels) is read by h5py."""
    table, sfreq, data = _open_meg(path, read=True)
    if table is None:
        assert data is not None
        return data.astype(np.float32, copy=False), sfreq
    channels, n = table.shape
    out = np.empty(table.shape, np.float32)
    full = n // table.length
    # out's whole chunks seen as (channel, chunk, sample): a view, so assignment writes into out
    grid = np.lib.stride_tricks.as_strided(
        out, (channels, full, table.length), (out.strides[0], table.length * 4, 4), writeable=True
    )

    def fill(part: tuple[int, int]) -> None:
        for first, chunks, tail in _chunk_blocks(path, table, *part):
            grid[:, first : first + len(chunks)] = chunks.transpose(1, 0, 2)
            if tail is not None:
                out[:, full * table.length :] = tail

    # a long run is read in parts side by side: the copies and the first touch of ``out``'s memory (slow
    # on some virtual machines) spread over the cores
    n_chunks = len(table.offsets)
    parts = min(os.cpu_count() or 1, 4, max(1, n_chunks * table.chunk_bytes // (16 << 20)))
    edges = np.linspace(0, n_chunks, parts + 1).astype(int)
    if parts == 1:
        fill((0, n_chunks))
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(parts) as pool:
            list(pool.map(fill, itertools.pairwise(edges)))
    return out, sfreq


def meg_stats(path: str | os.PathLike) -> ChannelStats:
    """A run's channel statistics, read block by block (:class:`~openended.libribrain.standardize.Moments`):
    the run is never held whole, so a dataset's construction needs a few MB however long its runs are."""
    table, _, data = _open_meg(path, read=True)  # reads the data only where h5py must: no table
    if table is None:  # a layout read only by h5py: read whole, as read_meg gives it
        assert data is not None
        if data.shape[1] == 0:
            raise DataError(f"{path}: no samples to compute channel statistics from")
        return ChannelStats.of(data.astype(np.float32, copy=False))
    moments = Moments()
    for _, chunks, tail in _chunk_blocks(path, table):
        moments.add(chunks)
        if tail is not None:
            moments.add(tail)
    return moments.stats()


@dataclass(frozen=True)
class _ChunkTable:
    dtype: np.dtype
    shape: tuple[int, int]  # channels, samples
    length: int  # samples per chunk
    offsets: np.ndarray  # byte offset of each chunk in the file, in time order

    @property
    def chunk_bytes(self) -> int:
        return self.shape[0] * self.length * self.dtype.itemsize


def _open_meg(path: str | os.PathLike, read: bool) -> tuple[_ChunkTable | None, float, np.ndarray | None]:
    """``(chunk table or None, sample frequency, data read by h5py when there is no table and read)``."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            dset = f["data"]
            sfreq = float(f.attrs["sample_frequency"])
            if not isinstance(dset, h5py.Dataset) or dset.ndim != 2:
                shape = getattr(dset, "shape", "a group")
                raise DataError(f"{path}: 'data' must be channels × samples, got {shape}")
            table = _chunk_table(f, dset, path)
            return table, sfreq, (dset[...] if table is None and read else None)
    except (OSError, KeyError, TypeError, ValueError) as err:
        raise DataError(f"{path}: not a LibriBrain MEG file ({err})") from err


def _chunk_table(f: Any, dset: Any, path: str | os.PathLike) -> _ChunkTable | None:
    """Where ``dset``'s chunks lie in ``path``, when it is stored there as plain IEEE floats in chunks that
    each hold every channel — or ``None``, and h5py reads it. ``dset`` must live in this very file (not
    behind an external link); every chunk must be present, unfiltered, of the full chunk size, inside the
    data's extent and inside the file."""
    import h5py

    shape = tuple(int(n) for n in dset.shape)
    if dset.chunks is None or shape[1] == 0 or not os.path.samefile(dset.file.filename, path):
        return None
    # IEEE half, single or double in either byte order, exactly as numpy reads it (h5py maps other float
    # layouts — custom exponent widths, unnormalized mantissas — onto these dtypes)
    if dset.dtype.kind != "f" or dset.dtype.itemsize not in (2, 4, 8):
        return None
    if not dset.id.get_type().equal(h5py.h5t.py_create(dset.dtype)):
        return None
    # before HDF5 1.14.4 the chunk addresses it reports leave out a userblock (HDF5 issue 3003)
    if f.id.get_create_plist().get_userblock() and h5py.version.hdf5_version_tuple < (1, 14, 4):
        return None
    file_size = os.path.getsize(path)
    plist = dset.id.get_create_plist()
    if plist.get_layout() != h5py.h5d.CHUNKED or plist.get_nfilters() or plist.get_external_count():
        return None
    channels, length = (int(n) for n in dset.chunks)
    if channels != shape[0]:
        return None
    size = channels * length * dset.dtype.itemsize
    n_chunks = -(-shape[1] // length)
    found: list[tuple[tuple[int, ...], int, int]] = []
    if hasattr(dset.id, "chunk_iter"):
        dset.id.chunk_iter(lambda c: found.append((c.chunk_offset, c.byte_offset, c.size)))
    else:  # HDF5 before 1.12.3: one call per chunk
        for i in range(dset.id.get_num_chunks()):
            c = dset.id.get_chunk_info(i)
            found.append((c.chunk_offset, c.byte_offset, c.size))
    if len(found) != n_chunks:
        return None
    offsets = np.full(n_chunks, -1, dtype=np.int64)
    for (row, col), byte, n in found:
        if row != 0 or col % length or col // length >= n_chunks or n != size or byte < 0:
            return None
        if byte + size > file_size:
            return None
        offsets[col // length] = byte
    if (offsets < 0).any():
        return None
    return _ChunkTable(dset.dtype, (shape[0], shape[1]), length, offsets)


def _chunk_blocks(
    path: str | os.PathLike, table: _ChunkTable, start: int = 0, stop: int | None = None
) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
    """Chunks ``start:stop`` of the run in time order, ~``BLOCK_BYTES`` at a time (small enough to stay in
    cache while the caller uses them): ``(index of the block's first chunk, its whole chunks as chunk ×
    channel × sample, the run's last, partial chunk's samples as channel × sample or None)``. Neighbouring
    chunks that lie back to back in the file are read in one call. The arrays are reused: use them before
    asking for the next block."""
    channels, n = table.shape
    size = table.chunk_bytes
    offsets = table.offsets
    stop = len(offsets) if stop is None else stop
    full = n // table.length
    block = max(1, BLOCK_BYTES // size)
    buf = np.empty((block, channels, table.length), table.dtype)
    raw = buf.data.cast("B")
    with open(path, "rb", buffering=0) as f:
        for a in range(start, stop, block):
            k = min(block, stop - a)
            i = 0
            while i < k:
                j = i + 1
                while j < k and offsets[a + j] == offsets[a + j - 1] + size:
                    j += 1
                f.seek(int(offsets[a + i]))
                if f.readinto(raw[i * size : j * size]) != (j - i) * size:
                    raise DataError(f"{path}: the file ends inside its 'data' chunks")
                i = j
            whole = max(0, min(k, full - a))
            tail = buf[k - 1, :, : n - full * table.length] if whole < k else None
            yield a, buf[:whole], tail


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
            reader = csv.reader(f, delimiter="\t")  # rows as lists: 2× faster than csv.DictReader
            header = next(reader, [])
            missing = {"kind", "segment", "timemeg", "duration"} - set(header)
            if missing:
                raise DataError(f"{path}: events TSV lacks column(s) {sorted(missing)}")
            twice = sorted(c for c in ("kind", "segment", "timemeg", "duration") if header.count(c) > 1)
            if twice:
                raise DataError(f"{path}: events TSV has column(s) {twice} more than once")
            kind, segment, timemeg, dur = map(header.index, ("kind", "segment", "timemeg", "duration"))
            for row in reader:
                if not row:  # a blank line, as csv.DictReader skips it
                    continue
                if len(row) < len(header):  # a short row: its last fields are missing
                    row = row + [""] * (len(header) - len(row))
                line = reader.line_num
                try:
                    onset = _number(row[timemeg], path, line, "timemeg", required=True)
                    duration = _number(row[dur], path, line, "duration", required=False)
                except DataError as err:
                    if bad_rows == "error":
                        raise
                    if skipped is not None:
                        skipped.append(str(err))
                    continue
                events.append(Event(row[kind], row[segment], onset, duration))
    except FileNotFoundError as err:
        raise DataError(f"{path}: events file not found") from err
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not a text file ({err})") from err
    return events


def _number(text: str, path: str | os.PathLike, line: int, column: str, required: bool) -> float:
    try:  # the common case first: a plain number
        value: float | None = float(text)
    except ValueError:
        value = None
    if value is not None and math.isfinite(value):
        return value
    if text.strip() in MISSING:
        if required:
            raise DataError(f"{path}, line {line}, column {column!r}: missing value")
        return math.nan
    if value is None:
        raise DataError(f"{path}, line {line}, column {column!r}: {text!r} is not a number")
    raise DataError(f"{path}, line {line}, column {column!r}: {text!r} is not a finite number")


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
