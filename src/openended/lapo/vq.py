"""Vector quantization with an exponential-moving-average codebook (van den Oord et al. 2017, Appendix A.1),
the bottleneck that keeps LAPO's latent actions small (Schmidt & Jiang 2024, §3.1).

A latent action of ``codebooks × latents × dim`` numbers is cut into ``codebooks × latents`` vectors of
``dim``; each is replaced by its nearest code in its codebook's ``codes`` entries. The codebooks are not
learned by gradient: each code moves to the running mean of the vectors assigned to it (counts and sums
decayed by ``decay``, counts Laplace-smoothed so a code nobody picks keeps a finite mean). The encoder is
pulled toward its codes by the commitment loss, and gradients pass the quantizer straight through
(``x + (q − x).detach()``: the forward value is the code, the gradient the identity).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from openended.lapo.config import VQConfig

EPSILON = 1e-5  # Laplace smoothing of the code counts


@dataclass
class Quantized:
    """The quantizer's output: codes with straight-through gradients ``(B, size)``, the commitment loss,
    the chosen code indices ``(B, codebooks, latents)`` and the batch's perplexity summed over codebooks
    (e^entropy of each codebook's code frequencies: how many codes are in use)."""

    value: torch.Tensor
    loss: torch.Tensor
    indices: torch.Tensor
    perplexity: torch.Tensor


class VQEMA(nn.Module):
    codebook: torch.Tensor  # (codebooks, codes, dim), buffers: moved by the EMA, not by gradients
    count: torch.Tensor
    weight: torch.Tensor

    def __init__(self, cfg: VQConfig) -> None:
        super().__init__()
        self.cfg = cfg
        n, m, d = cfg.codebooks, cfg.codes, cfg.dim
        # small uniform start, as LAPO's models.py (±5/codes)
        codebook = torch.empty(n, m, d).uniform_(-5.0 / m, 5.0 / m)
        self.register_buffer("codebook", codebook)
        self.register_buffer("count", torch.zeros(n, m))
        self.register_buffer("weight", codebook.clone())

    @property
    def size(self) -> int:
        return self.cfg.codebooks * self.cfg.latents * self.cfg.dim

    def forward(self, x: torch.Tensor) -> Quantized:
        cfg = self.cfg
        b = len(x)
        n, m, d = cfg.codebooks, cfg.codes, cfg.dim
        vectors = x.reshape(b, n, cfg.latents, d).transpose(0, 1).reshape(n, b * cfg.latents, d)
        flat = vectors.detach().float()
        book = self.codebook
        # squared distances to every code of the vector's codebook: |x|² − 2 x·e + |e|²
        dist = (flat**2).sum(-1, keepdim=True) - 2 * flat @ book.transpose(1, 2) + (book**2).sum(-1)[:, None]
        indices = dist.argmin(-1)  # (n, b * latents)
        onehot = torch.nn.functional.one_hot(indices, m).to(flat.dtype)
        codes = torch.gather(book, 1, indices[..., None].expand(-1, -1, d))
        if self.training:
            with torch.no_grad():
                decay = cfg.decay
                self.count.mul_(decay).add_(onehot.sum(1), alpha=1 - decay)
                total = self.count.sum(-1, keepdim=True)
                self.count.copy_((self.count + EPSILON) / (total + m * EPSILON) * total)
                self.weight.mul_(decay).add_(onehot.transpose(1, 2) @ flat, alpha=1 - decay)
                self.codebook.copy_(self.weight / self.count[..., None])
        loss = cfg.commitment * torch.nn.functional.mse_loss(vectors, codes.detach().to(vectors.dtype))
        straight = vectors + (codes.to(vectors.dtype) - vectors).detach()
        frequency = onehot.mean(1)
        perplexity = torch.exp(-(frequency * torch.log(frequency + 1e-10)).sum(-1)).sum()
        value = straight.reshape(n, b, cfg.latents, d).transpose(0, 1).reshape(b, -1)
        return Quantized(value, loss, indices.reshape(n, b, cfg.latents).transpose(0, 1), perplexity)

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """The latent actions ``(B, size)`` of code indices ``(B, codebooks, latents)``."""
        n, d = self.cfg.codebooks, self.cfg.dim
        b = len(indices)
        flat = indices.transpose(0, 1).reshape(n, -1)
        codes = torch.gather(self.codebook, 1, flat[..., None].expand(-1, -1, d))
        return codes.reshape(n, b, self.cfg.latents, d).transpose(0, 1).reshape(b, -1)
