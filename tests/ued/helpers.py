"""Tiny run configurations shared by the UED tests (not a test module)."""

from openended.ued.config import (
    DomainConfig,
    PLRConfig,
    PPOConfig,
    ReMiDiConfig,
    ReMiDiRunConfig,
    UEDConfig,
)


def tiny(algorithm, **kw):
    """A maze run small enough for CPU: 8 environments × 32 steps, 12 updates, a 16-wide LSTM."""
    return UEDConfig(
        algorithm=algorithm,
        num_envs=8,
        num_steps=32,
        num_updates=12,
        max_episode_steps=32,
        n_walls=8,
        eval_every=6,
        log_every=3,
        checkpoint_every=6,
        eval_attempts=2,
        eval_random_levels=4,
        eval_levels=("SmallRoom", "Detour"),
        **{"ppo": PPOConfig(lstm_features=16, lr=1e-3), "plr": PLRConfig(capacity=16), **kw},
    )


def tiny_remidi(domain, **kw):
    """A ReMiDi run (oracle regret, two buffers) on one of the toy domains, small enough for CPU."""
    return ReMiDiRunConfig(
        num_envs=8,
        num_steps=16,
        num_updates=40,
        max_episode_steps=16,
        n_walls=5,
        eval_every=20,
        log_every=5,
        checkpoint_every=20,
        eval_attempts=1,
        eval_random_levels=40,
        eval_levels=("SmallRoom",),
        domain=DomainConfig(name=domain),
        ppo=PPOConfig(lstm_features=16, lr=1e-3),
        plr=PLRConfig(score="oracle", capacity=16),
        remidi=ReMiDiConfig(buffers=2, steps_per_buffer=15),
        **kw,
    )
