"""Self-contained HTML reports with embedded matplotlib figures, and the plots systems share.

Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot state, no display needed) and
embedded as base64 PNG, so a report is one file that opens anywhere.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from openended.core.archive import Binned, Categorical, GridArchive
from openended.core.runs import CONFIG, REPORT, read_meta, read_metrics

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#1d1d1f;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}
.sub{color:#666;margin-top:0}table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f4f4f6}
td.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1em 0}
figure img{max-width:100%;border:1px solid #eee}figcaption{color:#555;font-size:.9em}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.6em .9em;margin:1em 0}
.ok{color:#137333}.bad{color:#b3261e}.skip{color:#8a6d00}pre{background:#f6f8fa;padding:.6em;overflow:auto}
"""


def _format(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:.4g}"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)
    return str(value)


class Report:
    """An HTML page assembled from sections, text, tables and figures."""

    def __init__(self, title: str, subtitle: str | None = None) -> None:
        self.title = title
        self.subtitle = subtitle
        self._parts: list[str] = []

    def _escaped(self, template: str, text: str) -> Report:
        self._parts.append(template.format(html.escape(text)))
        return self

    def section(self, title: str) -> Report:
        return self._escaped("<h2>{}</h2>", title)

    def text(self, text: str) -> Report:
        return self._escaped("<p>{}</p>", text)

    def note(self, text: str) -> Report:
        return self._escaped('<div class="note">{}</div>', text)

    def code(self, text: str) -> Report:
        return self._escaped("<pre>{}</pre>", text)

    def link(self, href: str, text: str) -> Report:
        self._parts.append(f'<p><a href="{html.escape(href, quote=True)}">{html.escape(text)}</a></p>')
        return self

    def table(
        self,
        rows: Sequence[Mapping[str, Any]],
        columns: Sequence[str] | None = None,
        caption: str | None = None,
        links: Mapping[str, str] | None = None,
        classes: Mapping[str, Callable[[Any], str]] | None = None,
    ) -> Report:
        """A table of ``rows``; ``links`` names columns whose cells link to the row's value of that key,
        ``classes`` maps a column to a function giving a CSS class for its cell value."""
        columns = list(columns or (rows[0].keys() if rows else []))
        links, classes = links or {}, classes or {}
        out = ["<table>"]
        if caption:
            out.append(f"<caption>{html.escape(caption)}</caption>")
        out.append("<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "</tr>")
        for row in rows:
            cells = []
            for c in columns:
                value = row.get(c, "")
                text = html.escape(_format(value))
                if c in links and row.get(links[c]):
                    text = f'<a href="{html.escape(str(row[links[c]]), quote=True)}">{text}</a>'
                css = ["num"] if isinstance(value, int | float) and not isinstance(value, bool) else []
                if c in classes:
                    css.append(classes[c](value))
                cls = f' class="{" ".join(css)}"' if css else ""
                cells.append(f"<td{cls}>{text}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
        self._parts.append("".join(out))
        return self

    def figure(self, fig: Figure, caption: str | None = None) -> Report:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        return self._img(buf.getvalue(), caption)

    def image(self, path: str | os.PathLike, caption: str | None = None) -> Report:
        return self._img(Path(path).read_bytes(), caption)

    def _img(self, png: bytes, caption: str | None) -> Report:
        # PNG figures, or an animated GIF (a replayed game) — told apart by the file's own signature
        mime = "image/gif" if png[:4] == b"GIF8" else "image/png"
        data = base64.b64encode(png).decode()
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        self._parts.append(
            f'<figure><img alt="{html.escape(caption or "figure")}" '
            f'src="data:{mime};base64,{data}">{cap}</figure>'
        )
        return self

    def html(self) -> str:
        sub = f'<p class="sub">{html.escape(self.subtitle)}</p>' if self.subtitle else ""
        body = "\n".join(self._parts)
        return (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(self.title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{html.escape(self.title)}</h1>{sub}\n{body}\n"
            "</body></html>\n"
        )

    def write(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html(), encoding="utf-8")
        return path


# --- shared plots --------------------------------------------------------------------------------


def curves_figure(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[str], x: str = "step", title: str | None = None
) -> Figure:
    """One small panel per metric in ``keys``, plotted against ``x``."""
    n = len(keys)
    cols = min(n, 3)
    nrows = math.ceil(n / cols)
    fig = Figure(figsize=(4.2 * cols, 3.0 * nrows), layout="constrained")
    for i, key in enumerate(keys):
        ax = fig.add_subplot(nrows, cols, i + 1)
        pts = [(r[x], r[key]) for r in rows if isinstance(r.get(key), int | float) and x in r]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, lw=1.6)
        ax.set_title(key, fontsize=10)
        ax.set_xlabel(x)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def heatmap_figure(
    values: np.ndarray,
    x_label: str,
    y_label: str,
    x_ticks: Sequence[str] | None = None,
    y_ticks: Sequence[str] | None = None,
    extent: tuple[float, float, float, float] | None = None,
    title: str | None = None,
    cbar_label: str = "",
    cmap: str = "viridis",
) -> Figure:
    """A 2-D heatmap of ``values[x, y]``; empty cells (NaN) are left white."""
    values = np.asarray(values, dtype=float)
    fig = Figure(figsize=(6.4, 5.2), layout="constrained")
    ax = fig.add_subplot()
    masked = np.ma.masked_invalid(values.T)
    kwargs: dict[str, Any] = {"origin": "lower", "aspect": "auto", "cmap": cmap, "interpolation": "nearest"}
    if extent is not None:
        kwargs["extent"] = extent
    im = ax.imshow(masked, **kwargs)
    if x_ticks is not None:
        ax.set_xticks(range(len(x_ticks)), x_ticks, rotation=45, ha="right", fontsize=8)
    if y_ticks is not None:
        ax.set_yticks(range(len(y_ticks)), y_ticks, fontsize=8)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    if title:
        ax.set_title(title)
    fig.colorbar(im, ax=ax, label=cbar_label)
    return fig


def archive_heatmap(archive: GridArchive, title: str | None = None, cbar_label: str = "objective") -> Figure:
    """Heatmap of a 2-D grid archive's objectives, axes labelled from its measure dimensions."""
    if len(archive.dims) != 2:
        raise ValueError(f"archive_heatmap needs a 2-D archive, got {len(archive.dims)} dimensions")
    dx, dy = archive.dims
    ticks = [d.labels if isinstance(d, Categorical) else None for d in (dx, dy)]
    extent = None
    if isinstance(dx, Binned) and isinstance(dy, Binned):
        extent = (dx.low, dx.high, dy.low, dy.high)
    return heatmap_figure(
        archive.objective_grid(), dx.name, dy.name, ticks[0], ticks[1], extent, title, cbar_label
    )


# --- the generic run report ----------------------------------------------------------------------


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}{k}.", v, out)
    else:
        out[prefix[:-1]] = value


def run_report(run_dir: str | os.PathLike, sections: Callable[[Report, Path], None] | None = None) -> Report:
    """What every run report has: metric curves, the system's own ``sections``, artifact images, config,
    status and provenance."""
    run_dir = Path(run_dir)
    meta = read_meta(run_dir)
    report = Report(
        f"{meta.get('system', 'run')} — {run_dir.name}",
        f"status {meta.get('status')}, {meta.get('elapsed_s', 0):.1f} s, "
        f"resumed {meta.get('resumes', 0)} times, commit {str(meta.get('commit'))[:10]}",
    )
    rows = read_metrics(run_dir)
    keys = sorted(
        {
            k
            for r in rows
            for k, v in r.items()
            if k not in ("step", "time") and isinstance(v, int | float) and not isinstance(v, bool)
        }
    )
    report.section("Curves")
    if keys:
        report.figure(curves_figure(rows, keys), f"{len(rows)} logged steps")
    else:
        report.text("No metrics were logged.")
    if sections is not None:
        sections(report, run_dir)
    images = sorted((run_dir / "artifacts").glob("*.png"))
    if images:
        report.section("Figures")
        for img in images:
            report.image(img, img.stem.replace("_", " "))
    report.section("Config")
    flat: dict[str, Any] = {}
    config_path = run_dir / CONFIG
    if config_path.is_file():
        _flatten("", json.loads(config_path.read_text()), flat)
    report.table([{"field": k, "value": v} for k, v in flat.items()])
    report.section("Provenance")
    report.table([{"key": k, "value": v} for k, v in meta.items()])
    return report


def write_run_report(
    run_dir: str | os.PathLike, sections: Callable[[Report, Path], None] | None = None
) -> Path:
    return run_report(run_dir, sections).write(Path(run_dir) / REPORT)
