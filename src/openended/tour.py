"""``openended tour``: every available system on its embedded defaults, one index page linking the runs."""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from openended import systems
from openended.core.report import Report
from openended.core.runs import provenance
from openended.sandbox import workspace

_STATUS_CLASS = {"ok": "ok", "failed": "bad"}


def run_tour(out: str | os.PathLike = "tour", only: list[str] | None = None) -> int:
    """Run the tour entries (all, or ``only`` these systems); return 0 if none failed."""
    out = Path(out)
    chosen = [systems.get(name) for name in only] if only else list(systems.SYSTEMS)
    state_path = out / "tour.json"
    results: dict[str, dict[str, Any]] = json.loads(state_path.read_text()) if state_path.exists() else {}
    failed = False
    for system in chosen:
        if not system.implemented:
            if only:
                print(f"tour: {system.name} is {system.status}", file=sys.stderr)
                failed = True
            continue
        row: dict[str, Any] = {"system": system.name, "title": system.title, "paper": system.paper}
        if system.missing():
            row.update(status="skipped", detail=system.status)
            results[system.name] = row
            print(f"tour: skipping {system.name}: {system.status}", file=sys.stderr)
            continue
        root = out / "runs" / system.name
        # the tour's own scratch space, cleared for each tour without recursion or following links: an AIRA
        # node's workspace in it may hold a tree deeper than shutil.rmtree can walk, and links
        workspace.remove(root)
        root.mkdir(parents=True)
        print(f"tour: {system.name} ...", file=sys.stderr)
        start = time.perf_counter()
        try:
            entry = system.cli().tour(root)
        except Exception:  # one broken system must not hide the others' results
            (root / "error.txt").write_text(traceback.format_exc())
            row.update(status="failed", detail=f"see {root / 'error.txt'}")
            failed = True
            traceback.print_exc()
        else:
            row.update(
                status="ok",
                report=os.path.relpath(entry.run_dir / "report.html", out),
                summary=entry.summary,
                headline=str(entry.headline) if entry.headline else None,
            )
        row["seconds"] = round(time.perf_counter() - start, 1)
        results[system.name] = row
        print(f"tour: {system.name} {row['status']} in {row['seconds']} s", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps(results, indent=2) + "\n")
    index = write_index(out, results)
    print(f"tour report: {index}", file=sys.stderr)
    return 1 if failed else 0


def write_index(out: Path, results: dict[str, dict[str, Any]]) -> Path:
    prov = provenance()
    report = Report(
        "openended tour",
        f"commit {str(prov['commit'])[:10]}, {prov['date']}, "
        f"{prov['cpu_count']} CPUs, Python {prov['python']}",
    )
    report.note(
        "Each entry is a quick run on embedded defaults, sized to finish in minutes on a laptop CPU: "
        "it shows the pipeline works end to end, not the papers' results. Measured results at scale "
        "are in benchmarks/results/."
    )
    order = [s.name for s in systems.SYSTEMS]
    rows = [results[name] for name in order if name in results]
    table = []
    for r in rows:
        summary = "; ".join(
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
            for k, v in (r.get("summary") or {}).items()
        )
        table.append(
            {
                "system": r["system"],
                "title": r["title"],
                "status": r["status"],
                "seconds": r.get("seconds", ""),
                "headline numbers": summary or r.get("detail", ""),
                "report": "open" if r.get("report") else "",
                "href": r.get("report"),
            }
        )
    report.section("Systems")
    report.table(
        table,
        ["system", "title", "status", "seconds", "headline numbers", "report"],
        links={"report": "href"},
        classes={"status": lambda v: _STATUS_CLASS.get(v, "skip")},
    )
    for r in rows:
        headline = r.get("headline")
        if r["status"] == "ok" and headline and Path(headline).is_file():
            report.section(f"{r['system']}: {r['title']}")
            report.image(headline, r["paper"])
            report.link(r["report"], f"full {r['system']} report")
    return report.write(out / "index.html")
