"""The task suite: one module per task, each defining ``TASK`` (an :class:`openended.aira.task.Task`).

Add a task by writing one module with a ``TASK`` in it — here, or anywhere and pass ``--task-file PATH``
(or put the directory in ``OPENENDED_AIRA_TASKS``). See the AIRA README, "Adding a task".

A user's task file that does not load, or that takes a built-in task's name (or another file's), is
skipped with a one-line reason: one broken file never hides the other tasks, and a built-in is never
silently replaced.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import traceback
from functools import cache
from pathlib import Path

from openended.aira.task import Task
from openended.core.errors import UserError

TASKS_ENV = "OPENENDED_AIRA_TASKS"


class TaskFileError(UserError, ValueError):
    """A task file that cannot be used; the message names the file (and the line, where there is one)."""


class UnknownTask(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def _from_module(module: object, where: str) -> Task:
    task = getattr(module, "TASK", None)
    if not isinstance(task, Task):
        raise TaskFileError(f"{where} defines no TASK (an openended.aira.task.Task)")
    return task


@cache
def builtins() -> dict[str, Task]:
    """The tasks shipped in this package, by name."""
    tasks: dict[str, Task] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            task = _from_module(importlib.import_module(f"{__name__}.{info.name}"), info.name)
            tasks[task.name] = task
    return tasks


def load_file(path: str | os.PathLike) -> Task:
    """The ``TASK`` of a task module outside the package. Whatever goes wrong — a missing file, an error
    while importing it, no ``TASK``, a built-in task's name — is a :class:`TaskFileError` naming the file
    and, for an error in its code, the line."""
    path = Path(path)
    if not path.is_file():
        raise TaskFileError(f"task file {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"openended_aira_task_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise TaskFileError(f"task file {path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as e:  # the user's code: report where it failed, in one line
        raise TaskFileError(f"{path}:{_line(e, path)}: {type(e).__name__}: {e}") from e
    task = _from_module(module, str(path))
    if task.name in builtins():
        taken = f"task name {task.name!r} is a built-in task's"
        raise TaskFileError(f"{path}: {taken}; give the task another name")
    return task


def _line(error: BaseException, path: Path) -> str:
    """The line of ``path`` where ``error`` arose ('?' when it is not in that file)."""
    if isinstance(error, SyntaxError) and error.lineno:
        return str(error.lineno)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path]
    return str(frames[-1].lineno) if frames else "?"


def discover() -> tuple[dict[str, Task], list[str]]:
    """Every usable task — the built-ins, then the task files in the directories of ``OPENENDED_AIRA_TASKS``
    — and one line for each task file that was skipped, saying why."""
    tasks = dict(builtins())
    skipped: list[str] = []
    origin: dict[str, Path] = {}
    for d in filter(None, os.environ.get(TASKS_ENV, "").split(os.pathsep)):
        for f in sorted(Path(d).glob("*.py")):
            try:
                task = load_file(f)
            except TaskFileError as e:
                skipped.append(str(e))
                continue
            if task.name in origin:
                skipped.append(f"{f}: task name {task.name!r} is already defined by {origin[task.name]}")
                continue
            origin[task.name] = f
            tasks[task.name] = task
    return tasks, skipped


def registry() -> dict[str, Task]:
    """Every usable task by name (see :func:`discover` for the files that were skipped)."""
    return discover()[0]


def get(name: str) -> Task:
    tasks, skipped = discover()
    if name not in tasks:
        hint = f"; skipped task files: {' | '.join(skipped)}" if skipped else ""
        raise UnknownTask(f"unknown task {name!r}; known: {', '.join(sorted(tasks))}{hint}")
    return tasks[name]


def suite(names: str) -> list[Task]:
    """``"all"``, ``"tiny"`` (the CI tasks), ``"full"`` (the non-tiny tasks) or comma-separated names."""
    tasks = registry()
    if names == "all":
        return list(tasks.values())
    if names in ("tiny", "full"):
        return [t for t in tasks.values() if t.tiny == (names == "tiny")]
    return [get(n.strip()) for n in names.split(",") if n.strip()]
