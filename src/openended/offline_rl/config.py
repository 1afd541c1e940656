"""Settings of the offline-RL algorithms: gen_dgrl's final ones (``procgen/configs/offline/final/*.json``,
the same for every game; γ 0.99 and weight decay 0.01 as its defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from openended.core.config import Config, param
from openended.rl.config import Device


@dataclass(frozen=True)
class OfflineConfig(Config):
    """What every algorithm here shares, with gen_dgrl's values for all of them."""

    lr: float = param(5e-4, "AdamW learning rate (gen_dgrl: 5e-4)", gt=0.0)
    weight_decay: float = param(0.01, "AdamW weight decay (gen_dgrl's default)", ge=0.0)


@dataclass(frozen=True)
class TDConfig(OfflineConfig):
    """What the algorithms that bootstrap a value (BCQ, CQL, IQL) share."""

    gamma: float = param(0.99, "discount (gen_dgrl: 0.99)", gt=0.0, le=1.0)
    polyak: bool = param(
        False,
        "move the target networks by θ' ← τ θ + (1 − τ) θ' every step instead of copying them every "
        "target_update steps (gen_dgrl's perform_polyak_update, off by default)",
    )


@dataclass(frozen=True)
class BCConfig(OfflineConfig):
    """Behavioural cloning: cross-entropy on the dataset's actions."""

    batch_size: int = param(256, "transitions per batch (gen_dgrl: 256)", ge=1)
    epochs: int = param(100, "passes over the dataset (gen_dgrl: 100, with early stopping)", ge=1)


@dataclass(frozen=True)
class BCQConfig(TDConfig):
    """Discrete BCQ (Fujimoto et al. 2019): double DQN over the actions the cloned policy deems likely."""

    batch_size: int = param(512, "transitions per batch (gen_dgrl: 512)", ge=1)
    epochs: int = param(500, "passes over the dataset (gen_dgrl: 500)", ge=1)
    threshold: float = param(
        0.5, "an action is allowed when π(a|s) / max π(·|s) reaches this (gen_dgrl: 0.5)", ge=0.0, le=1.0
    )
    target_update: int = param(1000, "gradient steps between target-network updates (gen_dgrl: 1000)", ge=1)
    tau: float = param(0.5, "polyak step size, with polyak on (gen_dgrl: 0.5)", gt=0.0, le=1.0)


@dataclass(frozen=True)
class CQLConfig(TDConfig):
    """CQL (Kumar et al. 2020) on double DQN: the TD loss plus α (logsumexp_a Q(s, a) − Q(s, a_data))."""

    batch_size: int = param(256, "transitions per batch (gen_dgrl: 256)", ge=1)
    epochs: int = param(1000, "passes over the dataset (gen_dgrl: 1000)", ge=1)
    alpha: float = param(4.0, "weight of the conservative term (gen_dgrl: 4.0)", ge=0.0)
    target_update: int = param(1000, "gradient steps between target-network updates (gen_dgrl: 1000)", ge=1)
    tau: float = param(0.99, "polyak step size, with polyak on (gen_dgrl: 0.99)", gt=0.0, le=1.0)


@dataclass(frozen=True)
class IQLConfig(TDConfig):
    """IQL (Kostrikov et al. 2022), discrete actions: an expectile value, a Q fitted to r + γ V(s'), and a
    policy cloned with weights exp(temperature · (Q − V))."""

    batch_size: int = param(512, "transitions per batch (gen_dgrl: 512)", ge=1)
    epochs: int = param(100, "passes over the dataset (gen_dgrl: 100)", ge=1)
    expectile: float = param(0.8, "expectile of the value loss (gen_dgrl: 0.8)", gt=0.0, lt=1.0)
    temperature: float = param(3.0, "inverse temperature of the advantage weights (gen_dgrl: 3.0)", gt=0.0)
    max_weight: float = param(100.0, "clip of the advantage weights (IQL's reference code: 100)", gt=0.0)
    target_update: int = param(100, "gradient steps between target-network updates (gen_dgrl: 100)", ge=1)
    tau: float = param(0.005, "polyak step size, with polyak on (gen_dgrl: 0.005)", gt=0.0, le=1.0)


@dataclass(frozen=True)
class DTConfig(OfflineConfig):
    """Decision Transformer (gen_dgrl ``configs/offline/final/dt.json`` and ``offline/agents/dt.py``: a
    6-layer, 8-head, 128-wide GPT; AdamW β (0.9, 0.95), weight decay 0.1 on the weight matrices, gradient
    clip 1.0, linear warm-up over 10,000 tokens then cosine decay to 10 % of the rate)."""

    weight_decay: float = param(0.1, "AdamW weight decay on weight matrices (gen_dgrl's DT: 0.1)", ge=0.0)
    batch_size: int = param(512, "segments per batch (gen_dgrl: 512)", ge=1)
    epochs: int = param(50, "passes over the dataset (gen_dgrl: 50)", ge=1)
    context: int = param(10, "steps per segment (gen_dgrl: 10)", ge=1)
    returns: bool = param(True, "condition on the return to go (off: BCT, behaviour cloning by transformer)")
    return_multiplier: float = param(
        5.0,
        "play-time return to go = this × the dataset's best episode return (gen_dgrl dt_eval_ret: 5)",
        ge=0.0,
    )
    embed: int = param(128, "token width (gen_dgrl: 128)", ge=8)
    layers: int = param(6, "transformer blocks (gen_dgrl: 6)", ge=1)
    heads: int = param(8, "attention heads (gen_dgrl: 8)", ge=1)
    dropout: float = param(0.1, "dropout (minGPT: 0.1)", ge=0.0, lt=1.0)
    warmup_tokens: int = param(10_000, "tokens of linear learning-rate warm-up (gen_dgrl: 10,000)", ge=0)
    grad_clip: float = param(1.0, "gradient-norm clip (gen_dgrl: 1.0)", gt=0.0)


@dataclass(frozen=True)
class BCTConfig(DTConfig):
    """BCT: the Decision Transformer without return conditioning (gen_dgrl ``final/bct.json``: context 10
    or 30, returns unused)."""

    returns: bool = param(False, "condition on the return to go (BCT: no)")
    return_multiplier: float = param(0.0, "unused without return conditioning", ge=0.0)


Algorithm = Literal["bc", "bcq", "cql", "iql", "dt", "bct"]
Kind = Literal["expert", "mixed", "suboptimal"]
ALGORITHMS: tuple[Algorithm, ...] = ("bc", "bcq", "cql", "iql", "dt", "bct")
# the games with shipped PPO experts (openended.rl)
GAMES = ("bigfish", "coinrun", "maze", "starpilot")


def _games(value: tuple[str, ...]) -> str | None:
    from openended.rl.procgen import GAMES as KNOWN

    unknown = [g for g in value if g not in KNOWN]
    return f"not Procgen games: {', '.join(unknown)}" if unknown else None


@dataclass(frozen=True)
class CellsConfig(Config):
    """What a grid of offline trainings shares: where the datasets are, the games and seeds, each
    algorithm's settings, and how a trained policy is evaluated (gen_dgrl's protocol)."""

    datasets: str = param(
        "",
        "folder holding one dataset per game and kind, named <game>-<kind>: a Minari dataset or an "
        "`openended rl collect` run directory",
    )
    games: tuple[str, ...] = param(GAMES, "Procgen games", check=_games)
    seeds: int = param(3, "training seeds per cell (gen_dgrl: 3)", ge=1)
    episodes: int = param(100, "evaluation episodes per split (gen_dgrl: 100)", ge=1)
    eval_envs: int = param(64, "parallel environments while evaluating", ge=1)
    greedy: bool = param(True, "evaluate the argmax action (gen_dgrl: eval_eps 0)")
    threads: int = param(4, "Procgen's stepping threads", ge=1)
    device: Device = param("auto", "where to train and play: auto = cuda when present")
    bc: BCConfig = field(default_factory=BCConfig)
    bcq: BCQConfig = field(default_factory=BCQConfig)
    cql: CQLConfig = field(default_factory=CQLConfig)
    iql: IQLConfig = field(default_factory=IQLConfig)
    dt: DTConfig = field(default_factory=DTConfig)
    bct: BCTConfig = field(default_factory=BCTConfig)


@dataclass(frozen=True)
class GridConfig(CellsConfig):
    """``openended offline-rl run``: every game × dataset kind × algorithm × seed, each policy scored on the
    200 training levels and on unseen test levels, beside the online PPO expert that made the data."""

    kinds: tuple[Kind, ...] = param(("expert", "mixed", "suboptimal"), "dataset kinds")
    algorithms: tuple[Algorithm, ...] = param(ALGORITHMS, "algorithms")
    experts: str = param("", "the PPO experts of the reference row: a train-expert run; empty: shipped")


@dataclass(frozen=True)
class AblationConfig(CellsConfig):
    """``openended offline-rl ablation``: diversity against size (the paper's Fig. 5) — at a fixed budget of
    transitions, more or fewer training levels; and on 200 levels, 1× against 10× the budget. Test levels
    only. A diversity cell of n levels trains on the ``<game>-expert-levels-<n>`` dataset (collected on levels
    0 to n − 1, as gen_dgrl collected one dataset per level count), a size cell on ``<game>-expert``
    (the 200 training levels, holding at least the largest multiple of the budget)."""

    algorithms: tuple[Algorithm, ...] = param(("bc", "iql"), "algorithms (the issue: BC and one offline RL)")
    budget: int = param(100_000, "transitions of every diversity cell and of the 1× size cell", ge=1)
    levels: tuple[int, ...] = param((1, 10, 50, 200, 1000), "training levels of the diversity cells")
    multipliers: tuple[int, ...] = param((1, 10), "budgets of the size cells, on 200 levels")
