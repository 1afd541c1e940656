"""Configuration of MADRID (Samvelyan et al., AAMAS 2024, arXiv 2401.13460) on VMAS football.

Search defaults are the paper's (§4 and Appendix C of Samvelyan's thesis): a grid of 160 cells over the
ball's position × the reference policy, regret from 4 repeats, CMA-ME with 4 emitters and Gaussian σ 0.1,
5000 iterations. Where the paper's setting cannot carry over (11v11 Google Research Football, TiZero and its
48 checkpoints, 128 GRF steps a game) the field says what stands in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from openended.core.config import Config, param
from openended.rl.config import Device, PPOConfig

Method = Literal["madrid", "targeted", "random"]


def _strengths(value: tuple[float, ...]) -> str | None:
    return None if all(0.0 <= v <= 1.0 for v in value) else "every strength must lie in [0, 1]"


@dataclass(frozen=True)
class FootballConfig(Config):
    """The game: VMAS football, ``players`` a side (agent 0 of each side is its goalkeeper in a level)."""

    players: int = param(
        3,
        "players a side, goalkeeper included (3: the shipped target's; the paper: 11 in Google Research "
        "Football)",
        ge=2,
        le=11,
    )
    # the paper's 128 steps are Google Research Football steps (~13 s of play, time to run most of the
    # pitch); a VMAS step is shorter: from random levels a team that goes straight for the goal scores in
    # 6 % of 128-step games and 66 % of 384-step ones against the scripted team at 0.05, median 283 steps
    # (5v5, benchmarks/results/madrid-episode-length.json)
    episode_steps: int = param(
        384, "steps of one game from a level (the paper: 128 GRF steps; see the comment above)", ge=1
    )


def _mappo() -> PPOConfig:
    # MAPPO (Yu et al. 2022, arXiv 2103.01955): clip 0.2, few epochs (its advice for hard tasks: 5), λ 0.95,
    # entropy 0.01, lr 5e-4 and gradient-norm clip 10 (its SMAC settings). Two changes, from measurement
    # (benchmarks/results/exploratory/madrid-cpu-target-trials.json): γ 0.995, since a goal comes hundreds
    # of VMAS steps after the moves that made it (with MAPPO's 0.99 no run ever scored), and 64-step
    # rollouts in 8 minibatches, more gradient steps per game step than MAPPO's single minibatch
    return PPOConfig(
        num_envs=256,
        num_steps=64,
        minibatches=8,
        epochs=5,
        lr=5e-4,
        gamma=0.995,
        gae_lambda=0.95,
        ent_coef=0.01,
        max_grad_norm=10.0,
    )


@dataclass(frozen=True)
class TargetConfig(Config):
    """``openended madrid train-target``: the target team by self-play — MAPPO with parameter sharing on
    ``openended.rl``'s PPO, one network for all players of both sides. Here ``ppo.num_envs`` counts VMAS
    games; PPO sees one environment per player (games × 2 × players). Its snapshots along training are
    the reference policies of the search (the paper's TiZero checkpoints)."""

    football: FootballConfig = field(default_factory=FootballConfig)
    ppo: PPOConfig = field(default_factory=_mappo)
    hidden: int = param(64, "MLP width (MAPPO: 64)", ge=1)
    layers: int = param(2, "MLP hidden layers (MAPPO: 2)", ge=1)
    total_steps: int = param(50_000_000, "game steps to train for, summed over the parallel games", ge=1)
    train_episode_steps: int = param(
        384, "steps of a training game (as the search's games: FootballConfig.episode_steps)", ge=1
    )
    scripted_share: float = param(
        1.0,
        "share of the games played against VMAS's scripted team instead of self-play (TiZero: 0, pure "
        "self-play; here neither 0 nor 0.5 learned to score in 10M+ steps at 3v3, 1 did: "
        "benchmarks/results/madrid-target-3v3.json)",
        ge=0.0,
        le=1.0,
    )
    scripted_strength: float = param(
        0.05,
        "strength of that scripted team (0.05: GRF's easy bot, one to learn to score against)",
        ge=0.0,
        le=1.0,
    )
    random_starts: float = param(
        1.0,
        "share of training games that start from a random level (the distribution the search draws from) "
        "instead of VMAS's kick-off: players and ball anywhere, so goals are within reach early on",
        ge=0.0,
        le=1.0,
    )
    init_from: str = param(
        "",
        "start from a trained team instead of random weights: 'shipped' (the target shipped with openended), "
        "a train-target run directory (its last snapshot) or a policy file; with scripted_share 0 this is "
        "self-play after a stage against the scripted team, a curriculum as TiZero's self-play began with "
        "one (Lin et al. 2023, 'TiZero: Mastering Multi-Agent Football with Curriculum Learning and "
        "Self-Play')",
    )
    snapshots: int = param(8, "snapshots kept along training, evenly spaced; the last is the target", ge=1)
    checkpoint_every: int = param(10, "checkpoint every N updates", ge=1)
    seed: int = param(0, "random seed", ge=0)
    device: Device = param("auto", "where to simulate and learn: auto = cuda when present")


@dataclass(frozen=True)
class SearchConfig(Config):
    """``openended madrid search``: MADRID, or one of its two baselines, against a trained target."""

    target: str = param(
        "",
        "a train-target run directory (its last snapshot is the target, all of them references); "
        "empty: the target shipped with openended",
    )
    method: Method = param(
        "madrid",
        "madrid (CMA-ME), targeted (the same archive fed fresh random levels) or random (no archive)",
    )
    iterations: int = param(5000, "search iterations (the paper: 5000)", ge=1)
    emitters: int = param(4, "CMA-ME emitters (the paper: 4)", ge=1)
    batch_size: int = param(
        8, "levels each emitter proposes per iteration (our choice; CMA-ES needs 2+)", ge=2
    )
    sigma: float = param(0.1, "Gaussian step on the positions, in pitch units (the paper: 0.1)", gt=0.0)
    cells_x: int = param(16, "archive cells along the pitch's length (16 × 10 = the paper's 160)", ge=1)
    cells_y: int = param(10, "archive cells across the pitch", ge=1)
    repeats: int = param(4, "games per (level, policy pair) in each value estimate (the paper: 4)", ge=1)
    bot_strengths: tuple[float, ...] = param(
        (0.05, 0.5, 0.95),
        "VMAS scripted teams added to the references, by strength (GRF's easy/medium/hard bots: .05/.5/.95)",
        check=_strengths,
    )
    football: FootballConfig = field(default_factory=FootballConfig)
    log_every: int = param(1, "log the archive every N iterations", ge=1)
    checkpoint_every: int = param(25, "checkpoint the archive every N iterations", ge=1)
    seed: int = param(0, "random seed", ge=0)
    # VMAS spends a step in Python, so CPU cores, not a GPU, are what an evaluation needs: on an H100
    # machine a 32-level call (3v3, 10 references, 384 steps) took 82 s with the games on the GPU (127 s
    # in GPU worker processes) and 8.7 s in 11 CPU worker processes (benchmarks/results/madrid-speed.json)
    device: Device = param(
        "cpu", "where the games run (cpu: see the comment above; auto = cuda when present)"
    )
    parallel: Literal["auto", "on", "off"] = param(
        "auto",
        "step each VMAS world batch (the learned sides; each scripted strength) in its own process: "
        "auto = on where the machine has 4 or more cores",
    )
    learned_batches: int = param(
        0,
        "world batches the learned left sides (the target and its snapshots) are split into: more "
        "worker processes stepping at once (0: with parallel, one per left side while cores last)",
        ge=0,
    )
