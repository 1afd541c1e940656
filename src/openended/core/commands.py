"""The ``run`` command every system shares: config from defaults/file/flags, a run directory, resume,
and a report at the end. A system describes itself as an :class:`Experiment`; the command does the rest."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from openended.core.config import Config, ConfigError, add_arguments, overrides_from_args, resolve, to_dict
from openended.core.errors import UserError
from openended.core.report import Report, write_run_report
from openended.core.runs import CONFIG, METRICS, RUN_META, Run, RunError, read_meta


@dataclass(frozen=True)
class Experiment:
    """What it takes to run one system: its name, config class, main loop and report sections."""

    system: str
    config_cls: type[Config]
    main: Callable[[Run], None]
    sections: Callable[[Report, Path], None] | None = None
    # checks that need more than the config's own types (a file it names, a task it looks up), run before
    # a run directory is made; raises ConfigError naming the field
    check: Callable[[Config], None] | None = None


@dataclass(frozen=True)
class TourEntry:
    """What a system's tour run hands back: its run directory, headline numbers and figure."""

    run_dir: Path
    summary: dict[str, Any]
    headline: Path | None = None


def emit_json(result: Any, path: str | Path | None = None) -> int:
    """A command's result as indented JSON on stdout, and in ``path`` when one is given; exit status 0."""
    text = json.dumps(result, indent=1)
    if path:
        Path(path).write_text(text + "\n")
    print(text)
    return 0


def execute(
    exp: Experiment,
    config: Config | None = None,
    *,
    resume: str | Path | None = None,
    root: str | Path = "runs",
    name: str | None = None,
    tensorboard: bool = False,
    report: bool = True,
) -> Path:
    """Run (or resume) ``exp`` in a run directory, write its report, and return the directory."""
    fresh = False
    if resume is not None:
        run = Run.resume(resume, exp.system, exp.config_cls, tensorboard=tensorboard)
    else:
        fresh = name is None or not (Path(root) / name).exists()
        run = Run.create(
            exp.system, config or exp.config_cls(), root=root, name=name, tensorboard=tensorboard
        )
    try:
        with run:
            exp.main(run)
    except UserError:
        if fresh and _made_nothing(run.path):  # bad input met before any result: leave no half-made run
            shutil.rmtree(run.path, ignore_errors=True)
            raise
        if report:
            with suppress(Exception):
                write_run_report(run.path, exp.sections)
        raise
    except BaseException:
        if report:  # a failed run's curves are what one wants to look at; the original error wins
            with suppress(Exception):
                write_run_report(run.path, exp.sections)
        raise
    if report:
        write_run_report(run.path, exp.sections)
    return run.path


def _made_nothing(path: Path) -> bool:
    """True when a run directory holds only what :meth:`Run.create` and a few metric rows put there: no
    checkpoint, no artifact, nothing a system wrote beside them (a model, a trainer's state)."""
    own = {CONFIG, RUN_META, METRICS, "checkpoints", "artifacts", "tensorboard"}
    return all(p.name in own for p in path.iterdir()) and not any(
        any((path / sub).iterdir()) for sub in ("checkpoints", "artifacts") if (path / sub).is_dir()
    )


def run_or_resume(exp: Experiment, config: Config, root: str | Path, name: str, report: bool = True) -> Path:
    """``root/name`` run of ``exp``: made and run when absent, resumed when interrupted, left alone when
    finished — what a long benchmark script calls for each of its steps so that it can be restarted."""
    path = Path(root) / name
    if (path / "run.json").is_file():
        if read_meta(path).get("status") != "finished":
            execute(exp, resume=path, report=report)
        return path
    return execute(exp, config, root=root, name=name, report=report)


def add_run_command(
    subparsers: argparse._SubParsersAction, exp: Experiment, help: str, name: str = "run"
) -> None:
    """Register ``openended <system> <name>`` (default ``run``) with one flag per config field."""
    p = subparsers.add_parser(name, help=help, description=help)
    p.add_argument(
        "--config", metavar="FILE", help="YAML/TOML/JSON file of config values (flags override it)"
    )
    p.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run from its last checkpoint")
    p.add_argument("--runs-root", default="runs", metavar="DIR", help="where new run directories go (runs)")
    p.add_argument("--name", help="name of the run directory (default: SYSTEM-DATE-TIME-ID)")
    p.add_argument("--tensorboard", action="store_true", help="also write TensorBoard event files")
    p.add_argument("--print-config", action="store_true", help="print the resolved config as YAML and exit")
    p.add_argument("--no-report", action="store_true", help="skip writing report.html at the end")
    add_arguments(p, exp.config_cls)
    p.set_defaults(handler=lambda args: _run_handler(exp, args))


def _run_handler(exp: Experiment, args: argparse.Namespace) -> int:
    overrides = overrides_from_args(args)
    if args.resume and (overrides or args.config):
        raise ConfigError("", "--resume continues a run with its saved config; drop the other config flags")
    config = None if args.resume else resolve(exp.config_cls, args.config, overrides)
    if config is not None and exp.check is not None:
        exp.check(config)
    if args.print_config:
        if config is None:
            raise RunError("--print-config cannot be combined with --resume; read RUN_DIR/config.json")
        print(yaml.safe_dump(to_dict(config), sort_keys=False), end="")
        return 0
    path = execute(
        exp,
        config,
        resume=args.resume,
        root=args.runs_root,
        name=args.name,
        tensorboard=args.tensorboard,
        report=not args.no_report,
    )
    print(f"run directory: {path}", file=sys.stderr)
    if not args.no_report:
        print(f"report: {path / 'report.html'}", file=sys.stderr)
    return 0
