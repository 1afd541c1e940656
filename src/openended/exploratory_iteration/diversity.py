"""ExIt's multiplicative diversity bonus (paper §3, after Chung et al. 2025): each rollout's GRPO advantage
is multiplied by how far its answer's embedding lies from its group's centroid,

    d_i = ||e_i − ē|| / (max_j ||e_j − ē|| − min_j ||e_j − ē||),

so among equally good answers the unusual ones are pushed up (and among bad ones, pushed down) more. The
embedding model here is MiniLM (``openended.llm.embeddings``; the paper uses a math-tuned BERT and
CodeXEmbed). A group whose distances are all equal gets coefficients of 1 (no bonus), not a division by 0.
"""

from __future__ import annotations

import numpy as np


def diversity_bonus(embeddings: np.ndarray, group_size: int) -> np.ndarray:
    """Coefficients d_i for consecutive groups of ``group_size`` rows of ``embeddings`` (n, dim)."""
    e = np.asarray(embeddings, dtype=np.float64)
    if e.ndim != 2 or len(e) % group_size:
        raise ValueError(f"need an (n, dim) array with n a multiple of {group_size}, got {e.shape}")
    groups = e.reshape(-1, group_size, e.shape[1])
    dist = np.linalg.norm(groups - groups.mean(axis=1, keepdims=True), axis=2)
    spread = dist.max(axis=1, keepdims=True) - dist.min(axis=1, keepdims=True)
    flat = spread < 1e-9
    out = np.where(flat, 1.0, dist / np.where(flat, 1.0, spread))
    return out.reshape(-1)
