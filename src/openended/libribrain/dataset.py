"""Task datasets over LibriBrain runs: a sample list from :mod:`~openended.libribrain.tasks` and the runs'
standardized MEG held in memory (or in a memory-mapped cache), so a window is one array slice.

pnpl reads every window from HDF5 and standardizes it on each access; here each run is read and standardized
once, which is where the speed comes from (``benchmarks/libribrain``). Items are ``(x, y)`` numpy pairs,
``x`` float32 ``(channels, samples)``; :meth:`MEGDataset.batch` gathers many at once. Splits are always by
run, never by window.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from openended.core.serialize import replace_atomically
from openended.libribrain import manifest as M
from openended.libribrain import tasks as T
from openended.libribrain import words as W
from openended.libribrain.constants import (
    CLIP,
    PREPROCESSING,
    RUN_KEYS,
    RunKey,
)
from openended.libribrain.layout import (
    PARTITIONS_FILE,
    DataError,
    available_runs,
    events_path,
    h5_path,
    meg_info,
    meg_stats,
    partition_of,
    read_events,
    read_meg,
    read_partitions,
    stored_stats,
)
from openended.libribrain.standardize import ChannelStats, cached_run_stats, store_run_stats

RELEASES = ("2025", "libribrain100")  # the 2025 competition's 90 runs, or LibriBrain100's 226


def partition_keys(
    partition: str,
    root: str | os.PathLike | None = None,
    release: str = "2025",
    subjects: str | int | Iterable[str | int] | None = "all",
    corpus: str | Iterable[str] | None = "all",
) -> list[RunKey]:
    """The run keys of a partition: those a dataset folder lists in its ``partitions.json`` (a synthetic set,
    or a subset a user declares), else the release's — the 2025 competition's (subject 0, Sherlock1–7) or
    LibriBrain100's manifest — narrowed to ``subjects`` and ``corpus``."""
    part = M.normalize_partition(partition)
    if part is None:
        raise M.SelectionError("partition must be train, validation or test, got None")
    if release not in RELEASES:
        raise M.SelectionError(f"release must be one of {', '.join(RELEASES)}, got {release!r}")
    subs, corp = set(M.normalize_subjects(subjects)), set(M.normalize_corpus(corpus))
    listed = read_partitions(root) if root is not None else None
    if listed is not None:
        base = listed.get(part, [])
    elif release == "2025":
        base = [k for k in RUN_KEYS if partition_of(k) == part]
    else:
        base = M.select(part, subjects, corpus)
    every_corpus = corp == set(M.CORPORA)  # then a folder's own task names (partitions.json) pass too
    keys = [k for k in base if k[0] in subs and (every_corpus or M.TASK_TO_CORPUS.get(k[2], "") in corp)]
    if not keys:
        where = f"{root}/{PARTITIONS_FILE}" if listed is not None else f"the {release} release"
        raise M.SelectionError(
            f"no {part} run of {where} matches subjects={sorted(subs, key=int)}, corpus={sorted(corp)}"
        )
    return keys


def resolve_keys(
    root: str | os.PathLike,
    partition: str | None = None,
    keys: Sequence[Sequence[str]] | None = None,
    preprocessing: str | None = PREPROCESSING,
    missing_runs: str = "error",
    skipped: list[RunKey] | None = None,
    **selectors: Any,
) -> list[RunKey]:
    """Run keys of a partition (:func:`partition_keys` with ``selectors``: release, subjects, corpus) or an
    explicit list that are present under ``root``. A requested run that is missing is an error naming it;
    with ``missing_runs="skip"`` it is left out and appended to ``skipped`` (for the caller to count and
    log), but never all of them."""
    if missing_runs not in ("error", "skip"):
        raise ValueError(f"missing_runs must be 'error' or 'skip', got {missing_runs!r}")
    if (partition is None) == (keys is None):
        raise ValueError("give exactly one of partition or keys")
    wanted: list[RunKey] = (
        partition_keys(partition, root, **selectors)
        if partition is not None
        else [(str(k[0]), str(k[1]), str(k[2]), str(k[3])) for k in keys or ()]
    )
    present = available_runs(root, wanted, preprocessing)
    missing = [k for k in wanted if k not in present]
    if not present or (missing and missing_runs == "error"):
        shown = ", ".join("/".join(k) for k in missing[:5]) + (" …" if len(missing) > 5 else "")
        raise DataError(
            f"{len(missing)} of {len(wanted)} runs missing under {root} ({shown}); "
            "`openended libribrain download` fetches the real data, `make-synthetic` writes a synthetic set"
            + ("; missing_runs=skip leaves the missing ones out" if present else "")
        )
    if skipped is not None:
        skipped.extend(missing)
    return present


LAZY_WINDOWS = 16  # single-window reads of a run before it is read whole: a shuffled first batch stays lazy


class Recording:
    """One run: its key, sample frequency, events, shape and standardized data (float32, channels ×
    samples). The data is read whole on first use of :attr:`data`; until then :meth:`window` reads single
    windows from the file (as pnpl does for every window) — up to ``LAZY_WINDOWS`` of them — so a shuffled
    first batch does not wait for every run to be read."""

    def __init__(
        self,
        key: RunKey,
        path: Path,
        sfreq: float,
        events: list,
        shape: tuple[int, int],
        prepare_run: Callable[[np.ndarray], np.ndarray],
        prepare_window: Callable[[np.ndarray], np.ndarray],
        data: np.ndarray | None = None,
    ) -> None:
        self.key, self.path, self.sfreq, self.events, self.shape = key, path, sfreq, events, shape
        self._prepare_run, self._prepare_window = prepare_run, prepare_window
        self._data = data
        self._lock = threading.Lock()
        self._file: Any = None
        self.window_reads = 0

    @property
    def loaded(self) -> bool:
        return self._data is not None

    @property
    def data(self) -> np.ndarray:
        if self._data is None:
            with self._lock:
                if self._data is None:
                    raw, _ = read_meg(self.path)
                    self._data = self._prepare_run(raw)
                    self._close()
        return self._data

    def window(self, start: int, n: int) -> np.ndarray:
        if self._data is not None or self.window_reads >= LAZY_WINDOWS:
            return self.data[:, start : start + n]
        self.window_reads += 1
        with self._lock:
            if self._file is None:
                import h5py

                self._file = h5py.File(self.path, "r")
            x = np.asarray(self._file["data"][:, start : start + n], dtype=np.float32)
        return self._prepare_window(x)

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __getstate__(self) -> dict[str, Any]:  # open files and locks stay in this process
        state = self.__dict__.copy()
        state["_file"], state["_lock"] = None, None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter exit h5py may be gone before us
            self._close()


@dataclass
class _Run:
    """What construction learns about a run before its data is needed."""

    key: RunKey
    path: Path
    sfreq: float
    shape: tuple[int, int]
    events: list
    stats: ChannelStats | None = None


class MEGDataset:
    """Samples ``(run index, start sample, label)`` over standardized runs; subclasses define the samples."""

    def __init__(
        self,
        root: str | os.PathLike,
        partition: str | None = None,
        keys: Sequence[Sequence[str]] | None = None,
        *,
        tmin: float = 0.0,
        tmax: float = 0.5,
        release: str = "2025",
        subjects: str | int | Iterable[str | int] | None = "all",
        corpus: str | Iterable[str] | None = "all",
        standardize: bool = True,
        per_subject: bool = True,
        stats: ChannelStats | Mapping[str, ChannelStats] | None = None,
        clip: float | None = CLIP,
        preprocessing: str | None = PREPROCESSING,
        cache_dir: str | os.PathLike | None = None,
        missing_runs: str = "error",
        bad_rows: str = "error",
    ) -> None:
        self.root = Path(root)
        # what was left out on request (missing_runs / bad_rows = "skip"), for the caller to count and log
        self.skipped_runs: list[RunKey] = []
        self.skipped_rows: list[str] = []
        self.keys = resolve_keys(
            root, partition, keys, preprocessing, missing_runs, self.skipped_runs,
            release=release, subjects=subjects, corpus=corpus,
        )  # fmt: skip
        self.tmin, self.tmax = tmin, tmax
        given = stats if isinstance(stats, Mapping) else {}
        need = (
            set()
            if not standardize or isinstance(stats, ChannelStats)
            else {k[0] for k in self.keys} - set(given)
        )
        runs = self._read(preprocessing, bad_rows, need)
        rates = {r.sfreq for r in runs}
        if len(rates) != 1:
            raise DataError(f"runs have different sample frequencies: {sorted(rates)}")
        self.sfreq = rates.pop()
        self.n_times = T.window_length(tmin, tmax, self.sfreq)
        self.subjects = sorted({k[0] for k in self.keys}, key=int)
        self.subject_stats: dict[str, ChannelStats] = {}
        self.stats: ChannelStats | None = None
        if standardize:
            self.subject_stats = self._statistics(runs, stats, per_subject)
            shared = {id(v) for v in self.subject_stats.values()}
            self.stats = next(iter(self.subject_stats.values())) if len(shared) == 1 else None

        def preparers(key: RunKey) -> tuple[Callable, Callable]:
            st = self.subject_stats.get(key[0]) if standardize else None
            if st is not None:
                return (
                    lambda x: self._standardized(key, x, st, clip, cache_dir),
                    lambda x: st.apply(x, clip, out=x),
                )
            same = (lambda x: np.clip(x, -clip, clip, out=x)) if clip is not None else (lambda x: x)
            return same, same

        self.recordings = [
            Recording(r.key, r.path, r.sfreq, r.events, r.shape, *preparers(r.key)) for r in runs
        ]
        self.run_index = np.zeros(0, np.int64)
        self.starts = np.zeros(0, np.int64)
        self._collect()
        # no window without data (tasks): drop, and count, those not wholly inside their recording
        lengths = np.array([rec.shape[1] for rec in self.recordings], dtype=np.int64)
        keep = T.inside(self.starts, self.n_times, lengths[self.run_index])
        self.dropped = int(len(keep) - keep.sum())
        if self.dropped:
            self._select(keep)
        if len(self.starts) == 0:
            raise DataError(f"no samples in runs {self.keys}")

    def _read(self, preprocessing: str | None, bad_rows: str, need: set[str]) -> list[_Run]:
        """Every run's events, sample frequency and shape, and the statistics of the runs of subjects in
        ``need``: stored in the file (``channel_means`` / ``channel_stds``, which pnpl reads too), kept from
        an earlier construction (:func:`~openended.libribrain.standardize.cached_run_stats`), or computed
        — which reads the run block by block, never whole (:func:`~openended.libribrain.layout.meg_stats`:
        a few MB at a time however long the runs), in worker threads side by side (the reads do not hold
        the interpreter lock) while this thread reads the events. No run's data is kept here: every run is
        read as its windows are asked for (:class:`Recording`)."""
        from concurrent.futures import Future, ThreadPoolExecutor

        runs: list[_Run] = []
        pending: list[tuple[_Run, Future]] = []
        pool = ThreadPoolExecutor(min(4, os.cpu_count() or 1))
        try:
            for key in self.keys:  # the reads start first: they take longest
                path = h5_path(self.root, key, preprocessing)
                sfreq, shape = meg_info(path)
                run = _Run(key, path, sfreq, shape, [])
                if key[0] in need:
                    run.stats = stored_stats(path, shape) or cached_run_stats(path, shape[0])
                    if run.stats is None:
                        pending.append((run, pool.submit(meg_stats, path)))
                runs.append(run)
            for run in runs:
                run.events = read_events(events_path(self.root, run.key), bad_rows, self.skipped_rows)
            for run, future in pending:
                run.stats = future.result()
                store_run_stats(run.path, run.stats)
        except BaseException:  # a bad file is reported now, not after every other run has been read
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        return runs

    @staticmethod
    def _statistics(
        runs: list[_Run],
        given: ChannelStats | Mapping[str, ChannelStats] | None,
        per_subject: bool,
    ) -> dict[str, ChannelStats]:
        """Channel statistics per subject, over the whole continuous runs. ``given`` (the training set's)
        wins: one ``ChannelStats`` for every subject, or a mapping per subject, where a subject it lacks (a
        held-out subject of the broad track) gets statistics from its own runs. Without ``per_subject`` all
        runs are pooled, as pnpl does."""
        subjects = sorted({r.key[0] for r in runs}, key=int)
        if isinstance(given, ChannelStats):
            return dict.fromkeys(subjects, given)
        given = dict(given or {})
        if not per_subject and not given:
            pooled = ChannelStats.pooled([r.stats for r in runs if r.stats is not None])
            return dict.fromkeys(subjects, pooled)
        own = {
            s: ChannelStats.pooled([r.stats for r in runs if r.key[0] == s and r.stats is not None])
            for s in subjects
            if s not in given
        }
        return {s: given[s] if s in given else own[s] for s in subjects}

    def _standardized(
        self,
        key: RunKey,
        data: np.ndarray,
        stats: ChannelStats,
        clip: float | None,
        cache_dir: str | os.PathLike | None,
    ) -> np.ndarray:
        if cache_dir is None:
            return stats.apply(data, clip, out=data)
        # memory-mapped cache for data larger than RAM: one .npy per run and statistics
        digest = hashlib.sha1(stats.means.tobytes() + stats.stds.tobytes() + str(clip).encode())
        path = Path(cache_dir) / f"{'_'.join(key)}-{digest.hexdigest()[:12]}.npy"
        if not path.is_file():
            standardized = stats.apply(data, clip, out=data)
            replace_atomically(path, lambda f: np.save(f, standardized))
        return np.load(path, mmap_mode="r")

    # -- samples ------------------------------------------------------------------------------
    def _collect(self) -> None:
        raise NotImplementedError

    def _select(self, keep: np.ndarray) -> None:
        """Keep only the samples where ``keep``; subclasses filter their own per-sample arrays too."""
        self.run_index, self.starts = self.run_index[keep], self.starts[keep]

    def label(self, i: int) -> np.ndarray | int:
        raise NotImplementedError

    @property
    def labels(self) -> np.ndarray:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.starts)

    def _slice(self, i: int) -> np.ndarray:
        """The standardized samples of window ``i`` (always whole: windows outside a run were dropped)."""
        return self.recordings[int(self.run_index[i])].window(int(self.starts[i]), self.n_times)

    def window(self, i: int) -> np.ndarray:
        return np.array(self._slice(i), dtype=np.float32)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray | int]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} samples")
        i = int(i) % len(self)
        return self.window(i), self.label(i)

    def batch(self, indices: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Windows ``(B, channels, samples)`` and labels of many samples."""
        indices = np.asarray(indices, dtype=np.int64)
        x = np.empty((len(indices), self.recordings[0].shape[0], self.n_times), np.float32)
        for j, i in enumerate(indices):
            x[j] = self._slice(int(i))
        return x, self.labels[indices]

    @property
    def onsets(self) -> np.ndarray:
        return self.starts / self.sfreq


class SpeechDataset(MEGDataset):
    """Speech detection: fixed-stride windows over each run; label = the window's per-sample speech vector
    (``centre_labels`` gives the middle sample's label, the reference model's target)."""

    def __init__(
        self,
        root: str | os.PathLike,
        partition: str | None = None,
        keys: Sequence[Sequence[str]] | None = None,
        *,
        tmin: float = 0.0,
        tmax: float = 0.8,
        stride: int | None = None,
        oversample_silence_jitter: int = 0,
        enumeration: str = "competition",
        **kw: object,
    ) -> None:
        self.stride = stride
        self.jitter = oversample_silence_jitter
        self.enumeration = enumeration
        super().__init__(root, partition, keys, tmin=tmin, tmax=tmax, **kw)  # type: ignore[arg-type]

    def _collect(self) -> None:
        runs, starts, self.run_labels = [], [], []
        for r, rec in enumerate(self.recordings):
            labels = T.speech_labels(rec.events, rec.sfreq)
            if labels is None:
                labels = np.zeros(0, np.int8)
            labels = labels[: rec.shape[1]]  # labels past the last sample have no data
            self.run_labels.append(labels)
            if self.jitter > 0:
                s = T.oversampled_window_starts(labels, self.n_times, self.jitter)
            else:
                s = T.speech_window_starts(labels, self.n_times, self.stride, self.enumeration)
            # the data window starts tmin after the label window
            runs.append(np.full(len(s), r))
            starts.append(s)
        self.label_starts = np.concatenate(starts) if starts else np.zeros(0, np.int64)
        self.run_index = np.concatenate(runs).astype(np.int64) if runs else np.zeros(0, np.int64)
        self.starts = T.shifted_starts(self.label_starts, self.tmin, self.sfreq)
        n = self.n_times
        self._labels = (
            np.stack(
                [
                    self.run_labels[r][s : s + n]
                    for r, s in zip(self.run_index, self.label_starts, strict=True)
                ]
            )
            if len(self.label_starts)
            else np.zeros((0, n), np.int8)
        )

    def _select(self, keep: np.ndarray) -> None:
        super()._select(keep)
        self.label_starts, self._labels = self.label_starts[keep], self._labels[keep]

    def label(self, i: int) -> np.ndarray:
        return self._labels[i]

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    @property
    def centre_labels(self) -> np.ndarray:
        return self._labels[:, self.n_times // 2]


class OnsetDataset(MEGDataset):
    """One window per event onset (``tmin..tmax`` around it), label = the event's class id; subclasses say
    which events of a run are samples (:meth:`_samples`)."""

    def _samples(self, events: list) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _collect(self) -> None:
        runs, starts, labels, onsets = [], [], [], []
        for r, rec in enumerate(self.recordings):
            on, lab = self._samples(rec.events)
            runs.append(np.full(len(on), r))
            starts.append(T.window_starts(on, self.tmin, rec.sfreq))
            labels.append(lab)
            onsets.append(on)
        self.run_index = np.concatenate(runs).astype(np.int64)
        self.starts = np.concatenate(starts)
        self._labels = np.concatenate(labels)
        self.event_onsets = np.concatenate(onsets)

    def _select(self, keep: np.ndarray) -> None:
        super()._select(keep)
        self._labels, self.event_onsets = self._labels[keep], self.event_onsets[keep]

    def label(self, i: int) -> int:
        return int(self._labels[i])

    @property
    def labels(self) -> np.ndarray:
        return self._labels


class PhonemeDataset(OnsetDataset):
    """Phoneme classification: one window per phoneme onset (``tmin..tmax`` around it); label = class id."""

    def _samples(self, events: list) -> tuple[np.ndarray, np.ndarray]:
        return T.phoneme_samples(events)


class WordDataset(OnsetDataset):
    """Word classification over a fixed vocabulary (the 2026 competition's primary one by default), or
    keyword detection with ``keywords``: one window per word onset (pnpl's defaults ``tmin = 0``, ``tmax =
    0.5`` s); see :mod:`~openended.libribrain.words` for how a word is matched."""

    def __init__(
        self,
        root: str | os.PathLike,
        partition: str | None = None,
        keys: Sequence[Sequence[str]] | None = None,
        *,
        vocabulary: Sequence[str] = W.PRIMARY_VOCABULARY,
        keywords: Iterable[str] | None = None,
        tmin: float = 0.0,
        tmax: float = 0.5,
        **kw: Any,
    ) -> None:
        self.vocabulary = tuple(vocabulary)
        self.keywords = tuple(keywords) if keywords is not None else None
        self.classes = ("other", "keyword") if self.keywords is not None else self.vocabulary
        self.out_of_vocabulary = 0
        super().__init__(root, partition, keys, tmin=tmin, tmax=tmax, **kw)

    def _samples(self, events: list) -> tuple[np.ndarray, np.ndarray]:
        onsets, labels, left_out = W.word_samples(events, self.vocabulary, self.keywords)
        self.out_of_vocabulary += left_out
        return onsets, labels

    @property
    def sample_subjects(self) -> np.ndarray:
        """The subject of each sample (per-subject scores of the broad track)."""
        subjects = np.array([rec.key[0] for rec in self.recordings])
        return subjects[self.run_index]


def average_groups(
    labels: np.ndarray, group: int, drop_remaining: bool = False, order: np.ndarray | None = None
) -> list[np.ndarray]:
    """Indices of same-label groups for signal averaging, as the competition built them: walk the samples in
    ``order`` (default index order), add each to its label's open group, close a group when it holds
    ``group`` samples; leftover partial groups are appended per label (in first-seen order) unless
    ``drop_remaining``."""
    if group < 1:
        raise ValueError(f"group size must be at least 1, got {group}")
    order = np.arange(len(labels)) if order is None else np.asarray(order)
    groups: list[np.ndarray] = []
    partial: dict[int, list[int]] = {}
    for i in order:
        bucket = partial.setdefault(int(labels[i]), [])
        bucket.append(int(i))
        if len(bucket) == group:
            groups.append(np.asarray(bucket))
            partial[int(labels[i])] = []
    if not drop_remaining:
        groups.extend(np.asarray(b) for b in partial.values() if b)
    return groups


class AveragedDataset:
    """Signal-averaged phoneme trials: each item is the mean of a same-label group of single trials."""

    def __init__(
        self,
        base: PhonemeDataset,
        group: int,
        drop_remaining: bool = False,
        shuffle_seed: int | None = None,
    ) -> None:
        order = None
        if shuffle_seed is not None:
            order = np.random.default_rng(shuffle_seed).permutation(len(base))
        self.base = base
        self.groups = average_groups(base.labels, group, drop_remaining, order)
        self._labels = np.array([int(base.labels[g[0]]) for g in self.groups], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        x, _ = self.base.batch(self.groups[i])
        return x.mean(axis=0), int(self._labels[i])

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    def batch(self, indices: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs = [self[int(i)][0] for i in indices]
        return np.stack(xs), self._labels[np.asarray(indices, dtype=np.int64)]
