"""The target team and its reference set.

The paper diagnoses TiZero, trained by self-play on 11v11 Google Research Football; its 48 earlier
checkpoints and GRF's three scripted bots are the references. Neither the game nor the checkpoints can be
had here, so the target is our own: one MLP playing every player of both sides of VMAS football (self-play
with parameter sharing, MAPPO on :mod:`openended.rl.ppo`), its snapshots along training the learned
references and VMAS's scripted team at three strengths the bots.

Snapshots are policy files (``openended.rl.policies``) in the run's ``artifacts/policies/`` with an index;
each records its value against the scripted teams on random levels (+1 win, −1 loss, 0 draw per game),
which is also the training curve.
"""

from __future__ import annotations

import collections
import json
import math
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from openended.core.config import ConfigError
from openended.core.report import curves_figure
from openended.core.runs import Run
from openended.madrid.config import FootballConfig, TargetConfig
from openended.madrid.levels import place_at, random_levels
from openended.madrid.regret import Evaluator, Reference
from openended.rl.networks import MLPActorCritic, Policy
from openended.rl.policies import load_policy, save_policy, snapshot_updates, snapshots, write_index
from openended.rl.ppo import PPO, pick_device
from openended.rl.vmas import FootballSelfPlay

SHIPPED = Path(__file__).resolve().parent / "target"
NUM_ACTIONS = 9  # VMAS's discrete moves: stay and the 8 directions
CURVE_STRENGTHS = (0.05, 0.5, 0.95)
CURVE_LEVELS = 64


def game_name(players: int) -> str:
    return f"football-{players}v{players}"


def value_against_bots(
    model: Policy, football: FootballConfig, device: torch.device, seed: int, levels: int = CURVE_LEVELS
) -> dict[str, float]:
    """The target's mean value (left side) against each scripted strength on ``levels`` random levels."""
    refs = [Reference(f"scripted {s}", strength=s) for s in CURVE_STRENGTHS]
    ev = Evaluator(model, refs, football, repeats=1, levels_per_call=levels, device=device, seed=seed)
    lv = random_levels(np.random.default_rng(seed), levels, football.players)
    _, xp = ev.values(lv)
    model.train()
    # V(bot, target) with the bot on the left is −V(target, bot) with the target on the left (mirror)
    return {f"value_vs_scripted_{s}": float(-xp[:, i].mean()) for i, s in enumerate(CURVE_STRENGTHS)}


def random_starts(share: float, players: int, seed: int) -> Any:
    """An ``on_reset`` for :class:`~openended.rl.vmas.FootballSelfPlay`: each game that starts begins, with
    probability ``share``, from a random level instead of the kick-off VMAS drew."""
    rng = np.random.default_rng(seed + 7)

    def start(env: Any, worlds: np.ndarray) -> None:
        chosen = worlds[rng.random(len(worlds)) < share]
        if len(chosen):
            place_at(env, random_levels(rng, len(chosen), players), chosen)

    return start


def initial_policy(source: str, players: int) -> MLPActorCritic:
    """The team a training run starts from: ``shipped``, a train-target run directory (its last snapshot)
    or a policy file."""
    path = Path(source)
    if source != "shipped" and not path.is_file() and not path.is_dir():
        raise ConfigError("init_from", f"{source!r}: no such policy file or run directory")
    try:
        if source == "shipped" or path.is_dir():
            folder = "" if source == "shipped" else source
            path = snapshots(folder, game_name(players), shipped=SHIPPED)[-1].path
        model, _ = load_policy(path, "cpu")
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as e:
        raise ConfigError("init_from", f"{source!r}: {e}") from None
    if not isinstance(model, MLPActorCritic):
        raise ConfigError("init_from", f"{source!r}: not a football team (an MLP policy)")
    return model


def train_target(run: Run) -> None:
    cfg: TargetConfig = run.config  # type: ignore[assignment]
    torch.manual_seed(cfg.seed)
    device = pick_device(cfg.device)
    scripted = round(cfg.ppo.num_envs * cfg.scripted_share)
    envs = FootballSelfPlay(
        cfg.ppo.num_envs - scripted,
        cfg.football.players,
        device,
        max_steps=cfg.train_episode_steps,
        seed=cfg.seed,
        scripted_worlds=scripted,
        scripted_strength=cfg.scripted_strength,
        on_reset=random_starts(cfg.random_starts, cfg.football.players, cfg.seed)
        if cfg.random_starts
        else None,
    )
    model = MLPActorCritic(envs.obs_dim, NUM_ACTIONS, cfg.hidden, cfg.layers)
    restored = run.restore()
    if cfg.init_from and restored is None:  # a resumed run's checkpoint holds the weights already
        team = initial_policy(cfg.init_from, cfg.football.players)
        if (team.obs_dim, team.hidden, team.layers) != (envs.obs_dim, cfg.hidden, cfg.layers):
            raise ConfigError(
                "init_from",
                f"{cfg.init_from!r}: its network (obs {team.obs_dim}, hidden {team.hidden}, "
                f"layers {team.layers}) does not fit this game and config (obs {envs.obs_dim}, hidden "
                f"{cfg.hidden}, layers {cfg.layers})",
            )
        model.load_state_dict(team.state_dict())
    per_update = cfg.ppo.num_envs * cfg.ppo.num_steps  # game steps
    total_updates = math.ceil(cfg.total_steps / per_update)
    ppo = PPO(cfg.ppo.replace(num_envs=envs.num_envs), model, envs, device, total_updates)
    # the last 200 finished games of each kind, kept apart: self-play worlds finish together at the time
    # limit, so one shared window would hold whichever kind finished last
    selfplay_worlds = cfg.ppo.num_envs - scripted
    recent_self: collections.deque[tuple[int, int, float]] = collections.deque(maxlen=200)
    recent_bot: collections.deque[tuple[int, int, float]] = collections.deque(maxlen=200)
    entries: list[dict[str, Any]] = []
    if restored is not None:
        _, state = restored
        ppo.load(state["ppo"])

        entries = json.loads(str(state["snapshots"]))
    take = set(snapshot_updates(total_updates, cfg.snapshots))
    folder = run.artifact("policies/index.json").parent
    game = game_name(cfg.football.players)
    with run.progress(total_updates, initial=ppo.updates, desc=f"self-play {game}") as bar:
        while ppo.updates < total_updates:
            start = time.perf_counter()
            stats, finished = ppo.update()
            seconds = time.perf_counter() - start
            for w, ret, length, goal in finished:
                (recent_self if w < selfplay_worlds else recent_bot).append((length, goal, ret))
            row: dict[str, Any] = {**stats, "game_steps_per_s": per_update / seconds, "updates": ppo.updates}
            if recent_self:  # a goal ends a game, so the length falls as the teams learn to score
                row["episode_length"] = float(np.mean([r[0] for r in recent_self]))
                row["goal_rate"] = float(np.mean([r[1] != 0 for r in recent_self]))
            if recent_bot:  # the learner is blue against the scripted red team
                row["win_rate_vs_scripted"] = float(np.mean([r[1] > 0 for r in recent_bot]))
                row["loss_rate_vs_scripted"] = float(np.mean([r[1] < 0 for r in recent_bot]))
                # the learner's own reward (shaping included): it rises before the first goals do
                row["return_vs_scripted"] = float(np.mean([r[2] for r in recent_bot]))
            step = ppo.updates * per_update
            if ppo.updates in take:
                values = value_against_bots(model, cfg.football, device, cfg.seed + ppo.updates)
                row.update(values)
                name = f"step_{step:012d}.npz"
                mean = float(np.mean(list(values.values())))
                save_policy(folder / name, model, {"game": game, "step": step, "mean_return": mean, **values})
                entries = [e for e in entries if e["file"] != name] + [
                    {"file": name, "step": step, "mean_return": mean}
                ]
                write_index(
                    folder,
                    game,
                    entries,
                    note=f"MAPPO with parameter sharing, {cfg.ppo.num_envs} games: {selfplay_worlds} in "
                    f"self-play, {scripted} against the scripted team at {cfg.scripted_strength}; "
                    f"{cfg.random_starts:.0%} from random levels; seed {cfg.seed}; mean_return = mean "
                    "value against VMAS's scripted team at strengths 0.05, 0.5, 0.95 on random levels",
                )
            run.log(step, **row)
            if ppo.updates % cfg.checkpoint_every == 0 or ppo.updates == total_updates:
                run.save_checkpoint(step, {"ppo": ppo.state(), "snapshots": json.dumps(entries)})
            bar.update(1)
    rows = [r for r in run.metrics() if "value_vs_scripted_0.5" in r]
    if rows:
        keys = [f"value_vs_scripted_{s}" for s in CURVE_STRENGTHS]
        fig = curves_figure(rows, keys, title=f"{game}: target's value against the scripted teams")
        fig.savefig(run.artifact("training.png"), dpi=110)


def load_target(source: str, players: int, device: torch.device) -> tuple[Policy, list[Reference]]:
    """The target (the last snapshot of a train-target run, or the shipped one) and its learned
    references (the earlier snapshots, weakest first)."""
    snaps = snapshots(source, game_name(players), shipped=SHIPPED)
    target, _ = load_policy(snaps[-1].path, device)
    refs = [
        Reference(f"snapshot {s.step:,} steps", policy=load_policy(s.path, device)[0], step=s.step)
        for s in snaps[:-1]
    ]
    return target, refs
