"""A Rainbow Teaming run: models from specs, the loop with progress, metrics, checkpoints and artifacts."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openended.core.report import heatmap_figure
from openended.core.runs import Run
from openended.llm import LLM, load_shared
from openended.rainbow_teaming.config import RainbowTeamingConfig
from openended.rainbow_teaming.domains import Domain, get_domain
from openended.rainbow_teaming.evaluation import success_grid, summarize
from openended.rainbow_teaming.rainbow_teaming import RainbowTeaming, Roles, elite_rows

CONTENT_WARNING = (
    "Content warning: this table holds prompts written to make a language model produce harmful text, and "
    "the model's responses. It is research output for testing and improving model safety."
)


def build(config: RainbowTeamingConfig, models: Mapping[str, LLM] | None = None) -> RainbowTeaming:
    """The loop for ``config``; ``models`` maps specs to already loaded models (others are loaded)."""
    domain = get_domain(config.domain, config.domain_file or None)
    reference = (config.reference or config.judge) if domain.uses_reference else ""
    specs = [config.mutator, config.target, config.judge, reference, config.evaluator]
    loaded = dict(models or {})
    loaded.update(load_shared([s for s in specs if s and s not in loaded]))
    roles = Roles(
        mutator=loaded[config.mutator],
        target=loaded[config.target],
        judge=loaded[config.judge],
        reference=loaded[reference] if reference else None,
        evaluator=loaded[config.evaluator] if config.evaluator else None,
    )
    return RainbowTeaming(config, domain, roles)


def run_rainbow_teaming(run: Run, models: Mapping[str, LLM] | None = None) -> RainbowTeaming:
    config: RainbowTeamingConfig = run.config  # type: ignore[assignment]
    rt = build(config, models)
    restored = run.restore()
    if restored is not None:
        rt.load_state_dict(restored[1])
    run.artifact("domain.json").write_text(json.dumps(rt.domain.to_dict(), indent=1))
    with run.progress(config.iterations, rt.iteration, "rainbow-teaming") as bar:
        while rt.iteration < config.iterations:
            rt.step()
            it = rt.iteration
            bar.update(1)
            bar.set_postfix(coverage=f"{rt.archive.coverage:.2f}")
            last = it == config.iterations
            if it % config.log_every == 0 or last:
                stats = summarize(rt.archive, diversity=it % config.diversity_every == 0 or last)
                run.log(it, **stats, **rt.counters)
            if it % config.checkpoint_every == 0 or last:
                run.save_checkpoint(it, rt.state_dict())
    write_artifacts(run.path, rt.archive, rt.domain, rt.evaluator.criterion)
    return rt


def write_artifacts(run_dir: Path, archive: Any, domain: Domain, criterion: str) -> None:
    """The archive (npz), heatmaps of fitness and success, and the browsable elites page."""
    art = run_dir / "artifacts"
    archive.save(art / "archive.npz")
    if len(archive.dims) == 2:
        dx, dy = archive.dims
        fig = heatmap_figure(
            archive.objective_grid(),
            dx.name,
            dy.name,
            dx.labels,
            dy.labels,
            title="Judge fitness per cell",
            cbar_label="P(successful attack) by the judge",
            cmap="magma",
        )
        fig.savefig(art / "archive_heatmap.png", dpi=110, bbox_inches="tight")
        fig = heatmap_figure(
            success_grid(archive),
            dx.name,
            dy.name,
            dx.labels,
            dy.labels,
            title=f"Attack success ({criterion})",
            cbar_label="success",
            cmap="RdYlGn_r",
        )
        fig.savefig(art / "success_heatmap.png", dpi=110, bbox_inches="tight")
    rows = elite_rows(archive)
    (art / "elites.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (art / "elites.html").write_text(elites_html(rows, domain.name, criterion), encoding="utf-8")


def elites_html(rows: list[dict[str, Any]], domain: str, criterion: str) -> str:
    """A standalone page: one row per elite, sortable by clicking a header, every value HTML-escaped."""
    if not rows:
        return "<!doctype html><p>The archive is empty.</p>"
    cols = list(rows[0])

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3f}"
        return html.escape("" if v is None else str(v))

    head = "".join(f"<th onclick='sortBy({i})'>{html.escape(c)}</th>" for i, c in enumerate(cols))
    body = "".join("<tr>" + "".join(f"<td>{cell(r[c])}</td>" for c in cols) + "</tr>" for r in rows)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Rainbow Teaming elites</title><style>"
        "body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:.85em}"
        "td,th{border:1px solid #ddd;padding:.3em .5em;vertical-align:top;max-width:32em}"
        "th{background:#f4f4f6;cursor:pointer}.warn{background:#fdecea;border-left:4px solid #b3261e;"
        "padding:.6em .9em}</style></head><body>"
        f"<h1>Elites: {html.escape(domain)} domain</h1><p class='warn'>{html.escape(CONTENT_WARNING)}</p>"
        f"<p>{len(rows)} elites. Success criterion: {html.escape(criterion)}. Click a header to sort.</p>"
        f"<table id='t'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "<script>function sortBy(i){const b=document.querySelector('#t tbody');const r=[...b.rows];"
        "const k=x=>{const t=x.cells[i].innerText;const n=parseFloat(t);return isNaN(n)?t:n};"
        "const d=b.dataset.col==i?-1:1;b.dataset.col=d==1?i:-1;"
        "r.sort((a,c)=>k(a)>k(c)?d:k(a)<k(c)?-d:0);r.forEach(x=>b.appendChild(x))}</script>"
        "</body></html>\n"
    )
