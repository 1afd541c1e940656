"""Settings of LAPO (Schmidt & Jiang, ICLR 2024; anchor: ``schmidtdominik/LAPO``, ``lapo/config.yaml``).

Each default is the anchor's value; where this package changes one for its scaled-down runs, the field
says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openended.core.config import Config, param
from openended.rl.config import Device, PPOConfig


@dataclass(frozen=True)
class VQConfig(Config):
    """The latent action's bottleneck (config.yaml ``model.vq``): 2 codebooks × 4 latents × 16 dims = a
    128-number latent action; 64 codes a codebook."""

    codebooks: int = param(2, "codebooks (LAPO: 2)", ge=1)
    latents: int = param(4, "discrete latents per codebook (LAPO: 4)", ge=1)
    dim: int = param(16, "numbers per latent (LAPO: 16)", ge=1)
    codes: int = param(64, "codes per codebook (LAPO: 64)", ge=2)
    commitment: float = param(0.05, "commitment-loss weight (LAPO: 0.05)", ge=0.0)
    decay: float = param(0.999, "EMA decay of the codebooks (LAPO: 0.999)", ge=0.0, lt=1.0)


@dataclass(frozen=True)
class ModelConfig(Config):
    """Network sizes (config.yaml ``model``)."""

    idm_scale: int = param(4, "IMPALA-CNN width multiplier of the IDM (LAPO: 4: channels 64, 128, 128)", ge=1)
    policy_scale: int = param(4, "IMPALA-CNN width multiplier of the latent policy (LAPO: 4)", ge=1)
    features: int = param(256, "IMPALA-CNN output features (LAPO: 256)", ge=1)
    fdm_width: int = param(24, "UNet base width of the FDM (LAPO: wm_scale 24)", ge=2)
    vq: VQConfig = field(default_factory=VQConfig)


@dataclass(frozen=True)
class ProbeConfig(Config):
    """How well the latents carry the true action (``lapo/utils.py: eval_latent_repr``): an MLP from the
    IDM's continuous latent to the action taken at o_t, trained on labelled training triplets and scored
    on held-out episodes' (LAPO scores on a held-out half of the same training pool)."""

    samples: int = param(65_536, "labelled training triplets the probe learns from (LAPO: 65,536)", ge=1)
    test_samples: int = param(65_536, "held-out triplets it is scored on (LAPO: 65,536)", ge=1)
    hidden: tuple[int, ...] = param((128, 128), "MLP hidden widths (LAPO: 128, 128)")
    epochs: int = param(3, "passes over its samples (LAPO: 3)", ge=1)
    batch_size: int = param(128, "batch (LAPO: 128)", ge=1)
    lr: float = param(1e-3, "AdamW learning rate (LAPO: the default 1e-3)", gt=0.0)


@dataclass(frozen=True)
class DynamicsConfig(Config):
    """Stage 1 (``openended lapo stage1``): the IDM and FDM trained together on observation-only frames —
    loss = the FDM's reconstruction error + the VQ commitment loss (``lapo/stage1_idm.py``)."""

    dataset: str = param(
        "", "an observation-only dataset (openended rl collect --observation-only) or a collect run directory"
    )
    labelled: str = param(
        "", "a dataset with actions for the probe and the latent map (empty: dataset, if it has actions)"
    )
    model: ModelConfig = field(default_factory=ModelConfig)
    steps: int = param(50_000, "gradient steps (LAPO: 50k)", ge=1)
    batch_size: int = param(128, "frame triplets per step (LAPO: 128)", ge=1)
    lr: float = param(
        3e-4, "peak AdamW learning rate (LAPO: 3e-4; 0.1× → 1× over 50 steps → 0.01× at the end)", gt=0.0
    )
    weight_decay: float = param(0.01, "AdamW weight decay (LAPO's optimizer default, 0.01)", ge=0.0)
    grad_clip: float = param(2.0, "gradient-norm clip (LAPO: 2)", gt=0.0)
    held_out: float = param(
        0.05,
        "share of episodes held out for the test loss and the probe's accuracy (ours; LAPO: test files)",
        ge=0.0,
        lt=1.0,
    )
    probe_every: int = param(500, "probe the latents every N steps (LAPO: 500); 0: only at the end", ge=0)
    probe: ProbeConfig = field(default_factory=ProbeConfig)
    log_every: int = param(50, "log the training losses every N steps", ge=1)
    checkpoint_every: int = param(1000, "checkpoint every N steps", ge=1)
    seed: int = param(0, "random seed", ge=0)
    device: Device = param("auto", "auto = cuda when present")


@dataclass(frozen=True)
class LatentPolicyConfig(Config):
    """Stage 2 (``openended lapo stage2``): latent behaviour cloning — an IMPALA-CNN policy regresses, by
    mean squared error, from o_t alone onto the frozen IDM's continuous latent action for (o_{t-1}, o_t,
    o_{t+1}) (``lapo/stage2_bc.py``; the continuous latent, not the quantized one, is the target there)."""

    dynamics: str = param("", "a stage-1 run directory (its IDM labels the frames)")
    dataset: str = param("", "frames to clone (empty: stage 1's dataset)")
    steps: int = param(60_000, "gradient steps (LAPO: 60k)", ge=1)
    batch_size: int = param(128, "frames per step (LAPO: 128)", ge=1)
    lr: float = param(2e-4, "peak AdamW learning rate (LAPO: 2e-4)", gt=0.0)
    warmup: int = param(
        1000, "linear warm-up steps from 1 % of lr, then linear decay to 0 (LAPO: 1000)", ge=0
    )
    weight_decay: float = param(0.01, "AdamW weight decay (LAPO's optimizer default)", ge=0.0)
    log_every: int = param(50, "log every N steps", ge=1)
    test_every: int = param(200, "held-out loss every N steps (LAPO: 200)", ge=1)
    checkpoint_every: int = param(1000, "checkpoint every N steps", ge=1)
    seed: int = param(0, "random seed", ge=0)
    device: Device = param("auto", "auto = cuda when present")


@dataclass(frozen=True)
class DecoderConfig(Config):
    """The latent → action decoder (``lapo/stage3_decoding.py``): an MLP 128 → 192 → 128 → 64 → actions,
    fit by cross-entropy with label smoothing 0.05, Adam lr 1e-3, batch 512, 3 epochs per fit."""

    hidden: tuple[int, ...] = param((192, 128, 64), "MLP hidden widths (LAPO: 192, 128, 64)")
    lr: float = param(1e-3, "Adam learning rate of a fit (LAPO: 1e-3)", gt=0.0)
    batch_size: int = param(512, "batch of a fit (LAPO: 512)", ge=1)
    epochs: int = param(3, "passes over the labelled pairs per fit (LAPO: 3)", ge=1)
    label_smoothing: float = param(0.05, "cross-entropy label smoothing (LAPO: 0.05)", ge=0.0, lt=1.0)


@dataclass(frozen=True)
class OfflineDecodeConfig(Config):
    """Stage 3a (``openended lapo decode``): the decoder fit once on a small action-labelled set — the IDM's
    latents of its transitions paired with the actions taken — then the latent policy plays through it.
    LAPO's code has no offline decoding; the paper reports it for small labelled sets, sizes not given."""

    policy: str = param("", "a stage-2 run directory")
    labelled: str = param("", "a dataset with actions (openended rl collect) the labelled pairs come from")
    sizes: tuple[int, ...] = param(
        (1_000, 10_000, 100_000),
        "labelled transitions, one decoder each",
        check=lambda v: None if v and all(x > 0 for x in v) else "sizes must be positive",
    )
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    game: str = param("", "the Procgen game to play (empty: the dataset's)")
    episodes: int = param(100, "evaluation episodes per decoder", ge=1)
    split: str = param("test", "levels to play on: train, validation, test or levels-N")
    seed: int = param(0, "random seed", ge=0)
    device: Device = param("auto", "auto = cuda when present")


def _online_ppo() -> PPOConfig:
    # LAPO's stage 3 (config.yaml stage3): 64 envs × 64 steps, 8 minibatches, 3 epochs, entropy 0.0025,
    # clip 0.2 with value clipping, value weight 0.5, gradient-norm clip 0.5, γ 0.999, λ 0.95; the
    # learning rates are the groups' below, not one annealed rate
    return PPOConfig(
        num_envs=64, num_steps=64, minibatches=8, epochs=3, ent_coef=0.0025, max_grad_norm=0.5, gamma=0.999
    )


@dataclass(frozen=True)
class OnlineDecodeConfig(Config):
    """Stage 3b (``openended lapo online``): PPO on the latent policy (``lapo/stage3_decoding.py``). The
    supervised path — the stage-2 trunk, its latent head and the decoder — is frozen and its logits are
    averaged with those of a zero-initialised RL head on a trainable copy of the trunk's last layer; the
    decoder is refit from the IDM's latents of the agent's own transitions while it plays."""

    policy: str = param("", "a stage-2 run directory")
    game: str = param("", "the Procgen game (empty: the stage-1 dataset's)")
    frames: int = param(4_000_000, "environment frames (LAPO: 4M)", ge=1)
    split: str = param("test", "levels to learn and score on (LAPO: procgen's whole draw; test = 250 on)")
    ppo: PPOConfig = field(default_factory=_online_ppo)
    head_lr: float = param(2.5e-3, "peak learning rate of the RL head (LAPO: 1e-2 / 4)", gt=0.0)
    head_start: tuple[int, int] = param(
        (35_000, 50_000), "frames where the RL head's rate rises from 0 to its peak (LAPO)"
    )
    value_lr: float = param(2.5e-3, "peak learning rate of the value head (LAPO: 1e-2 / 4)", gt=0.0)
    value_start: tuple[int, int] = param((25_000, 50_000), "frames where the value head's rate rises (LAPO)")
    trunk_lr: float = param(
        1e-3, "peak learning rate of the trunk's RL copy of its last layer (LAPO: 1e-2 / 10)", gt=0.0
    )
    trunk_start: tuple[int, int] = param((50_000, 200_000), "frames where the trunk copy's rate rises (LAPO)")
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    refit: tuple[int, int] = param((10_000, 400_000), "frames between which the decoder is refit (LAPO)")
    refit_every: int = param(
        20,
        "from 50k frames on, refit every N updates (LAPO: 20; every update before)",
        ge=1,
    )
    eval_every: int = param(25, "score on the split every N updates (0: only at the end)", ge=0)
    eval_episodes: int = param(64, "episodes per score", ge=1)
    checkpoint_every: int = param(10, "checkpoint every N updates", ge=1)
    seed: int = param(0, "random seed", ge=0)
    device: Device = param("auto", "auto = cuda when present")
    threads: int = param(4, "Procgen's stepping threads", ge=1)
