"""MAP-Elites (Mouret & Clune 2015) over the shared grid archive, with checkpoint/resume."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from openended.core.archive import Binned, GridArchive
from openended.core.report import archive_heatmap
from openended.core.runs import Run
from openended.map_elites import arm
from openended.map_elites.config import MapElitesConfig


def make_archive(cfg: MapElitesConfig) -> GridArchive:
    return GridArchive(
        [Binned("end-effector x", -1.0, 1.0, cfg.bins), Binned("end-effector y", -1.0, 1.0, cfg.bins)]
    )


def variation(archive: GridArchive, cfg: MapElitesConfig, rng: np.random.Generator) -> np.ndarray:
    """Offspring of parents drawn uniformly from the archive, clipped to the genome bounds."""
    parents = np.stack([e.solution for e in archive.sample_elites(cfg.batch_size, rng)])
    if cfg.variation == "iso_line":
        others = np.stack([e.solution for e in archive.sample_elites(cfg.batch_size, rng)])
        line = rng.normal(size=(cfg.batch_size, 1)) * cfg.line_sigma
        children = parents + rng.normal(size=parents.shape) * cfg.iso_sigma + line * (others - parents)
    else:
        children = parents + rng.normal(size=parents.shape) * cfg.sigma
    return np.clip(children, 0.0, 1.0)


def checkpoint_state(archive: GridArchive, rng: np.random.Generator) -> dict[str, Any]:
    return {"archive": archive.state_dict(), "rng": rng.bit_generator.state}


def run_map_elites(run: Run) -> GridArchive:
    """The main loop; resumes from the run's last checkpoint when there is one."""
    cfg: MapElitesConfig = run.config  # type: ignore[assignment]
    rng = np.random.default_rng(cfg.seed)
    archive = make_archive(cfg)
    start = 0
    restored = run.restore()
    if restored is not None:
        start, state = restored
        archive = GridArchive.from_state_dict(state["archive"])
        rng.bit_generator.state = state["rng"]
    evaluations = start * cfg.batch_size
    with run.progress(cfg.iterations, initial=start, desc="map-elites") as bar:
        for it in range(start, cfg.iterations):
            if it < cfg.initial_iterations:
                genomes = rng.uniform(size=(cfg.batch_size, cfg.dof))
            else:
                genomes = variation(archive, cfg, rng)
            objectives, measures = arm.evaluate(genomes)
            status = archive.add_batch(genomes, measures, objectives)
            evaluations += len(genomes)
            step = it + 1
            if step % cfg.log_every == 0 or step == cfg.iterations:
                stats = archive.stats(offset=arm.QD_OFFSET)
                run.log(
                    step,
                    evaluations=evaluations,
                    **stats,
                    normalized_qd_score=stats["qd_score"] / (archive.n_cells * -arm.QD_OFFSET),
                    new_cells=int(np.sum(status == 2)),
                    improved_cells=int(np.sum(status == 1)),
                )
                bar.set_postfix(coverage=f"{stats['coverage']:.3f}")
            if step % cfg.checkpoint_every == 0 or step == cfg.iterations:
                run.save_checkpoint(step, checkpoint_state(archive, rng))
            bar.update(1)
    archive.save(run.artifact("archive.npz"))
    heatmap = archive_heatmap(archive, "MAP-Elites archive: objective −Var(joint angles)")
    heatmap.savefig(run.artifact("archive_heatmap.png"), dpi=110, bbox_inches="tight")
    arms_figure(archive).savefig(run.artifact("elite_arms.png"), dpi=110, bbox_inches="tight")
    return archive


def arms_figure(archive: GridArchive, n: int = 12) -> Figure:
    """A few elites drawn as arms, spread over the archive."""
    elites = list(archive)
    fig = Figure(figsize=(5.2, 5.2), layout="constrained")
    ax = fig.add_subplot()
    if elites:
        pick = np.linspace(0, len(elites) - 1, min(n, len(elites))).astype(int)
        for i in pick:
            pts = arm.joint_positions(elites[i].solution)[0]
            ax.plot(pts[:, 0], pts[:, 1], "-o", ms=2, lw=1.2)
    ax.add_patch(Circle((0, 0), 1.0, fill=False, ls="--"))
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_aspect("equal")
    ax.set_title(f"{len(pick) if elites else 0} elites of {len(elites)}")
    return fig
