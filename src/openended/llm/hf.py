"""The transformers backend: local checkpoints on CPU or GPU, batched; and GGUF -> trainable checkpoint.

transformers loads a GGUF by dequantizing it but flags the result as not trainable and not serializable.
:func:`convert_gguf` rebuilds a plain model from the same config and weights and saves it, once, so ExIt and
GDR can fine-tune the embedded model.

Sampling: ``seed`` seeds torch once per batch, so with a seed a batch is repeatable but a prompt's samples
depend on the batch it is in (unlike llama.cpp and OpenAI-compatible servers, which seed per request).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from openended.llm.base import LLM, LLMError, plain_transcript, truncate_at_stop, turn_stops
from openended.llm.types import Completion, Prompt, Response, SamplingParams, Usage, is_chat


def _require() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError:
        raise LLMError(
            "the transformers backend needs torch and transformers: pip install 'openended[llm]'"
        ) from None
    return torch, transformers


def convert_gguf(gguf_path: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """Save a GGUF model as a plain (trainable) transformers checkpoint with its tokenizer."""
    torch, transformers = _require()
    gguf_path, out = Path(gguf_path), Path(out_dir)
    kwargs = {"gguf_file": gguf_path.name, "local_files_only": True}
    tokenizer = transformers.AutoTokenizer.from_pretrained(gguf_path.parent, **kwargs)
    loaded = transformers.AutoModelForCausalLM.from_pretrained(
        gguf_path.parent, dtype=torch.float32, **kwargs
    )
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = plain.load_state_dict(loaded.state_dict(), strict=False)
    tied = {k for k in missing if "lm_head" in k} if getattr(config, "tie_word_embeddings", False) else set()
    if set(missing) - tied or unexpected:
        raise LLMError(f"GGUF conversion mismatch: missing {missing[:3]}, unexpected {unexpected[:3]}")
    if tied:
        plain.tie_weights()
    plain.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class TransformersLLM(LLM):
    def __init__(
        self,
        spec: str,
        path: str | os.PathLike,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = 8,
        threads: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(spec, **kwargs)
        torch, transformers = _require()
        self._torch = torch
        path = Path(path)
        if not (path / "config.json").is_file():
            raise LLMError(f"no transformers checkpoint at {path} (expected {path / 'config.json'})")
        if threads:
            torch.set_num_threads(threads)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        default_dtype = "bfloat16" if self.device.startswith("cuda") else "float32"
        self.dtype = getattr(torch, dtype or default_dtype)
        self.batch_size = batch_size
        self.path = path
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = transformers.AutoModelForCausalLM.from_pretrained(
            path, dtype=self.dtype, local_files_only=True
        )
        self.model.to(self.device).eval()

    @property
    def fingerprint(self) -> str:
        return f"{self.spec}|{self.path.resolve()}|{self.dtype}"

    def render(self, prompt: Prompt) -> str:
        if not is_chat(prompt):
            return prompt  # type: ignore[return-value]
        if self.tokenizer.chat_template is None:
            return plain_transcript(prompt)  # type: ignore[arg-type]
        return self.tokenizer.apply_chat_template(list(prompt), tokenize=False, add_generation_prompt=True)

    def _ids(self, prompt: Prompt) -> list[int]:
        # A rendered chat already holds its special tokens; a raw prompt gets the tokenizer's (e.g. BOS).
        return self.tokenizer(self.render(prompt), add_special_tokens=not is_chat(prompt)).input_ids

    def _pad(self, rows: list[list[int]], left: bool) -> tuple[Any, Any]:
        torch = self._torch
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            sl = slice(width - len(r), width) if left else slice(0, len(r))
            ids[i, sl] = torch.tensor(r)
            mask[i, sl] = 1
        return ids.to(self.device), mask.to(self.device)

    def _generate(self, prompts: list[Prompt], params: SamplingParams) -> list[Response]:
        torch = self._torch
        rows = [self._ids(p) for p in prompts]
        ids, mask = self._pad(rows, left=True)
        if params.seed is not None:
            torch.manual_seed(params.seed)
        sampling: dict[str, Any] = {"do_sample": False}
        if params.temperature > 0:
            sampling = {
                "do_sample": True,
                "temperature": params.temperature,
                "top_p": params.top_p,
                "top_k": 0,
            }
        templated = self.tokenizer.chat_template is not None
        stops = [turn_stops(p, params.stop, templated) for p in prompts]
        # generation stops on the strings every row shares; each row is then cut at its own
        shared = [s for s in stops[0] if all(s in row for row in stops[1:])]
        start = time.perf_counter()
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=ids,
                attention_mask=mask,
                max_new_tokens=params.max_tokens,
                num_return_sequences=params.n,
                pad_token_id=self.tokenizer.pad_token_id,
                stop_strings=shared or None,
                tokenizer=self.tokenizer,
                **sampling,
            )
        latency = time.perf_counter() - start
        new = out[:, ids.shape[1] :].tolist()
        eos = {
            self.tokenizer.eos_token_id,
            *_as_list(getattr(self.model.generation_config, "eos_token_id", None)),
        }
        responses = []
        for i, row in enumerate(rows):
            completions = []
            for seq in new[i * params.n : (i + 1) * params.n]:
                end = next((k for k, t in enumerate(seq) if t in eos), None)
                kept = seq if end is None else seq[:end]
                text, stopped = truncate_at_stop(
                    self.tokenizer.decode(kept, skip_special_tokens=True), stops[i]
                )
                finish = "stop" if end is not None or stopped else "length"
                completions.append(Completion(text, finish, len(kept) + (end is not None)))
            # the batch ran as one: each prompt waited the whole call, and owns an equal share of its time
            usage = Usage(
                len(row),
                sum(c.completion_tokens for c in completions),
                calls=1,
                seconds=latency / len(rows),
            )
            responses.append(Response(completions, usage, latency))
        return responses

    def _score(self, prompt: Prompt, choices: tuple[str, ...]) -> list[float]:
        torch = self._torch
        prefix = self._ids(prompt)
        conts = [self.tokenizer(c, add_special_tokens=False).input_ids for c in choices]
        ids, mask = self._pad([prefix + c for c in conts], left=False)
        with torch.inference_mode():
            logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
        logprobs = torch.log_softmax(logits, dim=-1)
        scores = []
        for i, c in enumerate(conts):
            positions = torch.arange(len(prefix) - 1, len(prefix) - 1 + len(c), device=logprobs.device)
            scores.append(float(logprobs[i, positions, torch.tensor(c, device=logprobs.device)].sum()))
        return scores

    def close(self) -> None:
        self.model = None
