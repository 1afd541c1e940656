"""The LLM base class: prompt checks, the response cache, usage accounting and concurrency live here once;
a backend implements ``_generate`` and ``_score``."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from openended.core.errors import UserError
from openended.llm.cache import ResponseCache
from openended.llm.types import (
    ChoiceScores,
    Message,
    Prompt,
    Response,
    SamplingParams,
    Usage,
    check_prompt,
    is_chat,
)

T = TypeVar("T")
R = TypeVar("R")


class LLMError(UserError, RuntimeError):
    """A model could not be loaded or a call failed; the message says what to install, pass or fix."""


class PromptTooLong(LLMError):
    """One prompt does not fit the model's context: a property of that input, not of the model or server,
    so a pipeline can set that input aside and go on with the others."""


def plain_transcript(messages: Sequence[Message]) -> str:
    """Chat rendered for a model without a chat template (a base model): ``Role: content`` lines and an
    open ``Assistant:`` turn."""
    lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return "\n\n".join([*lines, "Assistant:"])


# a base model continuing a plain transcript goes on to invent the next turns ("User: ... Assistant: ..."):
# its answer ends where the next role marker begins
TURN_MARKERS = ("\nUser:", "\nAssistant:", "\nSystem:")


def turn_stops(prompt: Prompt, stop: Sequence[str], templated: bool) -> list[str]:
    """The stop strings for ``prompt``: ``stop``, plus the role markers when a chat is rendered as a plain
    transcript (a model without a chat template)."""
    return [*stop, *TURN_MARKERS] if is_chat(prompt) and not templated else list(stop)


def truncate_at_stop(text: str, stop: Iterable[str]) -> tuple[str, bool]:
    """Cut ``text`` at the earliest stop string (excluded), as the OpenAI API does."""
    cut = min((i for s in stop if s and (i := text.find(s)) >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


class LLM(ABC):
    """A language model. ``generate`` returns one :class:`Response` per prompt, in order;
    ``score_choices`` returns the log-probabilities of a fixed set of answers for each prompt."""

    #: how many prompts the backend processes per ``_generate`` call
    batch_size: int = 8

    def __init__(self, spec: str, cache: ResponseCache | None = None) -> None:
        self.spec = spec
        self.cache = cache
        self.usage = Usage()
        self._usage_lock = threading.Lock()

    # -- what a backend provides -------------------------------------------------------------------
    @abstractmethod
    def _generate(self, prompts: list[Prompt], params: SamplingParams) -> list[Response]:
        """Completions for ``prompts`` (at most ``batch_size``), one Response each."""

    @abstractmethod
    def _score(self, prompt: Prompt, choices: tuple[str, ...]) -> list[float]:
        """log P(choice | prompt) for each choice, summed over the choice's tokens."""

    @property
    def fingerprint(self) -> str:
        """Identifies the model's behaviour for the response cache (spec plus backend details)."""
        return self.spec

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the model (subclasses free weights, sessions, servers)."""

    # -- the interface ----------------------------------------------------------------------------
    def generate(
        self, prompts: Sequence[Prompt], params: SamplingParams | None = None, **overrides: Any
    ) -> list[Response]:
        """Generate for each prompt; ``overrides`` replace fields of ``params`` (e.g. ``max_tokens=32``)."""
        if isinstance(prompts, str):
            raise TypeError("generate() takes a list of prompts; use complete() for one")
        params = params or SamplingParams()
        if overrides:
            params = params.replace(**overrides)
        prompts = [check_prompt(p) for p in prompts]
        results: list[Response | None] = [None] * len(prompts)
        keys: list[str] = []
        if self.cache is not None:
            keys = [self._key("generate", p, params.to_dict()) for p in prompts]
            for i, key in enumerate(keys):
                hit = self.cache.get(key)
                if hit is not None:
                    results[i] = Response.from_dict(hit, cached=True)
        todo = [i for i, r in enumerate(results) if r is None]
        for start in range(0, len(todo), self.batch_size):
            chunk = todo[start : start + self.batch_size]
            for i, response in zip(chunk, self._generate([prompts[i] for i in chunk], params), strict=True):
                results[i] = response
                if self.cache is not None:
                    self.cache.put(keys[i], response.to_dict())
        done = [r for r in results if r is not None]
        self._account(done)
        return done

    def complete(self, prompt: Prompt, params: SamplingParams | None = None, **overrides: Any) -> Response:
        """Generate for a single prompt."""
        return self.generate([prompt], params, **overrides)[0]

    def score_choices(self, prompts: Sequence[Prompt], choices: Sequence[str]) -> list[ChoiceScores]:
        """For each prompt, log P(choice | prompt) of every choice and the distribution renormalized over
        them (e.g. ``choices=("A", "B")`` for a judge). Choices are continuations of the prompt, or of the
        assistant turn for a chat prompt; write them as they would appear (``" A"`` vs ``"A"``)."""
        choices = tuple(choices)
        if len(choices) < 2 or len(set(choices)) != len(choices) or not all(choices):
            raise ValueError(f"choices must be at least two distinct non-empty strings, got {choices}")
        out = []
        for prompt in (check_prompt(p) for p in prompts):
            key = self._key("score", prompt, {"choices": list(choices)})
            hit = self.cache.get(key) if self.cache is not None else None
            if hit is not None:
                out.append(ChoiceScores(choices, tuple(hit["logprobs"]), 0.0))
                continue
            start = time.perf_counter()
            logprobs = tuple(float(x) for x in self._score(prompt, choices))
            out.append(ChoiceScores(choices, logprobs, time.perf_counter() - start))
            if self.cache is not None:
                self.cache.put(key, {"logprobs": list(logprobs)})
        return out

    def score(self, prompt: Prompt, choices: Sequence[str]) -> ChoiceScores:
        return self.score_choices([prompt], choices)[0]

    # -- helpers ----------------------------------------------------------------------------------
    def _key(self, kind: str, prompt: Prompt, params: dict[str, Any]) -> str:
        payload = {"model": self.fingerprint, "kind": kind, "prompt": prompt, "params": params}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=list).encode()).hexdigest()

    def _account(self, responses: Iterable[Response]) -> None:
        with self._usage_lock:
            for r in responses:
                self.usage.add(r.usage)

    @staticmethod
    def _map_concurrent(fn: Callable[[T], R], items: Sequence[T], max_workers: int) -> list[R]:
        """``[fn(x) for x in items]`` on at most ``max_workers`` threads, results in order."""
        if max_workers <= 1 or len(items) <= 1:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
            return list(pool.map(fn, items))

    def __enter__(self) -> LLM:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"
