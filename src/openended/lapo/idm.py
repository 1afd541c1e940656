"""The inverse dynamics model (LAPO §3.1): from the frames o_{t-1}, o_t, o_{t+1} it proposes the latent
action z_t that took o_t to o_{t+1}, through the VQ bottleneck. It sees the future frame; the forward model
must predict that frame from the past and z_t alone, so z_t has to carry what changed — the action's effect
— in few bits."""

from __future__ import annotations

import torch
from torch import nn

from openended.lapo.config import ModelConfig
from openended.lapo.vq import VQEMA, Quantized
from openended.rl.networks import ImpalaCNN

FRAMES = 3  # o_{t-1}, o_t, o_{t+1} (LAPO's data_loader: a time horizon of one frame either side)


class IDM(nn.Module):
    def __init__(self, cfg: ModelConfig, frame: tuple[int, int] = (64, 64)) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = ImpalaCNN(cfg.idm_scale, cfg.features, in_channels=3 * FRAMES, frame=frame)
        self.vq = VQEMA(cfg.vq)
        self.head = nn.Linear(cfg.features, self.vq.size)

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, Quantized]:
        """``frames`` ``(B, 3, H, W, C)`` uint8 → the continuous latent ``(B, size)`` and its quantization."""
        b, t, h, w, c = frames.shape
        stacked = frames.permute(0, 2, 3, 1, 4).reshape(b, h, w, t * c)  # frames side by side in channels
        latent = self.head(self.encoder(stacked))
        return latent, self.vq(latent)
