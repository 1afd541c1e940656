"""Commands of the UED suite: ``openended ued train | remidi | eval | render``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.report import Report
from openended.core.runs import Run, RunError, latest_checkpoint, load_config, read_meta, read_metrics
from openended.ued.config import PLRConfig, PPOConfig, ReMiDiRunConfig, UEDConfig
from openended.ued.perfect_maze import PERFECT_MAZES

EASY_EVAL = ("Corridor", "SmallRoom", "Detour", "OpenRoom")


def _train(run: Run) -> None:
    from openended.ued.experiment import train

    train(run)


def _sections(report: Report, run_dir: Path) -> None:
    rows = [r for r in read_metrics(run_dir) if "heldout_solve_rate" in r]
    if not rows:
        return
    first, last = rows[0], rows[-1]
    names = sorted({k.removeprefix("solve/") for k in last if k.startswith("solve/")})
    report.section("Held-out evaluation")
    report.table(
        [
            {
                "maze": n,
                "untrained": first.get(f"solve/{n}"),
                f"update {last['step']}": last.get(f"solve/{n}"),
            }
            for n in names
        ]
        + [
            {
                "maze": "mean",
                "untrained": first["heldout_solve_rate"],
                f"update {last['step']}": last["heldout_solve_rate"],
            }
        ],
        caption="solve rate: fraction of attempts whose first episode reaches the goal",
    )
    if "random_solve_rate" in last:
        report.text(
            f"Fresh random (DR) levels: solve rate {first.get('random_solve_rate', float('nan')):.2f} "
            f"untrained, {last['random_solve_rate']:.2f} at update {last['step']}."
        )


EXPERIMENT = Experiment("ued", UEDConfig, _train, _sections)


def _flag_sections(report: Report, run_dir: Path) -> None:
    """Learning curves on the domain's two kinds of level (e.g. shown vs hidden levers)."""
    from openended.core.report import curves_figure

    _sections(report, run_dir)
    rows = [r for r in read_metrics(run_dir) if "random_solve_rate" in r]
    keys = sorted(k for k in (rows[-1] if rows else {}) if k.startswith("return/"))
    if not keys:
        return
    report.section("Levels where minimax regret gives no incentive, and all levels")
    report.figure(
        curves_figure(rows, [*keys, "random_return", "random_solve_rate"]),
        caption="mean first-episode return on fresh DR levels of the domain, by kind of level, and overall",
    )
    report.table(
        [{"metric": k, "first": rows[0].get(k), f"update {rows[-1]['step']}": rows[-1].get(k)} for k in keys]
    )


REMIDI = Experiment("ued", ReMiDiRunConfig, _train, _flag_sections)


def tour_config() -> UEDConfig:
    """PLR⊥ scaled down to a laptop CPU minute: short episodes, few walls, small LSTM, higher learning rate,
    evaluated on easy mazes (the paper's held-out mazes need GPU-scale training)."""
    return UEDConfig(
        algorithm="robust_plr",
        num_envs=32,
        num_steps=64,
        num_updates=400,
        max_episode_steps=64,
        n_walls=5,
        eval_every=100,
        eval_attempts=8,
        eval_random_levels=64,
        eval_levels=EASY_EVAL,
        checkpoint_every=200,
        ppo=PPOConfig(lr=1e-3, ent_coef=0.0, gamma=0.99, gae_lambda=0.95, lstm_features=64),
        plr=PLRConfig(capacity=256),
    )


def tour(root: Path) -> TourEntry:
    path = execute(EXPERIMENT, tour_config(), root=root, name="robust_plr")
    rows = [r for r in read_metrics(path) if "heldout_solve_rate" in r]
    summary = {
        "easy held-out solve rate (untrained)": rows[0]["heldout_solve_rate"],
        "easy held-out solve rate (trained)": rows[-1]["heldout_solve_rate"],
        "random-level solve rate": rows[-1].get("random_solve_rate", float("nan")),
    }
    return TourEntry(path, summary, path / "artifacts" / "heldout_solve_rates.png")


def _eval(args: argparse.Namespace) -> int:
    import jax

    from openended.ued.experiment import evaluate, from_checkpoint, make_trainer

    if read_meta(args.run_dir).get("system") != "ued":
        raise RunError(f"{args.run_dir} is not a ued run")
    cfg = load_config(args.run_dir, UEDConfig)
    if args.levels:
        cfg = cfg.replace(eval_levels=tuple(args.levels))
    if args.attempts:
        cfg = cfg.replace(eval_attempts=args.attempts)
    if args.perfect_mazes is not None:
        cfg = cfg.replace(eval_perfect_mazes=tuple(args.perfect_mazes or PERFECT_MAZES))
    if args.perfect_levels:
        cfg = cfg.replace(eval_perfect_maze_levels=args.perfect_levels)
    trainer = make_trainer(cfg)
    restored = latest_checkpoint(args.run_dir)
    if restored is None:
        raise RunError(f"{args.run_dir} has no checkpoint to evaluate")
    step, saved = restored
    state = from_checkpoint(trainer.init(jax.random.PRNGKey(0)), saved["state"])
    result = {"checkpoint_step": step, **evaluate(trainer, state, jax.random.PRNGKey(args.seed))}
    out = Path(args.run_dir) / "artifacts" / f"eval_step{step}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    width = max(len(k) for k in result)
    for k, v in result.items():
        print(f"{k:<{width}}  {v:.3f}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    print(f"wrote {out}")
    return 0


def _render(args: argparse.Namespace) -> int:
    import jax

    from openended.ued import generators, prefabs
    from openended.ued.level import stack
    from openended.ued.render import levels_figure

    if args.random:
        keys = jax.random.split(jax.random.PRNGKey(args.seed), args.random)
        levels = jax.vmap(lambda k: generators.sample_level(k, args.walls))(keys)
        names = [f"DR {args.walls} walls #{i}" for i in range(args.random)]
    else:
        names = args.prefab or list(prefabs.HELD_OUT)
        levels = stack([prefabs.load(n) for n in names])
    levels_figure(levels, names).savefig(args.out, dpi=100)
    print(args.out)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(
        sub, EXPERIMENT, "train a student with DR, PLR, PLR⊥, ACCEL or PAIRED on the maze", name="train"
    )
    add_run_command(
        sub,
        REMIDI,
        "ReMiDi (or PLR⊥/DR) on the lever game, T-maze mix or blindfold maze, with oracle regret",
        name="remidi",
    )
    p = sub.add_parser(
        "eval",
        help="evaluate a run's latest checkpoint on held-out mazes",
        description="Evaluate RUN_DIR's latest checkpoint; writes RUN_DIR/artifacts/eval_stepN.json.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument(
        "--levels", nargs="+", metavar="PREFAB", help="prefab mazes (default: the run's eval_levels)"
    )
    p.add_argument("--attempts", type=int, help="attempts per maze (default: the run's eval_attempts)")
    p.add_argument(
        "--perfect-mazes",
        nargs="*",
        metavar="SET",
        help=f"also the larger perfect mazes of ACCEL's tests ({', '.join(PERFECT_MAZES)}; none named: all)",
    )
    p.add_argument("--perfect-levels", type=int, help="mazes per perfect-maze set (default: the run's)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=_eval)
    p = sub.add_parser(
        "render",
        help="render prefab or random mazes to a PNG",
        description="Render the held-out mazes (default), named prefabs, or random DR levels.",
    )
    p.add_argument("--prefab", nargs="+", metavar="NAME", help="prefab names (see openended.ued.prefabs)")
    p.add_argument("--random", type=int, metavar="N", help="render N random DR levels instead")
    p.add_argument("--walls", type=int, default=25, help="walls of random levels (25)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="mazes.png", help="output PNG (mazes.png)")
    p.set_defaults(handler=_render)
