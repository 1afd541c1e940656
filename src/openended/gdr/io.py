"""Reading datasets row by row, and writing the refined result in the input's format.

Formats: JSONL, CSV, Parquet, and a Hugging Face ``datasets`` directory (``save_to_disk``). Every row gets a
stable id (its 0-based position, or the value of ``id_field``). Malformed rows — a line that is not JSON, a
row that is not an object, a missing or non-text field — are reported as :class:`Malformed` with the line
number and field name (never the row's content, which may hold PII): the pipeline either stops before any
work (default) or quarantines them, so no row is lost either way.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openended.core.errors import UserError

FORMATS = ("jsonl", "csv", "parquet", "hf")


class InputError(UserError, ValueError):
    """The input cannot be read as asked; the message names the file, line and field."""


@dataclass
class Row:
    id: str
    data: dict[str, Any]


@dataclass
class Malformed:
    id: str
    where: str  # "line 12" / "row 12"
    reason: str
    raw: str = ""  # the unparsed text of a JSONL line, kept for the quarantine file only


def detect_format(path: str | os.PathLike) -> str:
    p = Path(path)
    if p.is_dir():
        if (p / "dataset_info.json").is_file() or (p / "state.json").is_file():
            return "hf"
        raise InputError(f"{p} is a folder but not a Hugging Face datasets directory (no dataset_info.json)")
    suffix = p.suffix.lower()
    for fmt, suffixes in (
        ("jsonl", (".jsonl", ".json", ".ndjson")),
        ("csv", (".csv",)),
        ("parquet", (".parquet", ".pq")),
    ):
        if suffix in suffixes:
            return fmt
    raise InputError(f"cannot tell the format of {p}; pass --input-format ({', '.join(FORMATS)})")


def _check(data: Any, fields: Sequence[str], where: str, rid: str, raw: str | None = None) -> Row | Malformed:
    """A row, or a :class:`Malformed` record that keeps the row's whole content (``raw``: the line as read,
    or the row as JSON) for the quarantine file, so nothing of it is lost."""
    if raw is None:
        raw = json.dumps(data, ensure_ascii=False, default=str)
    if not isinstance(data, dict):
        return Malformed(rid, where, f"a row must be an object, got {type(data).__name__}", raw)
    for f in fields:
        if f not in data or data[f] is None:
            return Malformed(rid, where, f"missing field {f!r}", raw)
        if not isinstance(data[f], str):
            return Malformed(rid, where, f"field {f!r} is {type(data[f]).__name__}, not text", raw)
    return Row(rid, data)


def _unparsed_id(where: str) -> str:
    """The id of a row that could not be parsed: its place, in a namespace no row id of the data can take
    (``#`` is not produced by positions, and a data id would have to be this exact string)."""
    return f"#malformed {where}"


def _row_id(data: Any, index: int, id_field: str) -> str:
    if id_field and isinstance(data, dict) and data.get(id_field) is not None:
        return str(data[id_field])
    return str(index)


def read_rows(
    path: str | os.PathLike, fields: Sequence[str], fmt: str = "auto", id_field: str = ""
) -> Iterator[Row | Malformed]:
    """Every row of the input in order, as a :class:`Row` or a :class:`Malformed` record."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"input not found: {path}")
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "jsonl":
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f):
                if not line.strip():
                    continue
                where = f"line {n + 1}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as err:
                    yield Malformed(
                        _unparsed_id(where),
                        where,
                        f"invalid JSON ({err.msg} at column {err.colno})",
                        line.rstrip("\n"),
                    )
                    continue
                yield _check(data, fields, where, _row_id(data, n, id_field), line.rstrip("\n"))
    elif fmt == "csv":
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            for n, data in enumerate(reader):
                where = f"line {n + 2}"  # after the header
                if None in data:  # more cells than header columns
                    raw = json.dumps(list(data.values()), ensure_ascii=False, default=str)
                    yield Malformed(_unparsed_id(where), where, "more cells than header columns", raw)
                    continue
                yield _check(dict(data), fields, where, _row_id(data, n, id_field))
    elif fmt in ("parquet", "hf"):
        for n, data in enumerate(_table_rows(path, fmt)):
            yield _check(data, fields, f"row {n}", _row_id(data, n, id_field))
    else:
        raise InputError(f"unknown input format {fmt!r}; known: {', '.join(FORMATS)}")


def _table_rows(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    if fmt == "parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError("Parquet needs pyarrow: pip install 'openended[gdr]'") from None
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
            yield from batch.to_pylist()
    else:
        try:
            import datasets
        except ImportError:
            raise InputError(
                "Hugging Face datasets directories need `datasets`: pip install 'openended[gdr]'"
            ) from None
        ds = datasets.load_from_disk(str(path))
        if isinstance(ds, datasets.DatasetDict):
            raise InputError(f"{path} holds several splits ({', '.join(ds)}); pass one split's folder")
        yield from ds


def write_rows(rows: Sequence[dict[str, Any]], path: str | os.PathLike, fmt: str) -> Path:
    """Write ``rows`` (all with the same columns) in ``fmt``; nested values become JSON text in CSV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "csv":
        columns = list(dict.fromkeys(k for r in rows for k in r))
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, columns)
            w.writeheader()
            for r in rows:
                w.writerow(_flat(r))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist([_flat(r) for r in rows]), path)
    elif fmt == "hf":
        import datasets

        datasets.Dataset.from_list([_flat(r) for r in rows]).save_to_disk(str(path))
    else:
        raise InputError(f"unknown output format {fmt!r}")
    _owner_only(path)
    return path


def _owner_only(path: Path) -> None:
    """The refined data may still hold personal data the detectors missed: readable by its owner only."""
    if path.is_dir():
        path.chmod(0o700)
        for p in path.rglob("*"):
            p.chmod(0o700 if p.is_dir() else 0o600)
    else:
        path.chmod(0o600)


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """Provenance dicts as JSON text, so every row has the same flat schema."""
    return {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
