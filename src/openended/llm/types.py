"""Value types of the LLM interface."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openended.core.config import Config, param

Message = Mapping[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
Prompt = str | Sequence[Message]  # a raw completion prompt, or a chat


def is_chat(prompt: Prompt) -> bool:
    return not isinstance(prompt, str)


def check_prompt(prompt: Any) -> Prompt:
    """Reject malformed prompts early with a message that says what is wrong."""
    if isinstance(prompt, str):
        return prompt
    if not isinstance(prompt, Sequence) or not prompt:
        raise TypeError(
            f"a prompt is a string or a non-empty list of chat messages, got {type(prompt).__name__}"
        )
    for m in prompt:
        if not isinstance(m, Mapping) or set(m) != {"role", "content"} or not isinstance(m["content"], str):
            raise TypeError(f"a chat message is {{'role': ..., 'content': str}}, got {m!r}")
        if m["role"] not in ("system", "user", "assistant"):
            raise TypeError(f"chat role must be system, user or assistant, got {m['role']!r}")
    return prompt


@dataclass(frozen=True)
class SamplingParams(Config):
    """Sampling parameters, with the meaning they have in the OpenAI API.

    ``temperature`` 0 is greedy decoding. ``seed`` makes sampling repeatable: sample ``i`` of a prompt uses
    ``seed + i`` whatever else is in the batch (backends that cannot seed per request say so).
    """

    temperature: float = param(0.7, "sampling temperature; 0 = greedy", ge=0.0, le=5.0)
    top_p: float = param(1.0, "nucleus sampling mass", gt=0.0, le=1.0)
    max_tokens: int = param(256, "maximum new tokens per completion", ge=1)
    stop: tuple[str, ...] = param((), "stop strings (not included in the output)")
    seed: int | None = param(None, "random seed (none: unseeded)", ge=0)
    n: int = param(1, "completions per prompt", ge=1)


SURROGATE = re.compile("[\ud800-\udfff]")  # a str holds pairs as one code point: any surrogate is lone


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so that it can be encoded as UTF-8."""
    return SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str  # "stop" (end of text or a stop string) or "length" (max_tokens reached)
    completion_tokens: int

    def __post_init__(self) -> None:
        # a server's JSON may carry lone surrogates ("\\ud800"), which no file, prompt or request body can
        # hold as UTF-8: each becomes U+FFFD here, once, for every backend
        if not self.text.isascii():
            object.__setattr__(self, "text", without_surrogates(self.text))


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cached_calls: int = 0
    seconds: float = 0.0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls
        self.cached_calls += other.cached_calls
        self.seconds += other.seconds

    @property
    def tokens_per_second(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else math.nan


@dataclass
class Response:
    """The answer to one prompt: ``n`` completions, token usage and latency.

    ``latency_s`` is wall-clock time: from the moment the backend started on this prompt until its last
    completion was in (a prompt answered in a batch or by concurrent requests waited that long, not the sum
    of its requests' times). ``usage.seconds`` is this prompt's share of its call's wall time, so that
    summed over a call it is the call's wall time and ``Usage.tokens_per_second`` is throughput.
    """

    completions: list[Completion]
    usage: Usage
    latency_s: float
    cached: bool = False

    @property
    def text(self) -> str:
        return self.completions[0].text

    def to_dict(self) -> dict[str, Any]:
        return {
            "completions": [[c.text, c.finish_reason, c.completion_tokens] for c in self.completions],
            "prompt_tokens": self.usage.prompt_tokens,
            "latency_s": self.latency_s,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], cached: bool = False) -> Response:
        completions = [Completion(t, f, n) for t, f, n in d["completions"]]
        usage = Usage(
            d["prompt_tokens"],
            sum(c.completion_tokens for c in completions),
            calls=1,
            cached_calls=int(cached),
            seconds=0.0 if cached else d["latency_s"],
        )
        return cls(completions, usage, 0.0 if cached else d["latency_s"], cached)

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.completions]


@dataclass
class ChoiceScores:
    """Log-probabilities of a fixed set of answers, and their distribution renormalized over the set."""

    choices: tuple[str, ...]
    logprobs: tuple[float, ...]  # log P(choice | prompt), summed over the choice's tokens
    latency_s: float = 0.0
    probs: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        finite = [lp for lp in self.logprobs if lp > -math.inf]
        if not finite:
            raise ValueError(f"none of the choices {self.choices} has a finite log-probability")
        top = max(finite)
        weights = [math.exp(lp - top) if lp > -math.inf else 0.0 for lp in self.logprobs]
        total = sum(weights)
        self.probs = tuple(w / total for w in weights)

    def prob(self, choice: str) -> float:
        return self.probs[self.choices.index(choice)]

    @property
    def best(self) -> str:
        return self.choices[max(range(len(self.choices)), key=self.probs.__getitem__)]
