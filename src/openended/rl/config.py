"""Configuration of the torch RL layer: PPO experts on Procgen, dataset collection, evaluation.

Defaults are gen_dgrl's behaviour-policy PPO (``procgen/configs/online``, Mediratta et al. 2024) and its
evaluation protocol (``procgen/evaluate_offline_agent.py``) unless a field says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from openended.core.config import Config, ConfigError, param
from openended.rl.procgen import GAMES, split_named


def _game(value: str) -> str | None:
    return None if value in GAMES else f"{value!r} is not a Procgen game; known: {', '.join(GAMES)}"


def _split(value: str) -> str | None:
    try:
        split_named(value)
    except ValueError as err:
        return str(err)
    return None


Device = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class NetworkConfig(Config):
    """The IMPALA-CNN actor-critic (see ``openended.rl.networks``)."""

    scale: int = param(1, "channel multiplier of 16/32/32: 1 = gen_dgrl's encoder, 4 = LAPO's", ge=1, le=16)
    hidden: int = param(256, "width of the fully connected layer (gen_dgrl: 256)", ge=1)


@dataclass(frozen=True)
class PPOConfig(Config):
    """PPO with clipped objective (Schulman et al. 2017) as gen_dgrl trains its behaviour policies:
    64 envs × 256 steps, 8 minibatches, 3 epochs, lr 5e-4, γ 0.999, λ 0.95, entropy 0.01, clip 0.2
    (``procgen/configs/online``); value-loss weight 0.5, gradient-norm clip 0.5, Adam ε 1e-5, advantage
    normalization and value clipping as in Cobbe et al.'s train-procgen and CleanRL's ``ppo_procgen.py``."""

    num_envs: int = param(64, "parallel environments", ge=1)
    num_steps: int = param(256, "steps per environment per rollout", ge=1)
    minibatches: int = param(8, "minibatches per epoch", ge=1)
    epochs: int = param(3, "passes over each rollout", ge=1)
    lr: float = param(5e-4, "Adam learning rate", gt=0.0)
    anneal_lr: bool = param(False, "decay the learning rate linearly to 0 over the run")
    adam_eps: float = param(1e-5, "Adam epsilon", gt=0.0)
    gamma: float = param(0.999, "discount", gt=0.0, le=1.0)
    gae_lambda: float = param(0.95, "GAE λ", ge=0.0, le=1.0)
    clip: float = param(0.2, "clip range of the probability ratio (and of the value, when clipped)", gt=0.0)
    clip_value: bool = param(True, "clip the value update like the policy's")
    ent_coef: float = param(0.01, "entropy bonus weight", ge=0.0)
    vf_coef: float = param(0.5, "value-loss weight", ge=0.0)
    max_grad_norm: float = param(0.5, "global gradient-norm clip", gt=0.0)
    norm_adv: bool = param(True, "normalize advantages per minibatch")
    normalize_reward: bool = param(
        True,
        "divide rewards by the running std of the discounted return (baselines' VecNormalize, which "
        "train-procgen and gen_dgrl wrap around Procgen)",
    )
    bf16: bool = param(True, "on a GPU, run the network under bfloat16 autocast (losses stay float32)")
    cuda_graph: bool = param(
        True,
        "on a GPU, replay the rollout's policy step as one captured CUDA graph (its ~100 small kernels "
        "cost more to launch one by one than to run)",
    )

    def validate(self) -> None:
        batch = self.num_envs * self.num_steps
        if batch % self.minibatches:
            raise ConfigError("minibatches", f"{self.minibatches} does not divide the batch of {batch} steps")


@dataclass(frozen=True)
class ExpertConfig(Config):
    """``openended rl train-expert``: PPO on one game's training levels; snapshots of the policy along the way
    (the mixed and suboptimal datasets are collected from them)."""

    game: str = param("bigfish", "Procgen game", check=_game)
    total_steps: int = param(25_000_000, "environment steps (gen_dgrl: 25M per game)", ge=1)
    split: str = param("train", "levels to train on (gen_dgrl: the 200 training levels)", check=_split)
    ppo: PPOConfig = field(default_factory=PPOConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    snapshots: int = param(
        10, "policy snapshots kept along training, evenly spaced (the last is the expert)", ge=1
    )
    eval_every: int = param(
        25, "evaluate on train and test levels every N updates (0: only at the end)", ge=0
    )
    eval_episodes: int = param(64, "episodes per split in the periodic evaluations", ge=1)
    checkpoint_every: int = param(10, "checkpoint every N updates", ge=1)
    log_every: int = param(1, "log training statistics every N updates", ge=1)
    seed: int = param(0, "random seed (networks, sampling, the envs' level draws)", ge=0)
    device: Device = param("auto", "where to learn: auto = cuda when present")
    threads: int = param(4, "Procgen's stepping threads", ge=1)


DatasetKind = Literal["expert", "mixed", "suboptimal", "observation_only"]


@dataclass(frozen=True)
class CollectConfig(Config):
    """``openended rl collect``: a Minari dataset of one game from an expert's snapshots.

    Kinds (gen_dgrl ``procgen/README``, ``download.py``): expert = the final snapshot; mixed = the snapshot
    whose mean training-level return is closest to 75 % of the expert's; suboptimal = every snapshot in
    equal shares, a stand-in for the whole PPO training log; observation_only = the expert's frames with the
    actions withheld (LAPO's setting).
    """

    game: str = param("bigfish", "Procgen game", check=_game)
    kind: DatasetKind = param("expert", "expert, mixed, suboptimal or observation_only")
    experts: str = param(
        "", "a train-expert run directory whose snapshots to use (empty: the experts shipped with openended)"
    )
    transitions: int = param(1_000_000, "transitions to record, in whole episodes (gen_dgrl: 1M)", ge=1)
    split: str = param("train", "levels to play (gen_dgrl: the 200 training levels)", check=_split)
    mixed_fraction: float = param(0.75, "mixed: target fraction of the expert's return", gt=0.0, lt=1.0)
    num_envs: int = param(64, "parallel environments", ge=1)
    greedy: bool = param(False, "argmax actions instead of sampling (gen_dgrl samples)")
    seed: int = param(0, "random seed", ge=0)
    device: Device = param("auto", "where the policy runs")
    threads: int = param(4, "Procgen's stepping threads", ge=1)


@dataclass(frozen=True)
class EvaluateConfig(Config):
    """``openended rl evaluate``: returns on train / validation / test levels, normalized, with IQM."""

    games: tuple[str, ...] = param(("bigfish",), "Procgen games (the policy for each comes from `policies`)")
    policies: tuple[str, ...] = param(
        (), "policy files (.npz) or train-expert run directories, one per game; empty: the shipped experts"
    )
    splits: tuple[str, ...] = param(("train", "validation", "test"), "level splits to evaluate")
    episodes: int = param(100, "episodes per game and split (gen_dgrl: 100)", ge=1)
    num_envs: int = param(64, "parallel environments", ge=1)
    greedy: bool = param(False, "argmax actions instead of sampling")
    bootstrap: int = param(2000, "stratified-bootstrap resamples for the IQM's interval", ge=100)
    seed: int = param(0, "random seed", ge=0)
    device: Device = param("auto", "where the policy runs")
    threads: int = param(4, "Procgen's stepping threads", ge=1)

    def validate(self) -> None:
        for g in self.games:
            if (msg := _game(g)) is not None:
                raise ConfigError("games", msg)
        for s in self.splits:
            if (msg := _split(s)) is not None:
                raise ConfigError("splits", msg)
        if self.policies and len(self.policies) != len(self.games):
            raise ConfigError("policies", f"{len(self.policies)} policies for {len(self.games)} games")
