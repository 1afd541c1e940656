"""The UED training run: the jitted step in a loop with logging, held-out evaluation, checkpoints, resume,
and the artifacts the report shows (buffer statistics, rendered levels, per-maze solve rates)."""

from __future__ import annotations

import functools
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import serialization
from matplotlib.figure import Figure

from openended.core.runs import Run
from openended.core.serialize import save_tree
from openended.ued import prefabs
from openended.ued.config import UEDConfig
from openended.ued.evaluate import evaluate_levels
from openended.ued.level import Level, num_walls
from openended.ued.maze import Maze, shortest_path_length
from openended.ued.perfect_maze import PERFECT_MAZES, episode_length, named_set
from openended.ued.render import levels_figure
from openended.ued.train import Trainer

HELD_OUT_KEY = "heldout_solve_rate"


def held_out_levels(cfg: UEDConfig) -> Level:
    return prefabs.load_many(cfg.eval_levels)


@functools.cache
def _long_maze(max_steps: int, view_size: int) -> Maze:
    """One env object per episode length: ``evaluate_levels`` compiles once per env it is given."""
    return Maze(max_steps=max_steps, view_size=view_size)


@functools.cache
def _perfect_set(name: str, n: int, seed: int) -> Level:
    """A run's perfect-maze set, generated once (Kruskal in Python: the XL set is not free) and reused by
    every evaluation."""
    return named_set(name, n, seed)


def perfect_maze_rates(
    trainer: Trainer[Any], state: Any, key: jax.Array, names: tuple[str, ...] | None = None
) -> dict[str, float]:
    """Solve rate and return on each perfect-maze set (default: ``cfg.eval_perfect_mazes``), the same mazes
    in every evaluation of a run (seeded by the run's seed), each with dcd's episode length for its size."""
    cfg, out = trainer.cfg, {}
    for i, name in enumerate(cfg.eval_perfect_mazes if names is None else names):
        size = PERFECT_MAZES[name]
        env = _long_maze(episode_length(size), trainer.env.view_size)
        levels = _perfect_set(name, cfg.eval_perfect_maze_levels, cfg.seed)
        solved, returns = evaluate_levels(
            jax.random.fold_in(key, i), state.train, env, levels, cfg.eval_attempts, cfg.ppo.lstm_features
        )
        out[f"solve/{name}"] = float(np.asarray(solved).mean())
        out[f"return/{name}"] = float(np.asarray(returns).mean())
    return out


def random_eval_levels(trainer: Trainer[Any]) -> Any:
    """Fresh DR levels of the domain, the same for every evaluation of a run."""
    cfg = trainer.cfg
    if cfg.eval_random_levels == 0:
        return None
    keys = jax.random.split(jax.random.PRNGKey(10_000 + cfg.seed), cfg.eval_random_levels)
    return jax.vmap(trainer.domain.sample_level)(keys)


def evaluate(trainer: Trainer[Any], state: Any, key: jax.Array) -> dict[str, float]:
    """Mean solve rate and return on the held-out mazes (and per maze) and on the configured perfect-maze
    sets (``solve/PerfectMazeLarge``, not in the held-out mean), where the domain has mazes; on fresh
    DR levels of the domain, split by the domain's flag (e.g. ``solve/shown``, ``solve/hidden``); on the
    lever game also every shown lever (``solve/every_shown_lever``, ReMiDi's own lever metric)."""
    cfg, domain = trainer.cfg, trainer.domain
    k1, k2 = jax.random.split(key)
    out: dict[str, float] = {}
    if domain.from_maze is not None:
        levels = jax.vmap(domain.from_maze)(held_out_levels(cfg))
        solved, returns = evaluate_levels(
            k1, state.train, trainer.env, levels, cfg.eval_attempts, cfg.ppo.lstm_features
        )
        rates = np.asarray(solved).mean(axis=1)
        out.update({HELD_OUT_KEY: float(rates.mean()), "heldout_return": float(np.asarray(returns).mean())})
        out.update({f"solve/{name}": float(r) for name, r in zip(cfg.eval_levels, rates, strict=True)})
        out.update(perfect_maze_rates(trainer, state, jax.random.fold_in(k1, 1)))
    if domain.shown_levels is not None:
        # ReMiDi's lever evaluation (lib/common/eval.py): every shown lever, eval_attempts sampled pulls each
        solved, _ = evaluate_levels(
            k1, state.train, trainer.env, domain.shown_levels(), cfg.eval_attempts, cfg.ppo.lstm_features
        )
        out["solve/every_shown_lever"] = float(np.asarray(solved).mean())
    levels = random_eval_levels(trainer)
    if levels is not None:
        solved, returns = evaluate_levels(k2, state.train, trainer.env, levels, 1, cfg.ppo.lstm_features)
        solved, returns = np.asarray(solved)[:, 0], np.asarray(returns)[:, 0]
        out["random_solve_rate"] = float(solved.mean())
        out["random_return"] = float(returns.mean())
        if domain.name != "maze":
            flag = np.asarray(jax.vmap(domain.flag)(levels))
            for name, part in zip(domain.flag_names, (flag, ~flag), strict=True):
                if part.any():
                    out[f"solve/{name}"] = float(solved[part].mean())
                    out[f"return/{name}"] = float(returns[part].mean())
    return out


def to_checkpoint(state: Any) -> dict[str, Any]:
    return jax.device_get(serialization.to_state_dict(state))


def from_checkpoint(template: Any, saved: dict[str, Any]) -> Any:
    return serialization.from_state_dict(template, jax.tree_util.tree_map(jnp.asarray, saved))


def make_trainer(cfg: UEDConfig) -> Trainer[Any]:
    """The curriculum ``cfg.algorithm`` names."""
    from openended.ued.accel import ACCEL
    from openended.ued.dr import DomainRandomization
    from openended.ued.paired import PAIRED
    from openended.ued.plr import PLR, RobustPLR
    from openended.ued.remidi import ReMiDi

    curricula: dict[str, type[Trainer[Any]]] = {
        "dr": DomainRandomization,
        "plr": PLR,
        "robust_plr": RobustPLR,
        "accel": ACCEL,
        "paired": PAIRED,
        "remidi": ReMiDi,
    }
    return curricula[cfg.algorithm](cfg)


def train(run: Run) -> Any:
    cfg: UEDConfig = run.config  # type: ignore[assignment]
    trainer = make_trainer(cfg)
    state = trainer.init(jax.random.PRNGKey(cfg.seed))
    restored = run.restore()
    start = 0
    if restored is not None:
        start, saved = restored
        state = from_checkpoint(state, saved["state"])
    eval_key = jax.random.PRNGKey(cfg.seed + 777)
    steps_per_update = cfg.num_envs * cfg.num_steps
    if start == 0:
        run.log(0, env_steps=0, **evaluate(trainer, state, jax.random.fold_in(eval_key, 0)))
    pending: list[dict[str, jax.Array]] = []
    clock = time.perf_counter()
    with run.progress(cfg.num_updates, initial=start, desc=f"ued {cfg.algorithm}") as bar:
        for u in range(start, cfg.num_updates):
            state, metrics = trainer.step(state)
            pending.append(metrics)
            done = u + 1
            row: dict[str, Any] = {}
            if done % cfg.log_every == 0 or done == cfg.num_updates:
                stacked = jax.device_get(pending)
                pending = []
                row.update(_summarize(stacked))
                elapsed = time.perf_counter() - clock
                row["updates_per_s"] = len(stacked) / max(elapsed, 1e-9)
                clock = time.perf_counter()
            if done % cfg.eval_every == 0 or done == cfg.num_updates:
                row.update(evaluate(trainer, state, jax.random.fold_in(eval_key, done)))
                bar.set_postfix(solve=f"{row.get(HELD_OUT_KEY, row.get('random_solve_rate', 0.0)):.2f}")
            if row:
                run.log(done, env_steps=done * steps_per_update, **row)
            if done % cfg.checkpoint_every == 0 or done == cfg.num_updates:
                run.save_checkpoint(done, {"state": to_checkpoint(state)})
            bar.update(1)
    write_artifacts(run, trainer, state)
    return state


def _summarize(rows: list[dict[str, np.ndarray]]) -> dict[str, float]:
    out: dict[str, float] = {}
    branches = np.array([r["branch"] for r in rows])
    out["replay_fraction"] = float(np.mean(branches == 1))
    out["mutate_fraction"] = float(np.mean(branches == 2))
    for key in sorted(set(rows[0]) - {"branch", "buffer_size", "episodes"}):
        vals = np.array([r[key] for r in rows], dtype=float)
        out[f"train/{key}"] = float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan")
    out["buffer_size"] = float(rows[-1]["buffer_size"])
    return out


def buffer_statistics(trainer: Any, state: Any) -> dict[str, np.ndarray]:
    size = int(state.sampler.size)
    levels = jax.tree_util.tree_map(lambda x: x[:size], state.sampler.levels)
    return {
        "scores": np.asarray(state.sampler.scores[:size]),
        "walls": np.asarray(num_walls(levels)),
        "path_length": np.asarray(jax.vmap(shortest_path_length)(levels)) if size else np.zeros(0),
        "probabilities": np.asarray(trainer.sampler.probabilities(state.sampler))[:size],
    }


def write_artifacts(run: Run, trainer: Any, state: Any) -> None:
    """Figures and tables for the report: held-out solve rates, buffer statistics, rendered levels."""
    rows = [r for r in run.metrics() if HELD_OUT_KEY in r]
    if rows:
        last = rows[-1]
        names = list(trainer.cfg.eval_levels)
        rates = [last.get(f"solve/{n}", np.nan) for n in names]
        fig = Figure(figsize=(7, 3.2), layout="constrained")
        ax = fig.add_subplot()
        ax.bar(range(len(rates)), rates, color="#3a7")
        ax.set_xticks(range(len(rates)), names, rotation=30, ha="right", fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_ylabel("solve rate")
        ax.set_title(f"held-out solve rate at update {last['step']} (mean {last[HELD_OUT_KEY]:.2f})")
        fig.savefig(run.artifact("heldout_solve_rates.png"), dpi=110)
    if trainer.domain.from_maze is None:
        return
    levels_figure(held_out_levels(trainer.cfg), list(trainer.cfg.eval_levels)).savefig(
        run.artifact("heldout_mazes.png"), dpi=80
    )
    if (
        not trainer.uses_buffer
        or trainer.domain.name != "maze"
        or trainer.cfg.algorithm == "remidi"
        or int(state.sampler.size) == 0
    ):
        return
    stats = buffer_statistics(trainer, state)
    save_tree(run.artifact("buffer_stats.npz"), stats)
    fig = Figure(figsize=(11, 3), layout="constrained")
    for i, (key, label) in enumerate(
        (("scores", "score"), ("walls", "walls"), ("path_length", "shortest path"))
    ):
        ax = fig.add_subplot(1, 3, i + 1)
        vals = stats[key][np.isfinite(stats[key])]
        ax.hist(vals, bins=30, color="#47a")
        ax.set_title(f"buffer {label} (n={len(vals)})", fontsize=9)
    fig.savefig(run.artifact("buffer_statistics.png"), dpi=110)
    top = np.argsort(-stats["probabilities"])[:12]
    chosen = jax.tree_util.tree_map(lambda x: x[top], state.sampler.levels)
    titles = [f"p={stats['probabilities'][i]:.3f} s={stats['scores'][i]:.3f}" for i in top]
    levels_figure(chosen, titles).savefig(run.artifact("buffer_top_levels.png"), dpi=80)
