"""The task suite: one module per task, each defining ``TASK`` (an :class:`openended.aira.task.Task`).

Add a task by writing one module with a ``TASK`` in it — here, or anywhere and pass ``--task-file PATH``
(or put the directory in ``OPENENDED_AIRA_TASKS``). See the AIRA README, "Adding a task".
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
from pathlib import Path

from openended.aira.task import Task


def _from_module(module: object, where: str) -> Task:
    task = getattr(module, "TASK", None)
    if not isinstance(task, Task):
        raise ValueError(f"{where} defines no TASK (an openended.aira.task.Task)")
    return task


def load_file(path: str | os.PathLike) -> Task:
    """The ``TASK`` of a task module outside the package."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"task file {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"openended_aira_task_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return _from_module(module, str(path))


def registry() -> dict[str, Task]:
    """Every task: the built-in modules, then task files in the directories of ``OPENENDED_AIRA_TASKS``."""
    tasks: dict[str, Task] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            task = _from_module(importlib.import_module(f"{__name__}.{info.name}"), info.name)
            tasks[task.name] = task
    for d in filter(None, os.environ.get("OPENENDED_AIRA_TASKS", "").split(os.pathsep)):
        for f in sorted(Path(d).glob("*.py")):
            task = load_file(f)
            tasks[task.name] = task
    return tasks


def get(name: str) -> Task:
    tasks = registry()
    if name not in tasks:
        raise KeyError(f"unknown task {name!r}; known: {', '.join(sorted(tasks))}")
    return tasks[name]


def suite(names: str) -> list[Task]:
    """``"all"``, ``"tiny"`` (the CI tasks), ``"full"`` (the non-tiny tasks) or comma-separated names."""
    tasks = registry()
    if names == "all":
        return list(tasks.values())
    if names in ("tiny", "full"):
        return [t for t in tasks.values() if t.tiny == (names == "tiny")]
    return [get(n.strip()) for n in names.split(",") if n.strip()]
