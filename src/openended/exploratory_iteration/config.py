"""Settings of ExIt (Jiang, Lupu & Bachrach 2025, *Bootstrapping Task Spaces for Self-Improvement*,
arXiv:2509.04575). No code was released; each default cites the paper (v1: §3 and Appendix A, Tables 4–6,
the math domain unless said otherwise) or says why this package differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from openended.core.config import Config, ConfigError, param
from openended.exploratory_iteration.countdown import CountdownConfig

Method = Literal["grpo", "exit", "exit-divergence", "exit-diversity", "exit-full"]
METHODS: tuple[str, ...] = ("grpo", "exit", "exit-divergence", "exit-diversity", "exit-full")


@dataclass(frozen=True)
class CurriculumConfig(Config):
    """The ExIt autocurriculum (paper §3, Algorithm 1): a buffer of partial histories scored by learnability
    (the variance of a GRPO group's returns in [0, 1]), sampled with probability ``exp(κ S_i)`` normalized;
    a new entry replaces the lowest-scored one only if it scores at least as high."""

    capacity: int = param(512, "buffer capacity N (paper, math: 512)", ge=1)
    min_size: int = param(
        128, "entries the buffer needs before it is sampled, B_min (paper, math: 128)", ge=1
    )
    buffer_probability: float = param(
        0.5, "probability p of a self-iteration step from the buffer (paper, math: 0.5)", ge=0.0, le=1.0
    )
    divergence_probability: float = param(
        0.2,
        "probability p_div that a self-iteration step asks for a different approach (paper, math: 0.2; "
        "used by the exit-divergence and exit-full methods)",
        ge=0.0,
        le=1.0,
    )
    kappa: float = param(
        1.0,
        "inverse temperature κ of the buffer's softmax (the paper gives no value; 1 as a public ExIt-style "
        "environment for the verifiers library uses)",
        gt=0.0,
    )

    def validate(self) -> None:
        if self.min_size > self.capacity:
            raise ConfigError("min_size", f"{self.min_size} > capacity ({self.capacity})")


@dataclass(frozen=True)
class GRPOSettings(Config):
    """GRPO through TRL's ``GRPOTrainer`` (paper, Appendix A: clip 0.2, 8 rollouts a prompt, a KL reference
    replaced every 100 steps). Sizes are scaled down for a 135M model and one GPU: the paper trains
    Llama-3.2-3B-Instruct with 128 prompts a step."""

    group_size: int = param(8, "rollouts per prompt, G (paper: 8)", ge=2)
    prompts_per_step: int = param(16, "prompts per optimizer step (paper, math: 128; scaled down)", ge=1)
    lr: float = param(1e-6, "learning rate (paper, math: 1e-6)", gt=0.0)
    beta: float = param(0.001, "KL coefficient β (paper, math: 0.001)", ge=0.0)
    epsilon: float = param(0.2, "PPO clip ε (paper: 0.2)", gt=0.0)
    ref_sync_steps: int = param(100, "steps between replacements of the KL reference, M (paper: 100)", ge=1)
    temperature: float = param(
        0.7,
        "sampling temperature of the rollouts (the paper does not say; at 1.0 the 135M model seldom writes "
        "an expression at all, see benchmarks/exploratory_iteration/base_rate.py)",
        gt=0.0,
    )
    max_completion_tokens: int = param(64, "longest answer in tokens", ge=4)


@dataclass(frozen=True)
class EvalConfig(Config):
    """Held-out self-improvement (paper §4: the score after K = 0, 1, 2, 4, 8, 16 steps of "improve your
    response", avg@8 over sampled runs)."""

    instances: int = param(100, "held-out instances evaluated", ge=1)
    steps: int = param(16, "self-improvement steps K after the first answer (paper: up to 16)", ge=0)
    samples: int = param(4, "independent sampled chains per instance (paper: 8)", ge=1)
    temperature: float = param(0.7, "sampling temperature (as in training)", ge=0.0)
    max_tokens: int = param(64, "longest answer in tokens", ge=4)


@dataclass(frozen=True)
class ExItConfig(Config):
    """``openended exploratory-iteration train``: GRPO on single-step self-iterations drawn from the ExIt
    autocurriculum.

    Methods (paper §4's ablations): ``grpo`` trains on base tasks only; ``exit`` adds self-iteration steps
    from the learnability buffer; ``exit-divergence`` turns some of them into self-divergence steps;
    ``exit-diversity`` multiplies the advantages by the diversity bonus; ``exit-full`` does both."""

    method: Method = param("exit", "grpo | exit | exit-divergence | exit-diversity | exit-full")
    model: str = param("hf:smollm2-135m", "model spec of the policy (a transformers checkpoint)")
    domain: CountdownConfig = field(default_factory=CountdownConfig)
    curriculum: CurriculumConfig = field(default_factory=CurriculumConfig)
    grpo: GRPOSettings = field(default_factory=GRPOSettings)
    evaluation: EvalConfig = field(default_factory=EvalConfig)
    reward: Literal["score", "improvement"] = param(
        "score",
        "reward of a self-iteration step: the new answer's score (paper, math and tool use), or its "
        "improvement max(0, (r - r_prev) / (1 - r_prev)) (paper, MLE-bench, A.4)",
    )
    steps: int = param(200, "GRPO steps", ge=1)
    checkpoint_every: int = param(50, "steps between resumable checkpoints", ge=1)
    seed: int = param(0, "seed of the task stream, the buffer and the sampling", ge=0)
    device: str = param("auto", "auto (cuda when present) | cpu | cuda")
    threads: int = param(0, "torch threads on CPU (0: torch's default)", ge=0)

    def validate(self) -> None:
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise ConfigError("device", f"{self.device!r}: auto, cpu, cuda or cuda:N")
        if self.evaluation.instances > self.domain.held_out:
            raise ConfigError(
                "evaluation.instances",
                f"{self.evaluation.instances} > domain.held_out ({self.domain.held_out})",
            )

    @property
    def uses_buffer(self) -> bool:
        return self.method != "grpo"

    @property
    def divergence(self) -> float:
        return (
            self.curriculum.divergence_probability if self.method in ("exit-divergence", "exit-full") else 0.0
        )

    @property
    def diversity_bonus(self) -> bool:
        return self.method in ("exit-diversity", "exit-full")


@dataclass(frozen=True)
class EvaluateConfig(Config):
    """``openended exploratory-iteration evaluate``: held-out self-improvement of any model — a trained run's
    policy, the base model, or any spec of ``openended.llm``."""

    model: str = param("smollm2-135m", "model spec, or a train run directory (its trained policy)")
    domain: CountdownConfig = field(default_factory=CountdownConfig)
    evaluation: EvalConfig = field(default_factory=EvalConfig)
    seed: int = param(0, "sampling seed", ge=0)
