"""The embedded default backend: llama.cpp through llama-cpp-python, on a local GGUF file.

One model context serves calls one at a time (llama.cpp parallelizes inside a call). Chats are rendered
with the chat template stored in the GGUF; a model without one (a base model such as Gemma 3 270M) gets a
plain transcript, and its answer ends at the next role marker it writes (``User:``). Choice scoring
evaluates the prompt from scratch and reads the next-token logits, so the same prompt always gets the same
scores (no dependence on what was evaluated before).
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from openended.llm.base import LLM, LLMError, PromptTooLong, plain_transcript, turn_stops
from openended.llm.types import Completion, Prompt, Response, SamplingParams, Usage, is_chat


class LlamaCppLLM(LLM):
    batch_size = 8

    def __init__(
        self,
        spec: str,
        model_path: str | os.PathLike,
        n_ctx: int = 2048,
        threads: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(spec, **kwargs)
        path = Path(model_path)
        if not path.is_file():
            raise LLMError(f"GGUF model file not found: {path}")
        try:
            import llama_cpp
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError:
            raise LLMError(
                "the llamacpp backend needs llama-cpp-python: make tour (or pip install "
                "'openended[llm]', which compiles it)"
            ) from None
        self._llama_cpp = llama_cpp
        self.model_path = path
        # n_threads_batch (prompt evaluation) would otherwise default to every core, whatever ``threads`` says
        self.model = llama_cpp.Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False
        )
        self._lock = threading.Lock()
        template = self.model.metadata.get("tokenizer.chat_template")
        self._formatter = None
        if template:
            special = lambda t: self.model.detokenize([t], special=True).decode(errors="ignore")  # noqa: E731
            self._formatter = Jinja2ChatFormatter(
                template, special(self.model.token_eos()), special(self.model.token_bos())
            )

    @property
    def fingerprint(self) -> str:
        return f"{self.spec}|{self.model_path.name}|{self.model_path.stat().st_size}"

    @property
    def has_chat_template(self) -> bool:
        return self._formatter is not None

    def render(self, prompt: Prompt) -> str:
        """The text the model sees for ``prompt``."""
        if not is_chat(prompt):
            return prompt  # type: ignore[return-value]
        if self._formatter is None:
            return plain_transcript(prompt)  # type: ignore[arg-type]
        return self._formatter(messages=list(prompt)).prompt  # type: ignore[arg-type]

    def tokenize(self, text: str, prompt: bool = True) -> list[int]:
        """Token ids of ``text``: a prompt gets BOS (where the model wants one) and its special tokens parsed
        (``<|im_start|>``); a continuation (``prompt=False``, e.g. a choice) is plain text."""
        return self.model.tokenize(text.encode(), add_bos=prompt, special=prompt)

    def _generate(self, prompts: list[Prompt], params: SamplingParams) -> list[Response]:
        out = []
        for prompt in prompts:
            tokens = self.tokenize(self.render(prompt))
            if len(tokens) >= self.model.n_ctx():
                raise PromptTooLong(
                    f"prompt of {len(tokens)} tokens does not fit the context of "
                    f"{self.model.n_ctx()} (pass {self.spec.split('?')[0]}?n_ctx=...)"
                )
            stop = turn_stops(prompt, params.stop, self._formatter is not None)
            start = time.perf_counter()
            completions = []
            with self._lock:
                for i in range(params.n):
                    seed = params.seed + i if params.seed is not None else secrets.randbits(31)
                    result: Any = self.model.create_completion(
                        tokens,
                        max_tokens=params.max_tokens,
                        temperature=params.temperature,
                        top_p=params.top_p,
                        top_k=0,
                        min_p=0.0,
                        repeat_penalty=1.0,
                        stop=stop or None,
                        seed=seed,
                    )
                    choice = result["choices"][0]
                    finish = "length" if choice["finish_reason"] == "length" else "stop"
                    completions.append(
                        Completion(choice["text"], finish, result["usage"]["completion_tokens"])
                    )
            latency = time.perf_counter() - start
            usage = Usage(
                len(tokens), sum(c.completion_tokens for c in completions), calls=1, seconds=latency
            )
            out.append(Response(completions, usage, latency))
        return out

    def _next_logprobs(self) -> np.ndarray:
        ptr = self._llama_cpp.llama_get_logits_ith(self.model.ctx, -1)
        logits = np.ctypeslib.as_array(ptr, shape=(self.model.n_vocab(),)).astype(np.float64)
        return logits - np.logaddexp.reduce(logits)

    def _score(self, prompt: Prompt, choices: tuple[str, ...]) -> list[float]:
        tokens = self.tokenize(self.render(prompt))
        choice_tokens = [self.tokenize(c, prompt=False) for c in choices]
        with self._lock:
            self.model.reset()
            self.model.eval(tokens)
            first = self._next_logprobs()
            state = self.model.save_state() if any(len(t) > 1 for t in choice_tokens) else None
            scores = []
            for ctoks in choice_tokens:
                total = float(first[ctoks[0]])
                if len(ctoks) > 1:
                    assert state is not None
                    self.model.load_state(state)
                    for prev, tok in itertools.pairwise(ctoks):
                        self.model.eval([prev])
                        total += float(self._next_logprobs()[tok])
                scores.append(total)
        return scores

    def close(self) -> None:
        with self._lock:
            if getattr(self, "model", None) is not None:
                self.model.close()
                self.model = None  # type: ignore[assignment]
