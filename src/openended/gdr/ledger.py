"""Exactly-once bookkeeping of a refinement run: every input row ends in the output or the quarantine, once.

Both are append-only JSONL files. A record is written with one ``write`` of the whole line and flushed to disk
(fsync) before the row counts as done, so a process killed at any point (SIGKILL included) leaves complete
lines plus at most one partial last line. Opening the ledger again cuts that partial line and reads the ids
already done; the run then skips them. A row being processed when the process died is simply done again.
Files are created readable by their owner only: the quarantine holds original, unrefined rows.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

OUTPUT = "output.jsonl"
QUARANTINE = "quarantine.jsonl"


def _repair(path: Path) -> None:
    """Cut a partial last line (a write interrupted by a kill)."""
    if not path.is_file():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
        with open(path, "r+b") as f:
            f.truncate(keep)


def _ids(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [json.loads(line)["_gdr"]["id"] for line in path.read_text(encoding="utf-8").splitlines() if line]


class Ledger:
    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.paths = {"output": self.folder / OUTPUT, "quarantine": self.folder / QUARANTINE}
        self.done: dict[str, str] = {}  # row id -> "output" | "quarantine"
        for name, path in self.paths.items():
            _repair(path)
            for rid in _ids(path):
                if rid in self.done:
                    raise RuntimeError(f"row id {rid!r} appears twice in the ledger ({self.folder})")
                self.done[rid] = name
        self._fds = {
            name: os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            for name, path in self.paths.items()
        }

    def write(self, where: str, record: dict[str, Any]) -> None:
        """Append ``record`` (it carries ``_gdr.id``) to ``output`` or ``quarantine``, durably."""
        rid = record["_gdr"]["id"]
        if rid in self.done:
            raise RuntimeError(f"row id {rid!r} is already in the {self.done[rid]}")
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        fd = self._fds[where]
        written = os.write(fd, line)
        while written < len(line):  # a short write on a full pipe or disk: finish it
            written += os.write(fd, line[written:])
        os.fsync(fd)
        self.done[rid] = where

    def records(self, where: str) -> list[dict[str, Any]]:
        path = self.paths[where]
        return (
            [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
            if path.is_file()
            else []
        )

    def counts(self) -> dict[str, int]:
        values = list(self.done.values())
        return {"output": values.count("output"), "quarantine": values.count("quarantine")}

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
