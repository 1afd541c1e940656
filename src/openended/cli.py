"""``openended``: one entry point; each system registers its own sub-commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import openended
from openended import systems
from openended.core.errors import UserError


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _cmd_systems(args: argparse.Namespace) -> int:
    width = max(len(s.name) for s in systems.SYSTEMS)
    for s in systems.SYSTEMS:
        print(f"{s.name:<{width}}  {s.status:<40}  {s.title}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from openended.core.report import write_run_report
    from openended.core.runs import read_meta

    meta = read_meta(args.run_dir)
    sections = None
    # a system may run several experiments (rl: train-expert, collect, evaluate), each its own run kind
    for system in systems.runnable():
        cli = system.cli()
        for exp in getattr(cli, "EXPERIMENTS", (cli.EXPERIMENT,)):
            if exp.system == meta.get("system"):
                sections = exp.sections
    path = write_run_report(args.run_dir, sections)
    print(path)
    return 0


def _cmd_tour(args: argparse.Namespace) -> int:
    from openended.tour import run_tour

    known = {s.name for s in systems.SYSTEMS}
    unknown = [name for name in args.only or [] if name not in known]
    if unknown:
        return _fail(f"error: unknown system {unknown[0]!r}; see `openended systems`")
    return run_tour(args.out, args.only)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openended",
        description="Open-ended learning systems in one toolkit. Every system runs as "
        "`openended SYSTEM run`; `openended tour` runs them all on embedded defaults.",
    )
    parser.add_argument("--version", action="version", version=f"openended {openended.__version__}")
    parser.set_defaults(handler=lambda _: _print_help(parser))
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser(
        "systems",
        help="list the systems and whether their extras are installed",
        description="List the systems, their status, and what to install for them.",
    )
    p.set_defaults(handler=_cmd_systems)

    p = sub.add_parser(
        "report",
        help="(re)write the HTML report of a run directory",
        description="Write RUN_DIR/report.html from the run's config, metrics and artifacts.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.set_defaults(handler=_cmd_report)

    p = sub.add_parser(
        "tour",
        help="run every available system on embedded defaults; one HTML report",
        description="Run each available system's quick tour entry and write OUT/index.html "
        "linking every run's report.",
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="SYSTEM",
        help="run only this system (repeatable); see `openended systems`",
    )
    p.add_argument("--out", default="tour", help="output folder (default: tour)")
    p.set_defaults(handler=_cmd_tour)

    for s in systems.SYSTEMS:
        if not s.implemented:
            continue
        sp = sub.add_parser(
            s.name, aliases=list(s.aliases), help=s.title, description=f"{s.title}. {s.paper}."
        )
        sp.set_defaults(handler=lambda _, sp=sp: _print_help(sp))
        missing = s.missing()
        if missing:
            hint = s.status
            sp.set_defaults(handler=lambda _, hint=hint: _fail(hint))
            continue
        s.cli().register(sp.add_subparsers(title="commands", metavar="COMMAND"))
    return parser


def _fail(message: str) -> int:
    print(f"openended: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as err:  # bad input of any system: one line, no traceback (core.errors)
        return _fail(f"error: {err}")
    except KeyboardInterrupt:
        return _fail("interrupted")


if __name__ == "__main__":
    sys.exit(main())
