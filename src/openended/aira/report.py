"""What a run shows: the search tree, every node's validation and hidden test score, the node chosen by
validation vs the oracle's, valid-submission rate, medals; and one table across runs (tasks × policies)."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openended.aira.journal import FITNESS_BOUND, ROOT, Journal
from openended.sandbox import WorkspaceError, workspace

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from openended.core.report import Report

COLORS = {"draft": "#4C72B0", "improve": "#55A868", "debug": "#C44E52", "crossover": "#8172B2"}


def _layout(journal: Journal) -> dict[int, tuple[float, float]]:
    """Tidy-ish tree layout: leaves get consecutive x, parents sit above the mean of their children."""
    pos: dict[int, tuple[float, float]] = {}
    next_x = [0.0]

    def place(node_id: int, depth: int) -> float:
        kids = journal.children(node_id)
        if not kids:
            x = next_x[0]
            next_x[0] += 1
        else:
            x = sum(place(k.id, depth + 1) for k in kids) / len(kids)
        pos[node_id] = (x, -depth)
        return x

    place(ROOT, 0)
    return pos


def tree_figure(journal: Journal, title: str = "") -> Figure:
    """Nodes coloured by operator; filled = good, hollow = buggy; a ring marks the node chosen by
    validation, a star the oracle's (best hidden test score). Crossover's second parent: dotted edge."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    pos = _layout(journal)
    width = max(6.0, min(0.35 * max(x for x, _ in pos.values()) + 2, 30.0))
    fig = Figure(figsize=(width, 1.0 + 0.9 * max(1, -min(y for _, y in pos.values()))))
    ax = fig.subplots()
    for n in journal.nodes:
        parents = n.parents or [ROOT]
        for k, p in enumerate(parents):
            (x0, y0), (x1, y1) = pos[p], pos[n.id]
            ax.plot([x0, x1], [y0, y1], color="0.6", lw=0.8, ls=":" if k else "-", zorder=1)
    for n in journal.nodes:
        x, y = pos[n.id]
        c = COLORS.get(n.operator, "0.3")
        ax.scatter([x], [y], s=60, c=c if n.good else "white", edgecolors=c, linewidths=1.5, zorder=2)
        if n.metric is not None and n.good:
            ax.annotate(
                f"{n.metric:.3g}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=6
            )
    chosen, oracle = journal.best(), journal.oracle()
    if chosen is not None:
        ax.scatter(*pos[chosen.id], s=220, facecolors="none", edgecolors="black", linewidths=1.5, zorder=3)
    if oracle is not None:
        ax.scatter(*pos[oracle.id], s=140, marker="*", c="gold", edgecolors="black", zorder=4)
    ax.scatter(*pos[ROOT], s=30, c="black", zorder=2)
    ax.set_axis_off()
    handles = [Line2D([], [], marker="o", ls="", color=c, label=op) for op, c in COLORS.items()]
    handles += [
        Line2D([], [], marker="o", ls="", mfc="none", mec="black", ms=11, label="selected (validation)"),
        Line2D([], [], marker="*", ls="", color="gold", mec="black", ms=11, label="oracle (test)"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    ax.set_title(title or "search tree (hollow = buggy; numbers = validation metric)", fontsize=9)
    fig.tight_layout()
    return fig


def score_figure(journal: Journal, title: str = "") -> Figure:
    """Validation and hidden test score of every good node in creation order, with the running choice."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 3.2))
    ax = fig.subplots()
    good = [n for n in journal.nodes if n.good and n.test_score is not None]
    # clipped: a node may print any float, and an axis spanning ±1.8e308 cannot be drawn
    val = [math.nan if n.metric is None else min(max(n.metric, -FITNESS_BOUND), FITNESS_BOUND) for n in good]
    test = [math.nan if n.test_score is None else n.test_score for n in good]
    ax.scatter([n.id for n in good], val, s=14, label="validation (agent's own)")
    ax.scatter([n.id for n in good], test, s=14, marker="x", label="hidden test")
    xs, ys = [], []
    best = None  # Journal.best() over the nodes so far (first of equals)
    for n in journal.nodes:
        if n.good and (best is None or journal.fitness(n) > journal.fitness(best)):
            best = n
        if best is not None and best.test_score is not None:
            xs.append(n.id)
            ys.append(best.test_score)
    ax.step(xs, ys, where="post", color="black", lw=1, label="test score of the node chosen so far")
    ax.set_xlabel("node")
    ax.set_ylabel("metric")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def node_rows(journal: Journal) -> list[dict[str, Any]]:
    return [
        {
            "node": n.id,
            "operator": n.operator,
            "parents": ",".join(map(str, n.parents)) or "root",
            "buggy": n.is_buggy,
            "validation": n.metric,
            "test (hidden)": n.test_score,
            "medal": n.medal or "",
            "exec s": n.exec_time,
            "why buggy": n.bug[:80],
        }
        for n in journal.nodes
    ]


def run_sections(report: Report, run_dir: Path) -> None:
    path = run_dir / "artifacts" / "summary.json"
    if not path.is_file() or not (run_dir / "journal.jsonl").is_file():
        return
    summary = json.loads(path.read_text())
    journal = Journal.load(run_dir / "journal.jsonl", summary["lower_is_better"])
    report.section("Outcome")
    report.table([summary_row(summary)])
    report.note(
        "Selected = best validation metric among good nodes (what the agent submits); oracle = best hidden "
        "test score among valid submissions. The gap between their test scores is the generalization gap. "
        "Test scores are computed for this analysis only and never shown to the agent."
    )
    report.section("Search tree")
    report.figure(tree_figure(journal, f"{summary['task']} — {summary.get('policy', '')}"))
    report.figure(score_figure(journal))
    report.section("Nodes")
    report.table(node_rows(journal))


def summary_row(s: dict[str, Any]) -> dict[str, Any]:
    sel, orc = s.get("selected") or {}, s.get("oracle") or {}
    return {
        "task": s["task"],
        "policy": s.get("policy", ""),
        "metric": s["metric"] + (" ↓" if s["lower_is_better"] else " ↑"),
        "nodes": s["nodes"],
        "with code": _pct(s.get("code_rate")),
        "ran cleanly": _pct(s.get("ran_rate")),
        "valid submissions": _pct(s["valid_submission_rate"]),
        "selected: test": sel.get("score"),
        "selected: medal": sel.get("medal") or ("none" if sel else "no good node"),
        "oracle: test": orc.get("score"),
        "oracle: medal": orc.get("medal") or ("none" if orc else ""),
        "gap": s.get("generalization_gap"),
        "gold / bronze": f"{s['ladder']['gold']:g} / {s['ladder']['bronze']:g}",
    }


def _mean(values: Any) -> float:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    return sum(vals) / len(vals) if vals else math.nan


def _pct(x: float | None) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f} %"


SEARCH_DEPTH = 8  # folders of folders of runs; deeper trees are not searched
REQUIRED = {"task", "metric", "nodes", "valid_submission_rate", "ladder"}
MAX_SUMMARY_BYTES = 16 << 20


def collect(roots: list[Path], skipped: list[str] | None = None) -> list[dict[str, Any]]:
    """Summaries of every AIRA run under ``roots`` (run directories or folders of them).

    A run directory is one with ``run.json`` and ``artifacts/summary.json``; the search does not enter it
    further (its ``nodes/`` are workspaces that untrusted code wrote, and may hold anything, fake summaries
    included), follows no link, goes ``SEARCH_DEPTH`` levels deep at most, and reads files as regular files
    under a size cap. A summary that cannot be read or parsed is skipped (with its reason in ``skipped``)."""
    found: dict[str, dict[str, Any]] = {}
    stack = [(Path(root), 0) for root in roots]
    while stack:
        folder, depth = stack.pop()
        if _is_run(folder):
            try:
                data = workspace.read(folder, "artifacts/summary.json", MAX_SUMMARY_BYTES)
                summary = json.loads(data)
                if not isinstance(summary, dict) or not summary.keys() >= REQUIRED:
                    raise ValueError(f"not an AIRA summary (needs {', '.join(sorted(REQUIRED))})")
                summary_row(summary)  # the table can be made from it
            except (WorkspaceError, ValueError, RecursionError, KeyError, TypeError) as e:
                if skipped is not None:
                    skipped.append(f"{folder}: {type(e).__name__}: {str(e)[:200]}")
                continue
            found[str(folder)] = summary | {"run": str(folder)}
            continue
        if depth >= SEARCH_DEPTH:
            continue
        try:
            with os.scandir(folder) as entries:
                subdirs = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        stack += [(d, depth + 1) for d in subdirs]
    return [found[k] for k in sorted(found)]


def _is_run(folder: Path) -> bool:
    """A run directory: run.json and artifacts/summary.json, both regular files, no link on the way."""
    try:
        top = os.lstat(folder / "run.json")
        art = os.lstat(folder / "artifacts")
        summary = os.lstat(folder / "artifacts" / "summary.json")
    except OSError:
        return False
    return stat.S_ISREG(top.st_mode) and stat.S_ISDIR(art.st_mode) and stat.S_ISREG(summary.st_mode)


def aggregate(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per policy across tasks: runs, valid-submission rate, medal rates of selected and oracle nodes."""
    by: dict[str, list[dict[str, Any]]] = {}
    for s in summaries:
        by.setdefault(s.get("policy", ""), []).append(s)
    rows = []
    for policy, runs in sorted(by.items()):
        n = len(runs)
        rows.append(
            {
                "policy": policy,
                "runs": n,
                "nodes": sum(r["nodes"] for r in runs),
                "with code": _pct(_mean(r.get("code_rate") for r in runs)),
                "ran cleanly": _pct(_mean(r.get("ran_rate") for r in runs)),
                "valid submissions": _pct(sum(r["valid_submission_rate"] for r in runs) / n),
                "any good node": _pct(sum(r.get("selected") is not None for r in runs) / n),
                "medal (selected)": _pct(
                    sum(bool((r.get("selected") or {}).get("any_medal")) for r in runs) / n
                ),
                "medal (oracle)": _pct(sum(bool((r.get("oracle") or {}).get("any_medal")) for r in runs) / n),
                "above median (selected)": _pct(
                    sum(bool((r.get("selected") or {}).get("above_median")) for r in runs) / n
                ),
            }
        )
    return rows
