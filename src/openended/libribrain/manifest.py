"""LibriBrain100: the run keys of both releases, their corpora and partitions, and selection by subject,
corpus and partition.

LibriBrain100 unites the first release (subject 0 × Sherlock1–7, the 2025 competition's data) with
LibriBrain2: subject 0 × Sherlock8–9, TIMIT, MOCHA-TIMIT and 30 podcasts (task token ``TheMoth``), and
subjects 1–32 × two Sherlock1 sessions each. The table below is pnpl 0.2.0's manifest
(``pnpl/datasets/libribrain100/manifest.py``), written out here as data so that selections do not depend on
which pnpl is installed:

=========================  ==================  ===================================================
task                       sessions (run)      partition
=========================  ==================  ===================================================
Sherlock1 (subject 0)      1–10 (1), 11–12 (2) 11 validation, 12 test, others train
Sherlock2–4 / 5 / 6–7      1–12 / 1–15 / 1–14  train
Sherlock8 / Sherlock9      1–10 / 0–12         train
TIMIT                      1–14                train (its utterance-level split is not released)
MOCHATIMIT                 1–4                 1, 4 train (sets A, D); 2 validation (B); 3 test (C)
TheMoth (podcasts)         1–30                29 validation, 30 test, others train
Sherlock1 (subjects 1–32)  11, 12 (run 1)      11 validation, 12 test (no training runs)
=========================  ==================  ===================================================

226 runs: 162 of subject 0 (the *deep* track), 64 of subjects 1–32 (the *broad* track; the 2026
competition's broad holdout adds subjects 33–39, who have no released runs). Partitions: 156 train, 35
validation, 35 test. Keys sort by (subject, task, session, run) as numbers where they are numbers.

Five sub-0 runs (Sherlock4 sessions 2 and 9, Sherlock6 sessions 3, 10 and 14) are in this manifest but not in
the 2025 competition's run list, and may be absent from the hub; a missing run is reported as usual
(:func:`openended.libribrain.dataset.resolve_keys`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from openended.core.errors import UserError
from openended.libribrain.constants import RunKey

CORPORA = ("sherlock", "timit", "mocha", "podcasts")
PARTITIONS = ("train", "validation", "test")
DEEP_SUBJECT = "0"
BROAD_SUBJECTS = tuple(str(s) for s in range(1, 33))  # those with released runs
SUBJECTS = (DEEP_SUBJECT, *BROAD_SUBJECTS)
TASK_TO_CORPUS = {
    **{f"Sherlock{i}": "sherlock" for i in range(1, 10)},
    "TIMIT": "timit",
    "MOCHATIMIT": "mocha",
    "TheMoth": "podcasts",
}
CORPUS_ALIASES = {
    "sherlock": "sherlock",
    "sherlock_holmes": "sherlock",
    "timit": "timit",
    "mocha": "mocha",
    "mocha-timit": "mocha",
    "mochatimit": "mocha",
    "mocha_timit": "mocha",
    "podcasts": "podcasts",
    "podcast": "podcasts",
    "moth": "podcasts",
    "the_moth": "podcasts",
    "themoth": "podcasts",
}
PARTITION_ALIASES = {
    "train": "train",
    "training": "train",
    "val": "validation",
    "valid": "validation",
    "validation": "validation",
    "test": "test",
    "testing": "test",
}
RELEASES = ("LibriBrain", "LibriBrain2")  # the hub dataset each run comes from


class SelectionError(UserError, ValueError):
    """A selector that names no subject, corpus, partition or run of the manifest, or selects nothing."""


@dataclass(frozen=True)
class Record:
    subject: str
    session: str
    task: str
    run: str
    partition: str
    release: str

    @property
    def key(self) -> RunKey:
        return (self.subject, self.session, self.task, self.run)

    @property
    def corpus(self) -> str:
        return TASK_TO_CORPUS[self.task]


def _records() -> tuple[Record, ...]:
    out: list[Record] = []

    def add(
        subject: str,
        task: str,
        sessions: Iterable[int],
        release: str,
        run: str = "1",
        split: dict[int, str] | None = None,
    ) -> None:
        for s in sessions:
            out.append(Record(subject, str(s), task, run, (split or {}).get(s, "train"), release))

    sherlock1 = {11: "validation", 12: "test"}
    add("0", "Sherlock1", range(1, 11), "LibriBrain")
    add("0", "Sherlock1", (11, 12), "LibriBrain", run="2", split=sherlock1)
    for task, n in (("Sherlock2", 12), ("Sherlock3", 12), ("Sherlock4", 12), ("Sherlock5", 15)):
        add("0", task, range(1, n + 1), "LibriBrain")
    for task in ("Sherlock6", "Sherlock7"):
        add("0", task, range(1, 15), "LibriBrain")
    add("0", "Sherlock8", range(1, 11), "LibriBrain2")
    add("0", "Sherlock9", range(0, 13), "LibriBrain2")
    add("0", "TIMIT", range(1, 15), "LibriBrain2")
    add("0", "MOCHATIMIT", range(1, 5), "LibriBrain2", split={2: "validation", 3: "test"})
    add("0", "TheMoth", range(1, 31), "LibriBrain2", split={29: "validation", 30: "test"})
    for subject in BROAD_SUBJECTS:
        add(subject, "Sherlock1", (11, 12), "LibriBrain2", split=sherlock1)
    return tuple(sorted(out, key=lambda r: (int(r.subject), r.task, int(r.session), int(r.run))))


RECORDS: tuple[Record, ...] = _records()
BY_KEY = {r.key: r for r in RECORDS}
RUN_KEYS: tuple[RunKey, ...] = tuple(r.key for r in RECORDS)

_SUBJECT = re.compile(r"(?:sub-)?0*(\d+)$")


def normalize_subjects(subjects: str | int | Iterable[str | int] | None) -> tuple[str, ...]:
    """``"all"`` / ``None``, ``"deep"`` (subject 0), ``"broad"`` (1–32), one subject (``5``, ``"sub-05"``)
    or several; ids without zero padding, as in the file names."""
    if subjects is None or subjects == "all":
        return SUBJECTS
    if subjects == "deep":
        return (DEEP_SUBJECT,)
    if subjects == "broad":
        return BROAD_SUBJECTS
    items = [subjects] if isinstance(subjects, (str, int)) else list(subjects)
    if not items:
        raise SelectionError("subjects: an empty selection")
    out = []
    for item in items:
        m = _SUBJECT.match(str(item).strip())
        if m is None:
            raise SelectionError(
                f"subjects: {item!r} is not a subject id (e.g. 0, 5, 'sub-05', 'deep', 'broad')"
            )
        out.append(str(int(m.group(1))))
    return tuple(dict.fromkeys(out))


def normalize_corpus(corpus: str | Iterable[str] | None) -> tuple[str, ...]:
    if corpus is None or corpus == "all":
        return CORPORA
    items = [corpus] if isinstance(corpus, str) else list(corpus)
    out = []
    for item in items:
        name = CORPUS_ALIASES.get(str(item).strip().lower())
        if name is None:
            raise SelectionError(f"corpus: {item!r} is not one of {', '.join(CORPORA)} (or an alias)")
        out.append(name)
    return tuple(dict.fromkeys(out))


def normalize_partition(partition: str | None) -> str | None:
    if partition is None:
        return None
    name = PARTITION_ALIASES.get(partition.strip().lower())
    if name is None:
        raise SelectionError(f"partition must be train, validation or test, got {partition!r}")
    return name


def select(
    partition: str | None = None,
    subjects: str | int | Iterable[str | int] | None = "all",
    corpus: str | Iterable[str] | None = "all",
    include: Iterable[RunKey] | None = None,
    exclude: Iterable[RunKey] | None = None,
) -> list[RunKey]:
    """Run keys of the manifest that match every selector, in manifest order. ``include`` keeps only the
    keys it names (each must be in the manifest), ``exclude`` removes keys. An empty result is an error that
    names the selectors."""
    part = normalize_partition(partition)
    subs, corp = set(normalize_subjects(subjects)), set(normalize_corpus(corpus))
    inc = {tuple(str(x) for x in k) for k in include or ()}
    exc = {tuple(str(x) for x in k) for k in exclude or ()}
    unknown = sorted(inc - set(BY_KEY))
    if unknown:
        raise SelectionError(f"include: {'/'.join(unknown[0])} is not a LibriBrain100 run")
    both = sorted(inc & exc)
    if both:
        raise SelectionError(f"run {'/'.join(both[0])} is both included and excluded")
    keys = [
        r.key
        for r in RECORDS
        if r.subject in subs
        and r.corpus in corp
        and (part is None or r.partition == part)
        and (not inc or r.key in inc)
        and r.key not in exc
    ]
    if not keys:
        raise SelectionError(
            f"no LibriBrain100 run matches partition={part}, subjects={sorted(subs, key=int)}, "
            f"corpus={sorted(corp)}"
            + (
                " (subjects 1–32 have validation and test runs only)"
                if part == "train" and DEEP_SUBJECT not in subs
                else ""
            )
        )
    return keys
