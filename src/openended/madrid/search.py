"""MADRID's search loop and its two baselines (the paper's §4), on pyribs.

The archive is a grid over the ball's start (x, y) — 16 × 10 = 160 cells over the pitch — times the
reference policy: an elite in cell (x, y, r) is the level of highest regret against reference r found for a
ball there. Each iteration every candidate level is played against the target itself and against every
reference (one batched call, :class:`~openended.madrid.regret.Evaluator`), so each level can enter the
archive in every reference's slice.

- ``madrid``: CMA-ME (Fontaine et al. 2020) — pyribs' ``EvolutionStrategyEmitter`` with CMA-ES and the
  two-stage improvement ranking, 4 emitters, σ 0.1 on the positions, bounded to the levels' box. An
  emitter is told each of its levels' best slice (its highest regret over the references and that
  reference); the level's other slices are added to the archive beside it.
- ``targeted``: the same archive fed fresh random levels instead of the emitters' proposals.
- ``random``: no archive; the statistic is the mean regret of the levels drawn.

Resume keeps every elite (the archive is saved whole at each checkpoint and re-added) and the random state;
the CMA-ES emitters restart from elites of the restored archive, as CMA-ME's own restarts do.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from openended.core.runs import Run
from openended.core.serialize import save_tree
from openended.madrid.analysis import summarize
from openended.madrid.config import SearchConfig
from openended.madrid.gallery import describe, render_gif
from openended.madrid.levels import X_RANGE, Y_RANGE, ball, bounds, level_dim, random_levels
from openended.madrid.regret import Evaluator, Reference
from openended.rl.ppo import pick_device

QD_OFFSET = -2.0  # the lowest regret, so every elite adds to the QD score (the paper's offset)


def require_ribs() -> Any:
    from openended.rl.procgen import MissingExtra

    try:
        import ribs
    except ImportError as err:
        raise MissingExtra(f"pyribs cannot be imported ({err}): pip install 'openended[madrid]'") from None
    return ribs


def make_archive(cfg: SearchConfig, references: int, seed: int) -> Any:
    from ribs.archives import GridArchive

    require_ribs()
    return GridArchive(
        solution_dim=level_dim(cfg.football.players),
        dims=(cfg.cells_x, cfg.cells_y, references),
        ranges=(X_RANGE, Y_RANGE, (0.0, float(references))),
        qd_score_offset=QD_OFFSET,
        seed=seed,
        extra_fields={"self_play": ((), np.float32), "cross_play": ((), np.float32)},
    )


def measures(levels: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Archive coordinates: the ball's (x, y) and the reference's slot (its index + 0.5, mid-bin)."""
    return np.column_stack([ball(levels), np.asarray(reference, np.float64) + 0.5])


@dataclass
class Step:
    """What one iteration found: the levels and their regret against every reference ``(L, R)``."""

    levels: np.ndarray
    regret: np.ndarray
    self_play: np.ndarray
    cross_play: np.ndarray


class Search:
    """One search (``cfg.method``) of a target's weak start states."""

    def __init__(self, cfg: SearchConfig, evaluator: Evaluator) -> None:
        self.cfg, self.evaluator = cfg, evaluator
        self.references = len(evaluator.references)
        self.rng = np.random.default_rng(cfg.seed)
        self.per_iteration = cfg.emitters * cfg.batch_size
        self.archive = make_archive(cfg, self.references, cfg.seed) if cfg.method != "random" else None
        self.scheduler: Any = None
        if cfg.method == "madrid":
            self._schedule()
        self.iteration = 0
        self.evaluations = 0

    def _schedule(self) -> None:
        from ribs.emitters import EvolutionStrategyEmitter
        from ribs.schedulers import Scheduler

        assert self.archive is not None
        players = self.cfg.football.players
        starts = (
            self.archive.sample_elites(self.cfg.emitters)["solution"]
            if not self.archive.empty
            else random_levels(self.rng, self.cfg.emitters, players)
        )
        emitters = [
            EvolutionStrategyEmitter(
                self.archive,
                x0=starts[i],
                sigma0=self.cfg.sigma,
                ranker="2imp",
                es="cma_es",
                bounds=bounds(players),
                batch_size=self.cfg.batch_size,
                seed=int(self.rng.integers(2**31)),
            )
            for i in range(self.cfg.emitters)
        ]
        self.scheduler = Scheduler(self.archive, emitters)

    def propose(self) -> np.ndarray:
        """This iteration's candidate levels: the emitters' (madrid) or fresh random ones."""
        if self.cfg.method == "madrid":
            return np.asarray(self.scheduler.ask(), np.float64)
        return random_levels(self.rng, self.per_iteration, self.cfg.football.players)

    def absorb(self, levels: np.ndarray, regret: np.ndarray, sp: np.ndarray, xp: np.ndarray) -> Step:
        """Tell the emitters and the archive what the proposed levels scored; the iteration is done."""
        self.evaluations += len(levels)
        if self.archive is not None:
            rest = np.ones_like(regret, bool)
            if self.cfg.method == "madrid":
                best = regret.argmax(1)
                rows = np.arange(len(levels))
                self.scheduler.tell(
                    regret[rows, best], measures(levels, best), self_play=sp, cross_play=xp[rows, best]
                )
                rest[rows, best] = False
            li, ri = np.nonzero(rest)
            if len(li):
                self.archive.add(
                    levels[li],
                    regret[li, ri],
                    measures(levels[li], ri),
                    self_play=sp[li],
                    cross_play=xp[li, ri],
                )
        self.iteration += 1
        return Step(levels, regret, sp, xp)

    def step(self) -> Step:
        levels = self.propose()
        return self.absorb(levels, *self.evaluator.regret(levels))

    def stats(self, step: Step) -> dict[str, float]:
        row = {
            "iteration": self.iteration,
            "levels_evaluated": self.evaluations,
            "batch_mean_regret": float(step.regret.mean()),
            "batch_max_regret": float(step.regret.max()),
        }
        if self.archive is not None and not self.archive.empty:
            s = self.archive.stats
            row |= {
                "archive_mean_regret": float(s.obj_mean),
                "archive_max_regret": float(s.obj_max),
                "coverage": float(s.coverage),
                "qd_score": float(s.qd_score),
                "elites": int(s.num_elites),
            }
        return row

    # -- resume ----------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "iteration": self.iteration,
            "evaluations": self.evaluations,
            "rng": json.dumps(self.rng.bit_generator.state),
        }
        if self.archive is not None:
            data = self.archive.data()
            for k in ("solution", "objective", "measures", "self_play", "cross_play"):
                out[f"archive_{k}"] = np.asarray(data[k])
        return out

    def load(self, state: dict[str, Any]) -> None:
        self.iteration = int(state["iteration"])
        self.evaluations = int(state["evaluations"])
        if self.archive is not None:
            self.archive.clear()
            if len(state["archive_solution"]):
                self.archive.add(
                    np.asarray(state["archive_solution"]),
                    np.asarray(state["archive_objective"]),
                    np.asarray(state["archive_measures"]),
                    self_play=np.asarray(state["archive_self_play"]),
                    cross_play=np.asarray(state["archive_cross_play"]),
                )
            if self.cfg.method == "madrid":
                self._schedule()
        self.rng.bit_generator.state = json.loads(str(state["rng"]))  # after the emitters took their seeds


GALLERY = 4  # top levels replayed and drawn at the end of a search


def references_for(cfg: SearchConfig, device: Any) -> tuple[Any, list[Reference]]:
    """The target and every reference: its earlier snapshots (weakest first), then the scripted teams."""
    from openended.madrid.target import load_target

    target, learned = load_target(cfg.target, cfg.football.players, device)
    return target, learned + [Reference(f"scripted {s}", strength=s) for s in cfg.bot_strengths]


def _describe_refs(refs: list[Reference]) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "kind": "snapshot" if r.policy is not None else "scripted",
            "step": r.step,
            "strength": r.strength,
        }
        for r in refs
    ]


def run_search(run: Run) -> None:
    run_searches([run])


SHARED = ("target", "football", "repeats", "bot_strengths", "device", "parallel", "learned_batches")


def run_searches(runs: list[Run]) -> None:
    """Several searches (methods, seeds) against one target, each in its own run directory, stepped
    together: each iteration's levels of all of them are played in one batched evaluation, which is what
    keeps a GPU busy (a VMAS step costs nearly the same for 100 worlds as for 10,000). The games' random
    stream is shared, so a search's games depend on its companions; its own proposals do not."""
    cfgs: list[SearchConfig] = [r.config for r in runs]  # type: ignore[misc]
    for c in cfgs[1:]:
        for name in SHARED:
            if getattr(c, name) != getattr(cfgs[0], name):
                raise ValueError(f"searches run together must share {name}")
    base = cfgs[0]
    torch.manual_seed(base.seed)
    device = pick_device(base.device)
    target, refs = references_for(base, device)
    if not refs:
        raise ValueError("no reference policies: the target has one snapshot and bot_strengths is empty")
    capacity = sum(c.emitters * c.batch_size for c in cfgs)
    cores = os.cpu_count() or 1
    parallel = base.parallel == "on" or (base.parallel == "auto" and cores >= 4)
    sides = 1 + sum(r.policy is not None for r in refs)
    scripted = len(refs) + 1 - sides
    batches = base.learned_batches or (max(1, min(sides, cores - scripted)) if parallel else 1)
    with Evaluator(
        target, refs, base.football, base.repeats, capacity, device, base.seed, parallel, batches
    ) as ev:
        _search_together(runs, cfgs, ev, refs)


def _search_together(
    runs: list[Run], cfgs: list[SearchConfig], evaluator: Evaluator, refs: list[Reference]
) -> None:
    base = cfgs[0]
    searches = [Search(c, evaluator) for c in cfgs]
    described = _describe_refs(refs)
    for run, search in zip(runs, searches, strict=True):
        restored = run.restore()
        if restored is not None:
            search.load(restored[1]["search"])
        run.artifact("references.json").write_text(json.dumps(described, indent=1) + "\n")
    total = max(c.iterations for c in cfgs)
    done = min(s.iteration for s in searches)
    desc = f"{base.method} search" if len(runs) == 1 else f"{len(runs)} searches"
    with runs[0].progress(total, initial=done, desc=desc) as bar:
        while True:
            active = [i for i, s in enumerate(searches) if s.iteration < cfgs[i].iterations]
            if not active:
                break
            proposals = [searches[i].propose() for i in active]
            regret, sp, xp = evaluator.regret(np.concatenate(proposals))
            start = 0
            for i, levels in zip(active, proposals, strict=True):
                s, c, run = searches[i], cfgs[i], runs[i]
                part = slice(start, start + len(levels))
                start += len(levels)
                step = s.absorb(levels, regret[part], sp[part], xp[part])
                last = s.iteration == c.iterations
                if s.iteration % c.log_every == 0 or last:
                    run.log(s.iteration, **s.stats(step))
                if s.iteration % c.checkpoint_every == 0 or last:
                    run.save_checkpoint(s.iteration, {"search": s.state()})
            bar.update(1)
            lead = searches[0]
            if lead.archive is not None and not lead.archive.empty:
                bar.set_postfix(regret=f"{lead.archive.stats.obj_mean:.2f}")
    _finish(runs, searches, evaluator, refs, described)


def _finish(
    runs: list[Run], searches: list[Search], evaluator: Evaluator, refs: list[Reference], described: list
) -> None:
    """Each archive, its summary and the gallery of its highest-regret levels, in its run's artifacts. The
    galleries of all searches replay in one batched call."""
    datas: list[dict[str, np.ndarray] | None] = []
    picks: list[list[int]] = []
    items: list[tuple[np.ndarray, int]] = []
    for search in searches:
        if search.archive is None:
            datas.append(None)
            picks.append([])
            continue
        found = {k: np.asarray(v) for k, v in search.archive.data().items() if k != "index"}
        datas.append(found)
        picks.append([int(i) for i in np.argsort(-found["objective"])[:GALLERY]])
        items += [(found["solution"][i], int(np.floor(found["measures"][i, 2]))) for i in picks[-1]]
    replays = iter(evaluator.replay_many(items) if items else [])
    for run, search, data, order in zip(runs, searches, datas, picks, strict=True):
        if data is None:
            continue
        cfg = search.cfg
        save_tree(run.artifact("archive.npz"), data)
        summary = summarize(data, described, (cfg.cells_x, cfg.cells_y))
        # the gallery: the highest-regret levels, each replayed once with the reference that found it
        gallery = []
        for rank, i in enumerate(order):
            slot = int(np.floor(data["measures"][i, 2]))
            v_ref, v_tgt, f_ref, f_tgt = next(replays)
            words = describe(f_ref, f_tgt, v_ref, v_tgt, cfg.football.players)
            name = f"level_{rank + 1}.gif"
            titles = (f"{refs[slot].name} (left): {v_ref:+.0f}", f"target (left): {v_tgt:+.0f}")
            render_gif(run.artifact(f"gallery/{name}"), f_ref, f_tgt, titles, cfg.football.players)
            gallery.append(
                {
                    "file": f"gallery/{name}",
                    "regret": float(data["objective"][i]),
                    "reference": refs[slot].name,
                    "level": data["solution"][i].tolist(),
                    "replay": {"reference": v_ref, "target": v_tgt},
                    "failure": words,
                }
            )
        summary["gallery"] = gallery
        run.artifact("summary.json").write_text(json.dumps(summary, indent=1) + "\n")
