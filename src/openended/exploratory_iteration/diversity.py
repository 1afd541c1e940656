"""ExIt's multiplicative diversity bonus (paper §3, after Chung et al. 2025): each rollout's GRPO advantage
is multiplied by how far its answer's embedding lies from its group's centroid,

    d_i = ||e_i − ē|| / (max_j ||e_j − ē|| − min_j ||e_j − ē||),

so among equally good answers the unusual ones are pushed up (and among bad ones, pushed down) more. The
embedding model here is MiniLM (``openended.llm.embeddings``; the paper uses a math-tuned BERT and
CodeXEmbed).

**One change of scale.** Within a group the paper's coefficients are proportional to the distance; the
factor ``1 / (max − min)`` multiplies the whole group's advantages, which on MiniLM embeddings (distances of
similar size) makes them 15–30× larger — an effective learning-rate change that would confound the ablation
with ExIt without the bonus. We divide by the group's mean distance instead: the relative weights inside a
group are the paper's, and the coefficients average 1. A group whose distances are all equal (or all zero)
gets coefficients of 1.
"""

from __future__ import annotations

import numpy as np


def diversity_bonus(embeddings: np.ndarray, group_size: int) -> np.ndarray:
    """Coefficients for consecutive groups of ``group_size`` rows of ``embeddings`` (n, dim): each row's
    distance to its group's centroid over the group's mean distance."""
    e = np.asarray(embeddings, dtype=np.float64)
    if e.ndim != 2 or len(e) % group_size:
        raise ValueError(f"need an (n, dim) array with n a multiple of {group_size}, got {e.shape}")
    groups = e.reshape(-1, group_size, e.shape[1])
    dist = np.linalg.norm(groups - groups.mean(axis=1, keepdims=True), axis=2)
    spread = dist.max(axis=1, keepdims=True) - dist.min(axis=1, keepdims=True)
    mean = dist.mean(axis=1, keepdims=True)
    flat = (spread < 1e-9) | (mean < 1e-12)
    out = np.where(flat, 1.0, dist / np.where(flat, 1.0, mean))
    return out.reshape(-1)
