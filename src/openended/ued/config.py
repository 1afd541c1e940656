"""Configuration of the UED suite. Defaults are JaxUED's maze PLR example (``examples/maze_plr.py``,
commit 0f8f128) unless a field says otherwise."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

from openended.core.config import Config, ConfigError, param
from openended.core.replay import ReplayConfig
from openended.ued.perfect_maze import PERFECT_MAZES
from openended.ued.prefabs import HELD_OUT, PREFABS

Algorithm = Literal["dr", "plr", "robust_plr", "accel", "paired", "remidi"]
# the algorithms that curate a level buffer (PLR's sampler); DR and PAIRED have none
LEVEL_BUFFER_ALGORITHMS: tuple[Algorithm, ...] = ("plr", "robust_plr", "accel", "remidi")


DomainName = Literal["maze", "lever", "tmaze", "blindfold"]


@dataclass(frozen=True)
class DomainConfig(Config):
    """The UPOMDP to train on (ReMiDi's toy domains: Beukman et al. 2024, repository defaults)."""

    name: DomainName = param("maze", "domain: maze, lever, tmaze (T-maze/maze mix) or blindfold")
    levers: int = param(25, "levers of the lever game (ReMiDi's code default; its README says 64)", ge=2)
    hidden_prob: float = param(0.5, "lever game: probability that DR hides the correct lever", ge=0, le=1)
    lever_score: Literal["constant", "regret"] = param(
        "constant",
        "lever game's oracle score: constant (ReMiDi's code: 1 shown, 10 hidden, whatever the policy does) "
        "or regret (V* minus the level's mean return)",
    )
    tmaze_prob: float = param(0.5, "tmaze: chance that a DR level is a T-maze (ReMiDi: 0.5)", ge=0, le=1)
    blind_prob: float = param(0.5, "blindfold: chance that a DR level is blind (ReMiDi: 0.5)", ge=0, le=1)


@dataclass(frozen=True)
class PPOConfig(Config):
    """PPO for the student (JaxUED maze_plr defaults)."""

    lr: float = param(1e-4, "Adam learning rate", gt=0.0)
    anneal_lr: bool = param(False, "linearly anneal the learning rate to 0")
    max_grad_norm: float = param(0.5, "global gradient-norm clip", gt=0.0)
    gamma: float = param(0.995, "discount", gt=0.0, le=1.0)
    gae_lambda: float = param(0.98, "GAE lambda", ge=0.0, le=1.0)
    clip_eps: float = param(0.2, "PPO clip range (policy and value)", gt=0.0)
    ent_coef: float = param(1e-3, "entropy bonus", ge=0.0)
    vf_coef: float = param(0.5, "value-loss weight", ge=0.0)
    epochs: int = param(5, "PPO epochs per update", ge=1)
    minibatches: int = param(1, "minibatches per epoch (split over environments)", ge=1)
    chunks: int = param(
        1,
        "PPO updates per level visit: the num_steps rollout is cut into this many pieces and the student "
        "learns after each, the episodes and LSTM states running on (truncated BPTT, as IMPALA-style "
        "learners do); levels are still scored on the whole visit. 1 = JaxUED (one update per rollout)",
        ge=1,
    )
    lstm_features: int = param(256, "LSTM width", ge=1)
    network: Literal["auto", "lstm", "feedforward"] = param(
        "auto",
        "student network: lstm (JaxUED / minimax maze student), feedforward (ReMiDi's lever-game student: "
        "two Dense 256 layers, no memory); auto = feedforward on the lever game, lstm elsewhere",
    )


@dataclass(frozen=True)
class PLRConfig(Config):
    """The level buffer (JaxUED maze_plr: MaxMC, 4000 levels, replay 0.8, minimum fill 0.5, duplicates
    merged; the replay distribution ``replay``: rank prioritization, T = 0.3, staleness 0.3)."""

    score: Literal["max_mc", "pvl", "learnability", "oracle"] = param(
        "max_mc", "level score function (oracle: V* minus discounted return, where the domain knows V*)"
    )
    capacity: int = param(4000, "buffer size", ge=1)
    replay_prob: float = param(
        0.8, "probability of a replay step once the buffer is filled enough", ge=0.0, le=1.0
    )
    min_fill: float = param(0.5, "fraction of the buffer filled before replay starts", ge=0.0, le=1.0)
    duplicate_check: bool = param(True, "merge a re-generated level with its buffer entry")
    replay: ReplayConfig = field(default_factory=ReplayConfig)


@dataclass(frozen=True)
class ACCELConfig(Config):
    """ACCEL (Parker-Holder et al. 2022): after each replay step, mutate the replayed levels with
    ``num_edits`` edits (JaxUED: 5) and insert the children by score; new levels start empty of walls
    (ACCEL paper and minimax's accel config: 0 walls) unless ``start_walls`` says otherwise."""

    num_edits: int = param(5, "edits per mutation", ge=1)
    edit_probs: tuple[float, ...] = param(
        (1 / 3, 1 / 3, 1 / 3, 0.0),
        "probabilities of no-op, flip wall, move goal, move agent (minimax)",
        ge=0.0,
    )
    start_walls: int = param(0, "walls of freshly generated ACCEL levels", ge=0, le=160)

    def validate(self) -> None:
        if len(self.edit_probs) != 4 or abs(sum(self.edit_probs) - 1.0) > 1e-6:
            raise ConfigError("edit_probs", f"{self.edit_probs} must be 4 probabilities summing to 1")


@dataclass(frozen=True)
class PAIREDConfig(Config):
    """PAIRED's teacher (JaxUED's maze_paired: a 50-step adversary, i.e. goal, agent and 48 wall edits; 16-d
    noise; lr 1e-4; entropy 1e-3). Both students use the ``ppo`` settings."""

    wall_budget: int = param(48, "wall edits per designed level", ge=0, le=160)
    noise_dim: int = param(16, "size of the teacher's random noise input", ge=1)
    teacher_lr: float = param(1e-4, "teacher learning rate", gt=0.0)
    teacher_ent_coef: float = param(1e-3, "teacher entropy bonus", ge=0.0)


@dataclass(frozen=True)
class ReMiDiConfig(Config):
    """ReMiDi's sequence of level buffers (Beukman et al. 2024; the repository's maze scripts: 4 buffers, 1000
    updates each, 256 levels per buffer; lever scripts: 2 buffers, 500 updates, 32 levels). Each buffer has
    ``plr.capacity`` levels and the PLR⊥ settings of ``plr``."""

    buffers: int = param(4, "number K of level buffers used in sequence", ge=1)
    steps_per_buffer: int = param(1000, "updates on a buffer before moving to the next", ge=1)


@dataclass(frozen=True)
class UEDConfig(Config):
    """Unsupervised environment design on the 13×13 maze.

    ``algorithm``: ``dr`` (domain randomization), ``plr`` (PLR with exploratory gradient updates on new
    levels; Jiang et al. 2021a), ``robust_plr`` (PLR⊥: gradients only on replayed levels; Jiang et al.
    2021b), ``accel`` (PLR⊥ plus mutation of replayed levels), ``paired`` (Dennis et al. 2020: a teacher
    designs levels to maximize the protagonist's regret against an antagonist). Batch: JaxUED's 32 envs × 256
    steps; its 30 000 updates make 245.76M steps. The maze: 25 walls (JaxUED; 60 for minimax-style),
    250-step episodes.
    """

    algorithm: Algorithm = param("robust_plr", "UED algorithm")
    num_envs: int = param(32, "parallel environments", ge=1)
    num_steps: int = param(256, "rollout length per update", ge=1)
    num_updates: int = param(30000, "PPO updates", ge=1)
    n_walls: int = param(25, "walls of DR levels (sampled with replacement)", ge=0, le=160)
    max_episode_steps: int = param(250, "episode length limit T", ge=1)
    seed: int = param(0, "random seed", ge=0)
    eval_every: int = param(250, "evaluate on the held-out mazes every N updates", ge=1)
    eval_attempts: int = param(10, "attempts per held-out maze", ge=1)
    eval_random_levels: int = param(100, "fresh DR levels in each evaluation", ge=0)
    eval_levels: tuple[str, ...] = param(HELD_OUT, "held-out prefab mazes (the 8 standard ones)")
    eval_perfect_mazes: tuple[str, ...] = param(
        (), "larger perfect-maze sets in each evaluation (ACCEL's tests: PerfectMazeMedium, Large, XL)"
    )
    eval_perfect_maze_levels: int = param(10, "mazes per perfect-maze set (seeded by the run's seed)", ge=1)
    log_every: int = param(10, "log training metrics every N updates", ge=1)
    checkpoint_every: int = param(500, "checkpoint every N updates", ge=1)
    unroll: int = param(
        1, "time steps per loop iteration in rollouts and the LSTM (speed only, same results)", ge=1
    )
    devices: int | None = param(
        None, "devices to train on, data-parallel over environments (none: all visible)", ge=1
    )
    domain: DomainConfig = field(default_factory=DomainConfig)
    ppo: PPOConfig = field(default_factory=PPOConfig)
    plr: PLRConfig = field(default_factory=PLRConfig)
    accel: ACCELConfig = field(default_factory=ACCELConfig)
    paired: PAIREDConfig = field(default_factory=PAIREDConfig)
    remidi: ReMiDiConfig = field(default_factory=ReMiDiConfig)

    def validate(self) -> None:
        unknown = [n for n in self.eval_levels if n not in PREFABS]
        if unknown or not self.eval_levels:
            raise ConfigError("eval_levels", f"unknown or empty: {unknown}; known: {', '.join(PREFABS)}")
        if unknown := [n for n in self.eval_perfect_mazes if n not in PERFECT_MAZES]:
            known = ", ".join(PERFECT_MAZES)
            raise ConfigError("eval_perfect_mazes", f"unknown: {unknown}; known: {known}")
        if self.eval_perfect_mazes and self.domain.name != "maze":
            raise ConfigError("eval_perfect_mazes", f"perfect mazes are mazes; {self.domain.name!r} has none")
        if self.domain.name != "maze" and self.algorithm in ("accel", "paired"):
            raise ConfigError("algorithm", f"{self.algorithm} edits mazes; {self.domain.name!r} has none")
        if self.devices is not None and self.num_envs % self.devices:
            raise ConfigError("devices", f"{self.devices} must divide num_envs ({self.num_envs})")
        if self.num_steps % self.ppo.chunks:
            raise ConfigError("ppo.chunks", f"{self.ppo.chunks} must divide num_steps ({self.num_steps})")
        if self.ppo.chunks > 1 and self.algorithm in ("paired", "remidi"):
            raise ConfigError("ppo.chunks", f"{self.algorithm} learns once per rollout: chunks must be 1")
        if self.num_envs % self.ppo.minibatches:
            raise ConfigError(
                "ppo.minibatches", f"{self.ppo.minibatches} must divide num_envs ({self.num_envs})"
            )
        if (
            self.algorithm in LEVEL_BUFFER_ALGORITHMS
            and self.plr.score != "oracle"
            and self.num_steps < self.max_episode_steps
        ):
            # JaxUED's rule: a level is scored on the episodes its visit completes, and with none it scores
            # -inf and stays out of the buffer; PLR⊥ then trains only once enough levels happen to be solved
            # within the rollout
            warnings.warn(
                f"num_steps ({self.num_steps}) < max_episode_steps ({self.max_episode_steps}): levels whose "
                f"first episode outlasts the rollout score -inf under {self.plr.score!r} and are not "
                "inserted, so the level buffer may fill slowly or never",
                stacklevel=4,  # validate <- __post_init__ <- __init__ <- the caller
            )


@dataclass(frozen=True)
class ReMiDiRunConfig(UEDConfig):
    """``openended ued remidi``: the flags shared by ReMiDi's scripts (oracle regret, lr 1e-3 annealed, no
    entropy bonus, GAE λ 0.95, rank temperature 1.0, replay 0.8, 25 walls) on the lever game with its lever
    script's settings (2 buffers of 32 levels, 500 updates each, 5000 updates). The T-maze and blindfold
    scripts use 4 buffers of 256 levels, 1000 updates each, 30 000 updates: ``--domain.name tmaze
    --remidi.buffers 4 --plr.capacity 256 --remidi.steps-per-buffer 1000 --num-updates 30000``. Compare
    with ``--algorithm robust_plr`` (same regret source) and ``--algorithm dr``."""

    algorithm: Algorithm = param("remidi", "UED algorithm")
    num_updates: int = param(5000, "PPO updates (ReMiDi lever scripts)", ge=1)
    eval_every: int = param(250, "evaluate every N updates", ge=1)
    eval_random_levels: int = param(400, "fresh DR levels of the domain in each evaluation", ge=0)
    domain: DomainConfig = field(default_factory=lambda: DomainConfig(name="lever"))
    ppo: PPOConfig = field(
        default_factory=lambda: PPOConfig(lr=1e-3, anneal_lr=True, ent_coef=0.0, gae_lambda=0.95)
    )
    plr: PLRConfig = field(
        default_factory=lambda: PLRConfig(
            score="oracle", capacity=32, replay_prob=0.8, replay=ReplayConfig(temperature=1.0)
        )
    )
    remidi: ReMiDiConfig = field(default_factory=lambda: ReMiDiConfig(buffers=2, steps_per_buffer=500))
