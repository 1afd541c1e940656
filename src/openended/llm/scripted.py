"""A deterministic backend for testing the logic around an LLM (never a stand-in for the model under test).

``ScriptedLLM(respond)`` answers with ``respond(prompt_text, sample_index)``, or cycles through a list of
canned answers; ``scripted:echo`` repeats the last user message. Choice scores come from ``score`` (a
function of the prompt text and the choices) or are uniform.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence

from openended.llm.base import LLM, plain_transcript, truncate_at_stop
from openended.llm.types import Completion, Prompt, Response, SamplingParams, Usage, is_chat


def prompt_text(prompt: Prompt) -> str:
    return prompt if isinstance(prompt, str) else plain_transcript(prompt)


def _echo(prompt: Prompt) -> str:
    if is_chat(prompt):
        users = [m["content"] for m in prompt if m["role"] == "user"]  # type: ignore[index,union-attr]
        return users[-1] if users else ""
    return prompt  # type: ignore[return-value]


class ScriptedLLM(LLM):
    batch_size = 64

    def __init__(
        self,
        spec: str = "scripted",
        respond: Callable[[str, int], str] | Sequence[str] | None = None,
        score: Callable[[str, tuple[str, ...]], Sequence[float]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(spec, **kwargs)  # type: ignore[arg-type]
        self.calls: list[str] = []
        self._lock = threading.Lock()
        if respond is None:
            self._respond: Callable[[Prompt, int], str] = lambda p, i: _echo(p)
        elif callable(respond):
            fn = respond
            self._respond = lambda p, i: fn(prompt_text(p), i)
        else:
            answers = itertools.cycle(list(respond))
            self._respond = lambda p, i: next(answers)
        self._score_fn = score

    def _generate(self, prompts: list[Prompt], params: SamplingParams) -> list[Response]:
        out = []
        for p in prompts:
            start = time.perf_counter()
            with self._lock:
                self.calls.append(prompt_text(p))
                texts = [self._respond(p, i) for i in range(params.n)]
            completions = []
            for text in texts:
                words = text.split(" ")
                cut = " ".join(words[: params.max_tokens])
                cut, stopped = truncate_at_stop(cut, params.stop)
                done = stopped or len(words) <= params.max_tokens
                completions.append(Completion(cut, "stop" if done else "length", len(cut.split())))
            usage = Usage(len(prompt_text(p).split()), sum(c.completion_tokens for c in completions), calls=1)
            latency = time.perf_counter() - start
            usage.seconds = latency
            out.append(Response(completions, usage, latency))
        return out

    def _score(self, prompt: Prompt, choices: tuple[str, ...]) -> list[float]:
        with self._lock:
            self.calls.append(prompt_text(prompt))
        if self._score_fn is None:
            return [0.0] * len(choices)
        return list(self._score_fn(prompt_text(prompt), choices))
