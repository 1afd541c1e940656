"""The headline: train on one GPU against a wall-clock budget and track the mean held-out solve rate on the 8
standard mazes (10 attempts each) over time.

    python benchmarks/ued/headline.py --algorithm robust_plr --minutes 15 --num-envs 256 --chunks 1 \\
        --lr 3e-4 --anneal --seed 0

``--chunks`` sets ``ppo.chunks`` (an update after each piece of a level visit).
``--anneal`` decays the learning rate linearly to zero at the end of the *wall-clock* budget: after
``--warmup-s`` seconds of optimizer steps the script measures their rate and sets the schedule's horizon.
``--env-steps N`` ends the run after N env steps instead (if the minutes last), the anneal then measured in
optimizer steps per update.
Writes ``ued-headline-TAG-sSEED.json`` per seed: the curve (each evaluation with the training metrics since
the one before: policy entropy, approximate KL, training solve rate and return, solve rate on new and on
replayed levels), the config, the final per-maze solve rates.
The file is rewritten after every evaluation (``"complete": false`` until the budget is spent), so a run cut
short still leaves its curve.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import jax
import numpy as np
import optax
import yaml
from record import header  # a sibling module: run this file as a script

from openended.core.config import from_dict, set_dotted
from openended.ued.config import PLRConfig, PPOConfig, UEDConfig
from openended.ued.experiment import HELD_OUT_KEY, evaluate, make_trainer, perfect_maze_rates
from openended.ued.perfect_maze import PERFECT_MAZES
from openended.ued.ppo import make_optimizer
from openended.ued.train import MUTATE, NEW, REPLAY

BRANCHES = {NEW: "new", REPLAY: "replay", MUTATE: "mutate"}


def mean_or_none(values: list[float]) -> float | None:
    """Mean of the finite values (NaN marks a step without that metric); None when there are none."""
    finite = np.asarray(values, float)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if finite.size else None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--algorithm", default="robust_plr")
    p.add_argument("--minutes", type=float, default=15.0)
    p.add_argument("--num-envs", type=int, default=256)
    p.add_argument("--num-steps", type=int, default=256)
    p.add_argument("--chunks", type=int, default=1)
    p.add_argument("--minibatches", type=int, default=1)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--ent-coef", type=float, default=0.0)
    p.add_argument("--gamma", type=float, default=0.995)
    p.add_argument("--replay-prob", type=float, default=0.8)
    p.add_argument("--n-walls", type=int, default=25, help="DR walls (with replacement); minimax uses 60")
    p.add_argument("--capacity", type=int, default=4000)
    p.add_argument("--unroll", type=int, default=8)
    p.add_argument(
        "--env-steps",
        type=int,
        help="also stop after this many env steps (an equal-steps comparison: give --minutes room)",
    )
    p.add_argument("--anneal", action="store_true", help="decay lr to 0 at the end of the budget")
    p.add_argument("--warmup-s", type=float, default=60.0, help="seconds before the anneal horizon is set")
    p.add_argument("--eval-every-s", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--perfect-mazes",
        nargs="*",
        default=list(PERFECT_MAZES),
        help="perfect-maze sets evaluated once at the end of the budget (ACCEL's larger tests; default all)",
    )
    p.add_argument("--perfect-levels", type=int, default=10, help="mazes per perfect-maze set")
    p.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="FIELD=VALUE",
        help="any other UEDConfig field, dotted, after the flags above (e.g. accel.num_edits=20 "
        "plr.replay.temperature=0.3); see comparison.sh for each algorithm's published settings",
    )
    p.add_argument("--tag", default=None, help="file tag (default: the algorithm)")
    p.add_argument(
        "--out", default=os.environ.get("OUT") or str(Path(__file__).resolve().parents[1] / "results")
    )
    a = p.parse_args()
    cfg = UEDConfig(
        algorithm=a.algorithm,
        num_envs=a.num_envs,
        num_steps=a.num_steps,
        n_walls=a.n_walls,
        seed=a.seed,
        eval_random_levels=0,
        eval_perfect_maze_levels=a.perfect_levels,
        unroll=a.unroll,
        # with --anneal the optimizer carries a schedule from the start (a far horizon: constant in effect),
        # so that swapping in the measured horizon later keeps the optimizer state's structure
        num_updates=10**7 if a.anneal else 30000,
        ppo=PPOConfig(
            lr=a.lr,
            anneal_lr=a.anneal,
            chunks=a.chunks,
            minibatches=a.minibatches,
            epochs=a.epochs,
            ent_coef=a.ent_coef,
            gamma=a.gamma,
        ),
        plr=PLRConfig(replay_prob=a.replay_prob, capacity=a.capacity),
    )
    if a.set:
        data = cfg.to_dict()
        for item in a.set:
            dotted, sep, value = item.partition("=")
            if not sep:
                raise SystemExit(f"--set {item!r}: expected FIELD=VALUE")
            set_dotted(data, dotted, yaml.safe_load(value))  # 5 -> int, 0.3 -> float, true -> bool
        cfg = from_dict(UEDConfig, data)
    trainer = make_trainer(cfg)
    state = trainer.init(jax.random.PRNGKey(a.seed))
    curve: list[dict] = []
    # training metrics of the steps since the last evaluation; the policy's entropy shows whether it has
    # turned near-deterministic (NaN on steps without a gradient, e.g. PLR⊥'s new levels, hence nanmean),
    # the solve rate per branch whether the replayed levels still challenge the student
    tracked = ("entropy", "approx_kl", "solve_rate", "episode_return")
    since: dict[str, list[float]] = {k: [] for k in tracked}
    since.update({f"solve_rate_{b}": [] for b in BRANCHES.values()})

    def record(updates: int, train_s: float) -> None:
        start = time.perf_counter()
        train = {f"train_{k}": mean_or_none(v) for k, v in since.items()}
        for v in since.values():
            v.clear()
        ev = evaluate(trainer, state, jax.random.fold_in(jax.random.PRNGKey(1000 + a.seed), updates))
        curve.append(
            {
                "updates": updates,
                "optimizer_steps": int(state.train.step),
                "env_steps": updates * cfg.num_envs * cfg.num_steps,
                "train_s": train_s,
                "eval_s": time.perf_counter() - start,
                **ev,
                **train,
            }
        )
        shown = ("updates", "optimizer_steps", "env_steps", "train_s", "eval_s", HELD_OUT_KEY)
        print(json.dumps({k: round(curve[-1][k], 3) for k in shown}), flush=True)
        write(complete=False)

    head = header("ued-headline")  # once: provenance asks git, and the file is rewritten every evaluation

    def write(complete: bool) -> None:
        result = {
            **head,
            "config": cfg.to_dict(),
            "budget_minutes": a.minutes,
            "budget_env_steps": a.env_steps,
            "anneal_horizon_optimizer_steps": horizon,
            "seed": a.seed,
            "complete": complete,
            "curve": curve,
            "final": curve[-1],
            "perfect_mazes": perfect,
            "reference": {"dcd PLR⊥ mean held-out solve rate at 250M steps (10 seeds, its 7 mazes)": 0.677},
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        tmp.replace(path)  # atomic: a reader never sees half a file

    path = Path(a.out) / f"ued-headline-{a.tag or a.algorithm}-s{a.seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    horizon: int | None = None
    perfect: dict[str, float] = {}  # the end of the budget's, once: the XL set's episodes are 20 402 steps

    record(0, 0.0)
    budget = a.minutes * 60
    train_s, updates, next_eval = 0.0, 0, a.eval_every_s
    mark: tuple[float, int, int] | None = None  # (train seconds, optimizer steps, updates) at the first step
    per_update = cfg.num_envs * cfg.num_steps
    total_updates = -(-a.env_steps // per_update) if a.env_steps else None

    def spent() -> bool:
        return train_s >= budget or (total_updates is not None and updates >= total_updates)

    while not spent():
        start = time.perf_counter()
        state, metrics = trainer.step(state)
        jax.block_until_ready(state.train.params)
        train_s += time.perf_counter() - start
        got = jax.device_get({k: metrics[k] for k in (*tracked, "branch")})
        for k in tracked:
            since[k].append(float(got[k]))
        since[f"solve_rate_{BRANCHES[int(got['branch'])]}"].append(float(got["solve_rate"]))
        updates += 1
        if a.anneal and horizon is None:
            # optimizer steps per second, measured from the first one on (PLR⊥ steps only on replays)
            steps = int(state.train.step)
            if mark is None and steps > 0:
                mark = (train_s, steps, updates)
            elif mark is not None and train_s - mark[0] >= a.warmup_s:
                if total_updates is not None:  # an env-step budget: optimizer steps per update
                    per = (steps - mark[1]) / max(updates - mark[2], 1)
                    horizon = steps + int(per * max(total_updates - updates, 0))
                else:
                    rate = (steps - mark[1]) / (train_s - mark[0])
                    horizon = steps + int(rate * (budget - train_s))
                tx = make_optimizer(optax.linear_schedule(a.lr, 0.0, horizon), cfg.ppo.max_grad_norm)
                state = state.replace(train=state.train.replace(tx=tx))
                print(f"anneal: lr reaches 0 after {horizon} optimizer steps", flush=True)
        if train_s >= next_eval or spent():
            record(updates, train_s)
            next_eval += a.eval_every_s
    if a.perfect_mazes:
        key = jax.random.fold_in(jax.random.PRNGKey(2000 + a.seed), updates)
        perfect = perfect_maze_rates(trainer, state, key, tuple(a.perfect_mazes))
        print(json.dumps({k: round(v, 3) for k, v in perfect.items()}), flush=True)
    write(complete=True)
    print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    main()
