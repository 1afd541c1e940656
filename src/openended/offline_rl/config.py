"""Settings of the offline-RL algorithms: gen_dgrl's final ones (``procgen/configs/offline/final/*.json``,
the same for every game; γ 0.99 and weight decay 0.01 as its defaults)."""

from __future__ import annotations

from dataclasses import dataclass

from openended.core.config import Config, param


@dataclass(frozen=True)
class OfflineConfig(Config):
    """What every algorithm here shares, with gen_dgrl's values for all of them."""

    lr: float = param(5e-4, "AdamW learning rate (gen_dgrl: 5e-4)", gt=0.0)
    weight_decay: float = param(0.01, "AdamW weight decay (gen_dgrl's default)", ge=0.0)


@dataclass(frozen=True)
class TDConfig(OfflineConfig):
    """What the algorithms that bootstrap a value (BCQ, CQL, IQL) share."""

    gamma: float = param(0.99, "discount (gen_dgrl: 0.99)", gt=0.0, le=1.0)


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
    tau: float = param(0.5, "target update: θ' ← τ θ + (1 − τ) θ' (gen_dgrl: 0.5)", gt=0.0, le=1.0)


@dataclass(frozen=True)
class CQLConfig(TDConfig):
    """CQL (Kumar et al. 2020) on double DQN: the TD loss plus α (logsumexp_a Q(s, a) − Q(s, a_data))."""

    batch_size: int = param(256, "transitions per batch (gen_dgrl: 256)", ge=1)
    epochs: int = param(1000, "passes over the dataset (gen_dgrl: 1000)", ge=1)
    alpha: float = param(4.0, "weight of the conservative term (gen_dgrl: 4.0)", ge=0.0)
    target_update: int = param(1000, "gradient steps between target-network updates (gen_dgrl: 1000)", ge=1)
    tau: float = param(0.99, "target update: θ' ← τ θ + (1 − τ) θ' (gen_dgrl: 0.99)", gt=0.0, le=1.0)


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
    tau: float = param(0.005, "target update: θ' ← τ θ + (1 − τ) θ' (gen_dgrl: 0.005)", gt=0.0, le=1.0)
