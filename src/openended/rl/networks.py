"""The IMPALA-CNN (Espeholt et al. 2018, arXiv:1802.01561, Fig. 3 "large" network) and the actor-critic on it.

Each stage is a 3×3 convolution, a 3×3 max-pool of stride 2 and two residual blocks (ReLU, conv, ReLU,
conv, plus the input); after the stages: ReLU, flatten, a fully connected layer and ReLU. The two papers
this layer serves use it at two widths:

- gen_dgrl's ``PPOResNetBaseEncoder`` (``procgen/utils/archs.py``): channels 16, 32, 32, 256 features
  (≈0.63 M parameters on 64×64 frames) — ``scale = 1``, the default;
- LAPO's policy and IDM (``lapo/config.yaml``: ``policy_impala_scale: 4``): channels 64, 128, 128 —
  ``scale = 4``.

Frames enter as uint8 ``(N, 64, 64, 3)`` and are scaled to [0, 1] inside, so rollouts stay uint8 (4× less
memory and host-to-device traffic than float).
"""

from __future__ import annotations

import torch
from torch import nn

BASE_CHANNELS = (16, 32, 32)


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv0 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv1(torch.relu(self.conv0(torch.relu(x))))


class ConvSequence(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.res0 = ResidualBlock(out_channels)
        self.res1 = ResidualBlock(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.res1(self.res0(self.pool(self.conv(x))))


class ImpalaCNN(nn.Module):
    """Frames ``(N, H, W, C)`` uint8 → features ``(N, hidden)``."""

    def __init__(
        self, scale: int, hidden: int, in_channels: int = 3, frame: tuple[int, int] = (64, 64)
    ) -> None:
        super().__init__()
        stages, channels = [], in_channels
        for base in BASE_CHANNELS:
            stages.append(ConvSequence(channels, base * scale))
            channels = base * scale
        self.stages = nn.Sequential(*stages)
        h, w = frame
        for _ in BASE_CHANNELS:  # each max-pool halves the frame, rounding up
            h, w = (h + 1) // 2, (w + 1) // 2
        self.fc = nn.Linear(channels * h * w, hidden)
        self.out_features = hidden

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        x = frames.permute(0, 3, 1, 2).float() / 255.0
        x = torch.relu(self.stages(x))
        return torch.relu(self.fc(x.flatten(1)))


def _init(layer: nn.Linear, std: float) -> nn.Linear:
    # orthogonal weights, zero biases; a small policy gain starts near-uniform (CleanRL's ppo_procgen.py)
    nn.init.orthogonal_(layer.weight, std)
    nn.init.zeros_(layer.bias)
    return layer


class Policy(nn.Module):
    """What every actor-critic here shares: ``forward(obs) -> (logits, value)`` and the two ways to act."""

    @torch.no_grad()
    def play(self, obs: torch.Tensor, greedy: bool, generator: torch.Generator) -> torch.Tensor:
        """Actions for playing (evaluation, data collection, level search): argmax, or sampled from
        ``generator`` so playing never moves the global random stream a training run draws from."""
        logits = self(obs)[0].float()
        if greedy:
            return logits.argmax(-1)
        return torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(-1)

    @torch.no_grad()
    def act(self, obs: torch.Tensor, greedy: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sampled (or greedy) actions, their log-probabilities and the values.

        Sampling is the Gumbel-max trick on exponential noise (argmax of p / E, E ~ Exp(1), which picks
        action a with probability p_a) rather than ``torch.distributions.Categorical``: the same
        distribution without Categorical's argument checks, which read values back to the host and so
        cannot be captured in the CUDA graph the rollout replays (``openended.rl.ppo``)."""
        logits, value = self(obs)
        logp_all = torch.log_softmax(logits.float(), -1)
        if greedy:
            action = logits.argmax(-1)
        else:
            action = (logp_all.exp() / torch.empty_like(logp_all).exponential_()).argmax(-1)
        return action, logp_all.gather(-1, action[:, None]).squeeze(-1), value


class ActorCritic(Policy):
    """Policy logits and state value from one shared IMPALA-CNN."""

    def __init__(self, num_actions: int, scale: int, hidden: int, frame: tuple[int, int] = (64, 64)) -> None:
        super().__init__()
        self.encoder = ImpalaCNN(scale, hidden, frame=frame)
        self.policy = _init(nn.Linear(hidden, num_actions), 0.01)
        self.value = _init(nn.Linear(hidden, 1), 1.0)
        self.num_actions, self.scale, self.hidden = num_actions, scale, hidden

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.encoder(frames)
        return self.policy(z), self.value(z).squeeze(-1)


class MLPActorCritic(Policy):
    """Policy logits and value from vector observations (MAPPO's agents, Yu et al. 2022): separate actor and
    critic MLPs with ReLU and orthogonal weights, the observation layer-normalized first (its "feature
    normalization"). One network for every agent of a team (parameter sharing)."""

    def __init__(self, obs_dim: int, num_actions: int, hidden: int, layers: int) -> None:
        super().__init__()

        def trunk() -> nn.Sequential:
            mods: list[nn.Module] = [nn.LayerNorm(obs_dim)]
            width = obs_dim
            for _ in range(layers):
                mods += [_init(nn.Linear(width, hidden), 2**0.5), nn.ReLU()]
                width = hidden
            return nn.Sequential(*mods)

        self.actor, self.critic = trunk(), trunk()
        self.policy = _init(nn.Linear(hidden, num_actions), 0.01)
        self.value = _init(nn.Linear(hidden, 1), 1.0)
        self.obs_dim, self.num_actions, self.hidden, self.layers = obs_dim, num_actions, hidden, layers

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        obs = obs.float()
        return self.policy(self.actor(obs)), self.value(self.critic(obs)).squeeze(-1)
