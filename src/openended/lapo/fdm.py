"""The forward dynamics model (LAPO §3.1): a UNet that predicts o_{t+1} from o_{t-1}, o_t and the latent
action z_t. The latent enters twice, tiled over the frame at the input and in place of the UNet's 1×1
bottleneck (as the anchor's ``WorldModel``), so the prediction can lean on it at every scale.

Frames are scaled to [−0.5, 0.5]; the output is ``tanh / 2`` in the same range, and the loss is the mean
squared error against the true next frame so scaled.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

CONTEXT = 2  # past frames the FDM sees: o_{t-1}, o_t (the anchor's WorldModel input)


def scaled(frames: torch.Tensor) -> torch.Tensor:
    """uint8 ``(..., H, W, C)`` → float ``(..., C, H, W)`` in [−0.5, 0.5]."""
    return frames.movedim(-1, -3).float() / 255.0 - 0.5


class Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        hidden = max(1, channels // 2)
        self.body = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(channels, hidden, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def down(cin: int, cout: int) -> nn.Sequential:
    # conv, batch norm, residual, halve, ReLU (the anchor's DownsampleBlock)
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), Residual(cout), nn.MaxPool2d(2), nn.ReLU()
    )


def up(cin: int, cout: int) -> nn.Sequential:
    # double by transposed convolution, batch norm, residual, ReLU (the anchor's UpsampleBlock)
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 2, 2), nn.BatchNorm2d(cout), Residual(cout), nn.ReLU())


class FDM(nn.Module):
    """``(past (B, 2, H, W, C) uint8, latent (B, size))`` → predicted next frame ``(B, C, H, W)``, scaled.
    H = W, a power of two: log2(H) − 1 halvings to 2×2, then a 2×2 convolution to 1×1."""

    def __init__(self, latent: int, width: int, frame: tuple[int, int] = (64, 64), channels: int = 3) -> None:
        super().__init__()
        h, w = frame
        if h != w or h < 4 or h & (h - 1):
            raise ValueError(f"the FDM's UNet needs square frames of a power-of-two side, not {frame}")
        halvings = int(math.log2(h)) - 1
        cin = CONTEXT * channels
        sizes = [cin + latent] + [width * 2**i for i in range(halvings + 1)]
        self.down = nn.ModuleList(down(a, b) for a, b in itertools.pairwise(sizes[:-1]))
        self.bottom = nn.Conv2d(sizes[-2], sizes[-1], 2)
        ups = [width * 2**i for i in range(halvings, -1, -1)] + [width]
        skips = [latent, *sizes[1:-1][::-1]]
        self.up = nn.ModuleList(up(a + s, b) for a, b, s in zip(ups[:-1], ups[1:], skips, strict=True))
        self.out = nn.Sequential(
            nn.Conv2d(width + cin, width, 3, padding=1),
            Residual(width),
            nn.ReLU(),
            nn.Conv2d(width, channels, 1),
        )

    def forward(self, past: torch.Tensor, latent: torch.Tensor) -> torch.Tensor:
        b = len(past)
        state = scaled(past).reshape(b, -1, *past.shape[2:4])  # the past frames side by side in channels
        z = latent[:, :, None, None].to(state.dtype)
        x = torch.cat([state, z.expand(-1, -1, *state.shape[2:])], 1)
        skips = []
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        x = self.bottom(x)
        skips.append(z)  # the latent replaces the bottleneck's skip connection
        for i, layer in enumerate(self.up):
            x = layer(torch.cat([x, skips[-1 - i]], 1))
        return torch.tanh(self.out(torch.cat([x, state], 1))) / 2

    def loss(self, frames: torch.Tensor, latent: torch.Tensor) -> torch.Tensor:
        """Mean squared error of the prediction from ``frames[:, :2]`` against ``frames[:, 2]``."""
        return torch.nn.functional.mse_loss(self(frames[:, :CONTEXT], latent), scaled(frames[:, CONTEXT]))
