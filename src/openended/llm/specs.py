"""Model specs: one string names a model and its backend, anywhere a role takes a model.

=================================  =====================================================================
``smollm2-135m``                   embedded default: SmolLM2-135M-Instruct GGUF, llama.cpp
``gemma3-270m``                    Gemma 3 270M base GGUF, llama.cpp
``gguf:/path/model.gguf``          any local GGUF file, llama.cpp
``hf:/path/to/checkpoint``         a local transformers checkpoint (CPU or GPU)
``hf:smollm2-135m``                the embedded model converted to a trainable transformers checkpoint
``openai:MODEL@http://host:port/v1``  an OpenAI-compatible server (vLLM, llama.cpp server, hosted APIs);
                                   the API key is read from ``$OPENAI_API_KEY`` (or ``?api_key_env=NAME``)
``scripted:echo``                  deterministic test backend that repeats the last user message
=================================  =====================================================================

Backend options follow a ``?``: ``smollm2-135m?n_ctx=4096&threads=2``,
``openai:m@http://127.0.0.1:8000/v1?max_concurrency=4&timeout=30``.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from openended.llm.base import LLM, LLMError
from openended.llm.cache import ResponseCache

DEFAULT_MODEL = "smollm2-135m"


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def parse(spec: str) -> tuple[str, str, dict[str, Any]]:
    """``(backend, target, options)`` of a spec string."""
    if not isinstance(spec, str) or not spec.strip():
        raise LLMError(f"a model spec is a non-empty string, got {spec!r}")
    base, _, query = spec.strip().partition("?")
    options = {k: _value(v) for k, v in parse_qsl(query, keep_blank_values=True)}
    if base in ("smollm2-135m", "gemma3-270m"):
        return "llamacpp", base, options
    kind, sep, target = base.partition(":")
    if not sep or not target:
        raise LLMError(
            f"unknown model spec {spec!r}: use smollm2-135m, gemma3-270m, gguf:PATH, hf:PATH, "
            "openai:MODEL@URL or scripted:echo"
        )
    backends = {"gguf": "llamacpp", "hf": "transformers", "openai": "openai", "scripted": "scripted"}
    if kind not in backends:
        raise LLMError(f"unknown backend {kind!r} in {spec!r}; known: {', '.join(backends)}")
    return backends[kind], target, options


def _construct(cls: type[LLM], spec: str, options: dict[str, Any], **fixed: Any) -> LLM:
    allowed = set(inspect.signature(cls.__init__).parameters) - {"self", "spec", "kwargs", *fixed}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise LLMError(f"unknown option {unknown[0]!r} for {spec!r}; options: {', '.join(sorted(allowed))}")
    return cls(spec, **fixed, **options)


def load(spec: str = DEFAULT_MODEL, cache: ResponseCache | str | os.PathLike | None = None) -> LLM:
    """The model named by ``spec``; ``cache`` (a ResponseCache or a path) replays identical calls."""
    backend, target, options = parse(spec)
    if cache is not None and not isinstance(cache, ResponseCache):
        cache = ResponseCache(cache)
    if backend == "llamacpp":
        from openended.llm import models
        from openended.llm.llamacpp import LlamaCppLLM

        path = models.EMBEDDED_GGUF[target]() if target in models.EMBEDDED_GGUF else Path(target)
        return _construct(LlamaCppLLM, spec, options, model_path=path, cache=cache)
    if backend == "transformers":
        from openended.llm import models
        from openended.llm.hf import TransformersLLM

        return _construct(TransformersLLM, spec, options, path=models.checkpoint(target), cache=cache)
    if backend == "openai":
        from openended.llm.openai_compat import OpenAICompatLLM

        model, at, url = target.partition("@")
        if not at or not model or not url.startswith(("http://", "https://")):
            raise LLMError(f"an OpenAI-compatible spec is openai:MODEL@http(s)://HOST:PORT/v1, got {spec!r}")
        return _construct(OpenAICompatLLM, spec, options, model=model, base_url=url, cache=cache)
    from openended.llm.scripted import ScriptedLLM

    if target != "echo":
        raise LLMError(f"the scripted backend from a spec supports only scripted:echo, got {spec!r}")
    return _construct(ScriptedLLM, spec, options, cache=cache)


def load_shared(specs: list[str], cache: ResponseCache | str | os.PathLike | None = None) -> dict[str, LLM]:
    """One model per distinct spec, for systems whose roles may name the same model (loaded once)."""
    if cache is not None and not isinstance(cache, ResponseCache):
        cache = ResponseCache(cache)
    return {spec: load(spec, cache) for spec in dict.fromkeys(s for s in specs if s)}
