"""Any OpenAI-compatible server: vLLM, llama.cpp's server, hosted APIs.

- The API key comes from the environment only (``$OPENAI_API_KEY``, or the variable named by
  ``api_key_env``); it is sent in a header and never appears in errors, reprs, logs or cache keys.
- Requests run on at most ``max_concurrency`` threads; each sample of a prompt is its own request with seed
  ``seed + i``, so results do not depend on what else is in flight.
- Transport errors, timeouts, 429 and 5xx are retried ``max_retries`` times with exponential backoff and
  jitter; other errors raise :class:`ServerError` at once with the server's message.
- Sampling is what ``SamplingParams`` says and nothing else: the samplers the OpenAI API does not define are
  sent switched off (``top_k`` 0, ``min_p`` 0, ``repeat_penalty`` / ``repetition_penalty`` 1), because
  llama.cpp's server otherwise applies its own defaults (top_k 40, min_p 0.05, repeat_penalty 1.1) and
  "greedy" differs from the embedded backend. A server that rejects these fields (hosted APIs answer 400 to
  unknown arguments) gets the request again without them, and every later one too (``sampling=openai``
  skips them from the start).
- Choice scoring asks for the top ``top_logprobs`` next tokens (``max_tokens=1``); a choice must be a single
  token that appears among them (the server needs logprobs enabled, e.g. llama.cpp's ``--logits_all``).
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Sequence
from typing import Any, cast

from openended.llm.base import LLM, LLMError, PromptTooLong
from openended.llm.types import Completion, Message, Prompt, Response, SamplingParams, Usage, is_chat

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
# samplers outside the OpenAI API, switched off: llama.cpp's server and vLLM read them (vLLM spells the
# penalty repetition_penalty, llama.cpp repeat_penalty; each ignores the other's name)
NEUTRAL_SAMPLERS = {"top_k": 0, "min_p": 0.0, "repeat_penalty": 1.0, "repetition_penalty": 1.0}


class ServerError(LLMError):
    """The server answered with an error (after retries where the error is transient)."""

    def __init__(self, status: int | None, message: str, url: str) -> None:
        self.status = status
        where = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"OpenAI-compatible server at {url}: {where}: {message[:500]}")


class ServerPromptTooLong(ServerError, PromptTooLong):
    """The server refused a prompt as longer than its context (vLLM, llama.cpp and OpenAI say so in a 400)."""


_TOO_LONG = re.compile(
    r"context length|context window|maximum context|too many tokens|exceeds? the context", re.I
)


class OpenAICompatLLM(LLM):
    def __init__(
        self,
        spec: str,
        model: str,
        base_url: str,
        api_key_env: str = "OPENAI_API_KEY",
        max_concurrency: int = 8,
        timeout: float = 120.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        top_logprobs: int = 20,
        sampling: str = "neutral",
        **kwargs: Any,
    ) -> None:
        super().__init__(spec, **kwargs)
        try:
            import httpx
        except ImportError:
            raise LLMError("the openai backend needs httpx: pip install 'openended[llm]'") from None
        if max_concurrency < 1 or max_retries < 0 or timeout <= 0:
            raise LLMError("max_concurrency must be >= 1, max_retries >= 0 and timeout > 0")
        if sampling not in ("neutral", "openai"):
            raise LLMError(
                f"sampling is neutral (other samplers sent switched off) or openai, got {sampling!r}"
            )
        self.sampling = sampling
        self._httpx = httpx
        self.model_name = model
        self.base_url = base_url.rstrip("/")
        self.max_concurrency = max_concurrency
        self.batch_size = max_concurrency * 4
        self.max_retries = max_retries
        self.backoff = backoff
        self.top_logprobs = top_logprobs
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        limits = httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency)
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, limits=limits)
        self._flight_lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # highest number of concurrent requests seen (bounded by max_concurrency)

    # -- HTTP -----------------------------------------------------------------------------------
    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        for attempt in range(self.max_retries + 1):
            status, message = None, ""
            with self._flight_lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                r = self._client.post(path, json=payload)
                status = r.status_code
                if status < 400:
                    try:
                        data = r.json()
                    except ValueError:  # a 200 whose body is not JSON (a proxy's page, a cut stream)
                        raise ServerError(status, f"the reply is not JSON: {r.text[:200]!r}", url) from None
                    return data
                message = _error_message(r)
            except self._httpx.TimeoutException as err:
                message = f"timed out ({type(err).__name__})"
            except self._httpx.TransportError as err:
                message = f"{type(err).__name__}: {err}"
            finally:
                with self._flight_lock:
                    self.in_flight -= 1
            if status == 400 and _TOO_LONG.search(message):
                raise ServerPromptTooLong(status, message, url)
            if (status is not None and status not in RETRY_STATUS) or attempt == self.max_retries:
                raise ServerError(status, message, url)
            time.sleep(self.backoff * 2**attempt * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _request(self, prompt: Prompt, **fields: Any) -> dict[str, Any]:
        """POST ``prompt`` with ``fields`` (None: left out) and the neutral samplers, unless the server has
        rejected those once: then without them, from here on."""
        path, body = self._body(prompt, **fields)
        if self.sampling == "neutral":
            try:
                return self._post(path, {**body, **NEUTRAL_SAMPLERS})
            except ServerError as err:
                if err.status not in (400, 422) or not any(k in str(err) for k in NEUTRAL_SAMPLERS):
                    raise
                # a validation error may merely echo the request (and so name top_k): only if the plain
                # request then succeeds were the samplers what the server refused
                data = self._post(path, body)
                self.sampling = "openai"  # from now on the server's own defaults apply
                return data
        return self._post(path, body)

    def _body(self, prompt: Prompt, **fields: Any) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "model": self.model_name,
            **{k: v for k, v in fields.items() if v is not None},
        }
        if is_chat(prompt):
            body["messages"] = [dict(m) for m in cast(Sequence[Message], prompt)]
            return "/chat/completions", body
        body["prompt"] = prompt
        return "/completions", body

    # -- LLM hooks --------------------------------------------------------------------------------
    def _generate(self, prompts: list[Prompt], params: SamplingParams) -> list[Response]:
        jobs = [(i, k) for i in range(len(prompts)) for k in range(params.n)]

        def run(job: tuple[int, int]) -> tuple[Completion, int, float, float]:
            i, k = job
            start = time.perf_counter()
            data = self._request(
                prompts[i],
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                stop=list(params.stop) or None,
                seed=None if params.seed is None else params.seed + k,
            )
            end = time.perf_counter()
            try:
                choice = data["choices"][0]
                text = choice["message"]["content"] if is_chat(prompts[i]) else choice["text"]
                usage = data.get("usage") or {}
                finish = "length" if choice.get("finish_reason") == "length" else "stop"
                done = Completion(str(text or ""), finish, int(usage.get("completion_tokens") or 0))
                prompt_tokens = int(usage.get("prompt_tokens") or 0)
            except (KeyError, IndexError, TypeError, ValueError, AttributeError):
                raise ServerError(
                    200, f"unexpected response shape: {str(data)[:200]}", self.base_url
                ) from None
            return done, prompt_tokens, start, end

        call_start = time.perf_counter()
        results = self._map_concurrent(run, jobs, self.max_concurrency)
        wall = time.perf_counter() - call_start
        responses = []
        for i in range(len(prompts)):
            mine = results[i * params.n : (i + 1) * params.n]
            # wall time of this prompt's requests, which ran concurrently: not the sum of their durations
            latency = max(r[3] for r in mine) - min(r[2] for r in mine)
            usage = Usage(
                mine[0][1],
                sum(r[0].completion_tokens for r in mine),
                calls=len(mine),
                seconds=wall / len(prompts),
            )
            responses.append(Response([r[0] for r in mine], usage, latency))
        return responses

    def _score(self, prompt: Prompt, choices: tuple[str, ...]) -> list[float]:
        if is_chat(prompt):
            data = self._request(
                prompt, max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=self.top_logprobs
            )
        else:
            data = self._request(prompt, max_tokens=1, temperature=0.0, logprobs=self.top_logprobs)
        try:
            lp = data["choices"][0]["logprobs"]
            if is_chat(prompt):
                top = {e["token"]: e["logprob"] for e in lp["content"][0]["top_logprobs"]}
            else:
                top = dict(lp["top_logprobs"][0])
        except (KeyError, IndexError, TypeError):
            raise ServerError(
                200, "no logprobs in the response; enable them on the server", self.base_url
            ) from None
        scores = []
        for c in choices:
            exact = top.get(c)
            loose = [v for t, v in top.items() if t.strip() == c.strip()]
            scores.append(exact if exact is not None else max(loose, default=float("-inf")))
        return scores

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:  # never shows headers (the key)
        return f"OpenAICompatLLM({self.model_name!r} at {self.base_url!r})"


def _error_message(r: Any) -> str:
    try:
        data = r.json()
        err = data.get("error", data) if isinstance(data, dict) else data
        return str(err.get("message", err) if isinstance(err, dict) else err)
    except ValueError:
        return r.text
