"""Diversity of a set of texts, as the LLM systems report it (archives, rewritten datasets, samples).

- ``distinct_n``: unique n-grams / all n-grams (Li et al. 2016);
- ``bleu``: sentence BLEU of one text against references (sacrebleu), in [0, 1];
- ``self_bleu``: mean BLEU of each text against all others (Zhu et al. 2018, Texygen), sacrebleu, in [0, 1];
  higher means *less* diverse;
- ``mean_pairwise_distance``: mean cosine distance between embeddings;
- ``vendi_score``: exp of the entropy of the eigenvalues of K/n, K the cosine-similarity matrix (Friedman &
  Dieng 2023): 1 for n identical items, n for n orthogonal ones — an "effective number" of distinct items.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _tokens(text: str) -> list[str]:
    return text.lower().split()


def distinct_n(texts: Sequence[str], n: int = 2) -> float:
    if n < 1:
        raise ValueError("n must be >= 1")
    grams = [tuple(t[i : i + n]) for t in map(_tokens, texts) for i in range(len(t) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def _sentence_bleu() -> Any:
    try:
        from sacrebleu.metrics import BLEU
    except ImportError:
        raise ImportError("BLEU needs sacrebleu: pip install 'openended[llm]'") from None
    return BLEU(effective_order=True)


def bleu(text: str, references: Sequence[str]) -> float:
    """Sentence BLEU of ``text`` against ``references`` (effective order, as for short texts), in [0, 1]."""
    if isinstance(references, str):
        references = [references]
    return _sentence_bleu().sentence_score(text, list(references)).score / 100.0


def self_bleu(texts: Sequence[str]) -> float:
    if len(texts) < 2:
        raise ValueError("self-BLEU needs at least two texts")
    metric = _sentence_bleu()
    scores = [
        metric.sentence_score(t, [o for j, o in enumerate(texts) if j != i]).score
        for i, t in enumerate(texts)
    ]
    return float(np.mean(scores)) / 100.0


def _unit(embeddings: np.ndarray) -> np.ndarray:
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError("embeddings must be a non-empty (n, d) array")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError("embeddings must be non-zero")
    return x / norms


def mean_pairwise_distance(embeddings: np.ndarray) -> float:
    x = _unit(embeddings)
    n = len(x)
    if n < 2:
        raise ValueError("mean pairwise distance needs at least two embeddings")
    sim = x @ x.T
    return float((n * n - sim.sum()) / (n * (n - 1)))  # diagonal contributes 1 - 1 = 0


def vendi_score(embeddings: np.ndarray) -> float:
    x = _unit(embeddings)
    eig = np.clip(np.linalg.eigvalsh(x @ x.T / len(x)), 0.0, None)
    eig = eig[eig > 1e-12]
    return float(np.exp(-np.sum(eig * np.log(eig))))
