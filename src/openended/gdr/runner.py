"""A GDR run: read the input, refine it batch by batch into the ledger, resume after a kill, write the result.

The run directory holds ``output.jsonl`` and ``quarantine.jsonl`` (the ledger, appended durably), the refined
dataset in the input's format (``refined.*``) once every row is done, and the surrogate key (owner-only) when
``$OPENENDED_GDR_KEY`` is not set. Metrics are counts and rates only.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from openended.core.runs import Run
from openended.gdr.config import GDRConfig
from openended.gdr.io import InputError, Malformed, Row, detect_format, read_rows, write_rows
from openended.gdr.ledger import Ledger
from openended.gdr.pipeline import build_refiner
from openended.gdr.surrogates import KEY_ENV, new_key
from openended.llm import LLM, load

log = logging.getLogger(__name__)
EXTENSIONS = {"jsonl": "refined.jsonl", "csv": "refined.csv", "parquet": "refined.parquet", "hf": "refined"}


def surrogate_key(run_dir: Path) -> str:
    """``$OPENENDED_GDR_KEY``, or a key generated once per run and kept owner-readable in the run."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV]
    path = run_dir / "surrogate.key"
    if not path.is_file():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, new_key().encode())
        os.close(fd)
    return path.read_text().strip()


def scan(config: GDRConfig) -> tuple[list[str], list[Malformed]]:
    """Read the whole input once: row ids in input order and malformed rows; duplicate ids are an error."""
    seen: set[str] = set()
    ids: list[str] = []
    bad: list[Malformed] = []
    for r in read_rows(config.input, config.fields, config.input_format, config.id_field):
        ids.append(r.id)
        if r.id in seen:
            raise InputError(f"{config.input}: row id {r.id!r} appears twice (id field {config.id_field!r})")
        seen.add(r.id)
        if isinstance(r, Malformed):
            bad.append(r)
    if bad and config.on_malformed == "error":
        listed = "; ".join(f"{m.where}: {m.reason}" for m in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise InputError(
            f"{config.input}: {len(bad)} malformed row(s): {listed}{more}. Nothing was processed; fix the "
            "input or pass --on-malformed quarantine"
        )
    return ids, bad


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


def run_gdr(run: Run, rewriter: LLM | None = None, judge: LLM | None = None) -> dict[str, Any]:
    config: GDRConfig = run.config  # type: ignore[assignment]
    if not config.input:
        raise InputError("no input: pass --input FILE")
    ids, malformed = scan(config)
    total = len(ids)
    if total == 0:
        log.warning("%s has no rows: nothing to refine", config.input)
        run.log(0, event="warning", message="the input has no rows")
    key = surrogate_key(run.path)
    with Ledger(run.path) as ledger:
        for m in malformed:
            if m.id not in ledger.done:
                ledger.write(
                    "quarantine",
                    {"_gdr": {"id": m.id, "reason": f"malformed input, {m.where}: {m.reason}"}, "raw": m.raw},
                )
        todo = (
            r
            for r in read_rows(config.input, config.fields, config.input_format, config.id_field)
            if isinstance(r, Row) and r.id not in ledger.done
        )
        start, done_before = time.perf_counter(), len(ledger.done)
        with run.progress(total, done_before, f"gdr {config.task}") as bar:
            if config.executor == "ray":
                from openended.gdr.distributed import refine_with_ray

                for where, record in refine_with_ray(config, todo, key):
                    ledger.write(where, record)
                    bar.update(1)
            else:
                rewriter = rewriter or load(config.rewriter)
                judge = judge or (load(config.judge) if config.judge else None)
                refiner = build_refiner(config, rewriter, judge, key)
                for batch in _batches(todo, config.batch_size):
                    for where, record in refiner.refine(batch, config.fields):
                        ledger.write(where, record)
                    bar.update(len(batch))
                    counts = ledger.counts()
                    run.log(
                        len(ledger.done),
                        **counts,
                        rows_per_s=(len(ledger.done) - done_before) / (time.perf_counter() - start),
                    )
        counts = ledger.counts()
        if len(ledger.done) != total:
            raise RuntimeError(f"row accounting: {len(ledger.done)} rows recorded for {total} input rows")
        records = ledger.records("output")
    fmt = detect_format(config.input) if config.input_format == "auto" else config.input_format
    fmt = fmt if config.output_format == "same" else config.output_format
    order = {rid: n for n, rid in enumerate(ids)}
    records.sort(key=lambda r: order[r["_gdr"]["id"]])
    if records or fmt in ("jsonl", "csv"):  # a columnar file needs at least one row for its schema
        write_rows(records, run.path / EXTENSIONS[fmt], fmt)
    elapsed = time.perf_counter() - start
    summary = {**counts, "rows": total, "rows_per_s": (total - done_before) / elapsed if elapsed > 0 else 0.0}
    run.log(total, **summary, event="final")
    return summary
