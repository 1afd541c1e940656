"""Commands: ``openended gdr anonymize | detoxify``."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openended.core.commands import Experiment, add_run_command
from openended.core.config import ConfigError, param
from openended.core.report import Report
from openended.core.runs import read_metrics
from openended.gdr.config import GDRConfig


@dataclass(frozen=True)
class AnonymizeConfig(GDRConfig):
    task: Literal["anonymize", "detoxify"] = param("anonymize", "fixed by the command")

    def validate(self) -> None:
        super().validate()
        if self.task != "anonymize":
            raise ConfigError("task", "use `openended gdr detoxify` to detoxify")


@dataclass(frozen=True)
class DetoxifyConfig(GDRConfig):
    task: Literal["anonymize", "detoxify"] = param("detoxify", "fixed by the command")

    def validate(self) -> None:
        super().validate()
        if self.task != "detoxify":
            raise ConfigError("task", "use `openended gdr anonymize` to anonymize")


def _main(run: Any) -> None:
    from openended.gdr.runner import run_gdr

    run_gdr(run)


def _sections(report: Report, run_dir: Path) -> None:
    rows = read_metrics(run_dir)
    final = next((r for r in reversed(rows) if r.get("event") == "final"), None)
    if final is None:
        return
    report.section("Rows")
    report.table(
        [
            {
                "input rows": final["rows"],
                "refined (verified)": final["output"],
                "quarantined": final["quarantine"],
                "rows/s": final["rows_per_s"],
            }
        ]
    )
    report.note(
        "Every input row is in exactly one of output.jsonl / quarantine.jsonl. The quarantine holds original "
        "rows (possibly with PII): it is readable by its owner only."
    )


ANONYMIZE = Experiment("gdr", AnonymizeConfig, _main, _sections)
DETOXIFY = Experiment("gdr", DetoxifyConfig, _main, _sections)


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(
        sub, ANONYMIZE, "rewrite a dataset without PII (verified; failures quarantined)", "anonymize"
    )
    add_run_command(
        sub, DETOXIFY, "rewrite a dataset without toxicity (verified; failures quarantined)", "detoxify"
    )
