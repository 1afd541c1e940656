"""Run directories: resolved config, metrics, checkpoints, artifacts, report; resume after a crash.

Layout of a run directory::

    run.json            system, status, provenance (commit, host, python), number of resumes
    config.json         the resolved config; pass it back with --config to repeat the run
    metrics.jsonl       one JSON row per logged step: {"step": ..., "time": ..., <metric>: ...}
    checkpoints/        step_000000123.npz, the newest few kept (safe format, see core.serialize)
    artifacts/          whatever the system writes (archives, figures, tables)
    report.html         written at the end of a run or by `openended report RUN_DIR`
    tensorboard/        event files, when asked for
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any, TypeVar

from tqdm.auto import tqdm

import openended
from openended.core.config import Config, from_dict, to_dict
from openended.core.errors import UserError
from openended.core.serialize import load_tree, save_tree, write_text_atomic

C = TypeVar("C", bound=Config)
RUN_META = "run.json"
CONFIG = "config.json"
METRICS = "metrics.jsonl"
REPORT = "report.html"


class RunError(UserError, RuntimeError):
    """A run directory that cannot be used as asked (missing, of another system, ...)."""


def provenance() -> dict[str, Any]:
    """Where and from what code a measurement was taken: commit, host, python, date."""
    root = Path(openended.__file__).resolve().parent
    # a copy of a commit's tree shipped elsewhere (e.g. a remote GPU machine) may carry a stale .git: the
    # caller's OPENENDED_COMMIT, when set, names the code that actually ran
    commit, dirty, note = os.environ.get("OPENENDED_COMMIT"), None, None
    if commit:
        note = "run on a copy of this commit's tree (OPENENDED_COMMIT)"
    else:
        with suppress(OSError, subprocess.SubprocessError):
            commit = subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            status = subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout
            dirty = bool(status.strip())
    return {
        "openended": openended.__version__,
        "commit": commit,
        "dirty": dirty,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpu": cpu_model(),
        **({"note": note} if note else {}),
    }


def cpu_model() -> dict[str, str]:
    """The processor as Linux names it (model name, family/model/stepping, cache, clock): "Intel Xeon
    Processor" alone names many machines, the numbers tell them apart when two measurements disagree."""
    fields = {"model name": "name", "cpu family": "family", "model": "model", "stepping": "stepping",
              "cache size": "cache", "cpu MHz": "mhz"}  # fmt: skip
    out: dict[str, str] = {}
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, sep, value = line.partition(":")
            if not sep:
                if out:
                    break  # the first processor's block is enough
                continue
            name = fields.get(key.strip())
            if name and name not in out:
                out[name] = value.strip()
    return out or {"name": platform.processor() or platform.machine()}


def _write_json(path: Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, default=str) + "\n")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return value


def read_metrics(run_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """All metric rows of a run; a torn last line (killed mid-write) is skipped."""
    path = Path(run_dir) / METRICS
    rows = []
    if path.exists():
        for line in path.read_text().splitlines():
            with suppress(json.JSONDecodeError):
                rows.append(json.loads(line))
    return rows


def read_meta(run_dir: str | os.PathLike) -> dict[str, Any]:
    path = Path(run_dir) / RUN_META
    if not path.is_file():
        raise RunError(f"{run_dir} is not a run directory (no {RUN_META})")
    return json.loads(path.read_text())


def checkpoints(run_dir: str | os.PathLike) -> list[tuple[int, Path]]:
    """``(step, path)`` of a run's checkpoints, oldest first."""
    found = []
    for p in (Path(run_dir) / "checkpoints").glob("step_*.npz"):
        with suppress(ValueError):
            found.append((int(p.stem.removeprefix("step_")), p))
    return sorted(found)


def latest_checkpoint(run_dir: str | os.PathLike) -> tuple[int, dict[str, Any]] | None:
    """The newest checkpoint of a run as ``(step, state)``, read-only (the run is not touched)."""
    found = checkpoints(run_dir)
    if not found:
        return None
    step, path = found[-1]
    state = load_tree(path)
    state.pop("step", None)
    return step, state


def load_config(run_dir: str | os.PathLike, config_cls: type[C]) -> C:
    """A run's resolved config, validated."""
    return from_dict(config_cls, json.loads((Path(run_dir) / CONFIG).read_text()))


class Run:
    """A live run: logs metrics, saves and restores checkpoints, writes artifacts.

    Use as a context manager so the run's status ends as ``finished``, ``failed`` or ``interrupted``.
    """

    def __init__(
        self, path: Path, system: str, config: Config, meta: dict[str, Any], tensorboard: bool
    ) -> None:
        self.path = path
        self.system = system
        self.config = config
        self.meta = meta
        self.keep_checkpoints = 3
        self._start = time.monotonic() - float(meta.get("elapsed_s", 0.0))
        self._tb = None
        if tensorboard:
            try:
                from tensorboardX import SummaryWriter
            except ImportError as err:
                raise RunError("TensorBoard logging needs tensorboardX: pip install 'openended[tb]'") from err
            self._tb = SummaryWriter(str(path / "tensorboard"))

    # -- creation ------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        system: str,
        config: Config,
        root: str | os.PathLike = "runs",
        name: str | None = None,
        tensorboard: bool = False,
    ) -> Run:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = Path(root) / (name or f"{system}-{stamp}-{secrets.token_hex(2)}")
        if path.exists() and any(path.iterdir()):
            raise RunError(f"{path} already exists; pass --resume {path} to continue it, or another --name")
        for sub in ("checkpoints", "artifacts"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        meta = {"system": system, "status": "running", "resumes": 0, "elapsed_s": 0.0, **provenance()}
        _write_json(path / CONFIG, to_dict(config))
        _write_json(path / RUN_META, meta)
        return cls(path, system, config, meta, tensorboard)

    @classmethod
    def resume(
        cls, path: str | os.PathLike, system: str, config_cls: type[C], tensorboard: bool = False
    ) -> Run:
        path = Path(path)
        meta = read_meta(path)
        if meta.get("system") != system:
            raise RunError(f"{path} is a {meta.get('system')!r} run, not {system!r}")
        config = load_config(path, config_cls)
        meta.update(status="running", resumes=int(meta.get("resumes", 0)) + 1)
        _write_json(path / RUN_META, meta)
        return cls(path, system, config, meta, tensorboard)

    # -- metrics -------------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def log(self, step: int, **metrics: Any) -> None:
        row = {"step": int(step), "time": round(self.elapsed, 3)}
        row.update({k: _jsonable(v) for k, v in metrics.items()})
        with open(self.path / METRICS, "a") as f:
            f.write(json.dumps(row) + "\n")
        if self._tb is not None:
            for key, value in row.items():
                if key != "step" and isinstance(value, int | float) and math.isfinite(value):
                    self._tb.add_scalar(key, value, global_step=int(step))

    def metrics(self) -> list[dict[str, Any]]:
        return read_metrics(self.path)

    # -- checkpoints ---------------------------------------------------------------------------
    def save_checkpoint(self, step: int, state: Mapping[str, Any]) -> Path:
        """Save ``state`` (nested arrays, numbers, strings) as checkpoint ``step``; keep the newest few."""
        path = save_tree(
            self.path / "checkpoints" / f"step_{int(step):09d}.npz", {"step": int(step), **state}
        )
        for _, old in checkpoints(self.path)[: -self.keep_checkpoints]:
            old.unlink(missing_ok=True)
        self.meta["elapsed_s"] = round(self.elapsed, 3)
        self.meta["last_checkpoint_step"] = int(step)
        _write_json(self.path / RUN_META, self.meta)
        return path

    def restore(self) -> tuple[int, dict[str, Any]] | None:
        """The newest checkpoint as ``(step, state)``, or ``None`` for a fresh run.

        Metric rows logged after that step are dropped, so the resumed run does not log them twice.
        """
        restored = latest_checkpoint(self.path)
        if restored is None:
            return None
        step, state = restored
        self.meta["resumed_from_step"] = step
        _write_json(self.path / RUN_META, self.meta)
        kept = [row for row in self.metrics() if row.get("step", -1) <= step]
        write_text_atomic(self.path / METRICS, "".join(json.dumps(row) + "\n" for row in kept))
        return step, state

    # -- artifacts and progress ----------------------------------------------------------------
    def artifact(self, name: str) -> Path:
        """Path for an artifact file inside the run (parent folders created)."""
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise RunError(f"artifact name {name!r} leaves the run directory")
        path = self.path / "artifacts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def progress(self, total: int, initial: int = 0, desc: str | None = None) -> tqdm:
        """A progress bar on stderr (hidden when stderr is not a terminal or OPENENDED_PROGRESS=0)."""
        disable = None if os.environ.get("OPENENDED_PROGRESS", "1") != "0" else True
        return tqdm(
            total=total,
            initial=initial,
            desc=desc or self.system,
            disable=disable,
            dynamic_ncols=True,
            file=sys.stderr,
        )

    # -- lifecycle -----------------------------------------------------------------------------
    def finish(self, status: str = "finished", error: str | None = None) -> None:
        self.meta.update(status=status, elapsed_s=round(self.elapsed, 3))
        if error:
            self.meta["error"] = error
        _write_json(self.path / RUN_META, self.meta)
        if self._tb is not None:
            self._tb.close()
            self._tb = None

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.finish("finished")
        elif issubclass(exc_type, KeyboardInterrupt):
            self.finish("interrupted")
        else:
            self.finish("failed", error=f"{exc_type.__name__}: {exc}")


def iter_runs(root: str | os.PathLike) -> Iterator[Path]:
    """Run directories directly under ``root``."""
    for p in sorted(Path(root).iterdir()):
        if (p / RUN_META).is_file():
            yield p
