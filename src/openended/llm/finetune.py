"""Supervised fine-tuning of a local causal LM on (chat prompt, answer) pairs, with transformers.

Used for Rainbow Teaming's safety tuning (adversarial prompt -> refusal) and GDR's distillation (document ->
verified rewrite). The loss covers the answer tokens only: prompt tokens are masked (label -100), so the model
learns what to answer, not to reproduce the prompts. The base is a model spec of the transformers backend
(``hf:smollm2-135m`` converts the embedded GGUF once) or a checkpoint folder; the result is a checkpoint
folder that ``hf:PATH`` loads.

``lora_rank > 0`` trains low-rank adapters on every attention and MLP projection instead of the full weights
(peft), and merges them into the saved checkpoint, so it loads like any other. Adapters learn less and forget
less than full fine-tuning (Biderman et al. 2024, "LoRA Learns Less and Forgets Less"): the option exists for
tuning that must keep the base model's capabilities.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openended.core.errors import UserError
from openended.llm.base import LLMError
from openended.llm.types import Message


@dataclass(frozen=True)
class Example:
    prompt: list[Message]
    answer: str


def resolve_checkpoint(base: str) -> Path:
    """A checkpoint folder from ``hf:NAME_OR_PATH`` or a plain path."""
    from openended.llm import models

    path = models.checkpoint(base.removeprefix("hf:"))
    if not (path / "config.json").is_file():
        raise LLMError(
            f"fine-tuning needs a transformers checkpoint (hf:smollm2-135m or a folder), got {base!r}"
        )
    return path


class PairsError(UserError, ValueError):
    """A fine-tuning data file that cannot be read: the message names the file and line."""


def read_pairs(path: str | os.PathLike) -> list[Example]:
    """Examples from JSONL rows with ``answer`` and either ``messages`` (a chat) or ``prompt`` (text)."""
    out = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PairsError(f"{path}: cannot read fine-tuning data ({err})") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            prompt = row["messages"] if "messages" in row else [{"role": "user", "content": row["prompt"]}]
            out.append(Example(list(prompt), str(row["answer"])))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise PairsError(f"{path}:{n}: not a fine-tuning example ({err})") from None
    if not out:
        raise PairsError(f"{path} holds no examples")
    return out


def _encode(tokenizer: Any, ex: Example) -> tuple[list[int], list[int]]:
    prompt_ids = tokenizer.apply_chat_template(ex.prompt, add_generation_prompt=True, tokenize=True)
    if hasattr(prompt_ids, "input_ids"):  # BatchEncoding in newer transformers
        prompt_ids = prompt_ids["input_ids"]
    answer_ids = tokenizer(ex.answer + (tokenizer.eos_token or ""), add_special_tokens=False)["input_ids"]
    return list(prompt_ids) + list(answer_ids), [-100] * len(prompt_ids) + list(answer_ids)


def sft(
    base: str,
    examples: Sequence[Example],
    out_dir: str | os.PathLike,
    *,
    epochs: int = 3,
    lr: float = 2e-5,
    batch_size: int = 8,
    max_length: int | None = None,
    seed: int = 0,
    device: str | None = None,
    threads: int | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    lora_rank: int = 0,
    lora_alpha: int | None = None,
) -> dict[str, Any]:
    """Fine-tune ``base`` on ``examples``; saves model and tokenizer to ``out_dir`` and returns the losses.

    Examples are never truncated: cutting a long prompt would leave no answer tokens to learn from (the
    loss becomes NaN and nothing is learned). An example longer than ``max_length`` tokens (default: no
    limit) is an error naming it; a NaN loss stops the training."""
    try:
        import torch
        import transformers
    except ImportError:
        raise LLMError("fine-tuning needs torch and transformers: pip install 'openended[llm]'") from None
    if not examples:
        raise ValueError("no examples to fine-tune on")
    if lora_rank < 0:
        raise ValueError(f"lora_rank must be 0 (full fine-tuning) or positive, got {lora_rank}")
    if lora_rank > 0:
        require_peft()  # before the model loads, not after it
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    path = resolve_checkpoint(base)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    if tokenizer.chat_template is None:
        raise LLMError(f"{path} has no chat template; fine-tune a chat model")
    model = transformers.AutoModelForCausalLM.from_pretrained(
        path, dtype=torch.float32, local_files_only=True
    )
    model = model.to(device)  # type: ignore[arg-type]
    alpha = lora_alpha if lora_alpha is not None else 2 * lora_rank  # peft's usual alpha = 2 r
    if lora_rank > 0:
        model = _with_lora(model, lora_rank, alpha)
    model.train()
    encoded = [_encode(tokenizer, ex) for ex in examples]
    if max_length is not None:
        for n, (tokens, _) in enumerate(encoded):
            if len(tokens) > max_length:
                raise ValueError(
                    f"example {n} has {len(tokens)} tokens (prompt + answer), over max_length={max_length}: "
                    "raise max_length or shorten the prompts"
                )
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.0)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    order = list(range(len(encoded)))
    rng = random.Random(seed)
    steps_per_epoch = math.ceil(len(encoded) / batch_size)
    total = epochs * steps_per_epoch
    losses: list[float] = []
    start = time.perf_counter()
    for _epoch in range(epochs):
        rng.shuffle(order)
        for b in range(steps_per_epoch):
            batch = [encoded[i] for i in order[b * batch_size : (b + 1) * batch_size]]
            width = max(len(ids) for ids, _ in batch)
            ids = torch.tensor([x + [pad] * (width - len(x)) for x, _ in batch], device=device)
            labels = torch.tensor([y + [-100] * (width - len(y)) for _, y in batch], device=device)
            mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x, _ in batch], device=device)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            if not torch.isfinite(loss):
                raise LLMError(f"fine-tuning loss is {float(loss)} at step {len(losses) + 1}; stopped")
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            losses.append(float(loss.detach()))
            if progress is not None:
                progress(len(losses), total, losses[-1])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if lora_rank > 0:
        model = model.merge_and_unload()  # a plain checkpoint: hf:PATH loads it without peft
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    summary = {
        "base": base,
        "examples": len(encoded),
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "lora_rank": lora_rank,
        **({"lora_alpha": alpha} if lora_rank else {}),
        "trainable_parameters": sum(p.numel() for p in trainable),
        "steps": len(losses),
        "first_loss": losses[0],
        "last_loss": losses[-1],
        "losses": losses,
        "seconds": round(time.perf_counter() - start, 1),
        "device": device,
    }
    (out / "finetune.json").write_text(json.dumps(summary, indent=1))
    return summary


LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def require_peft() -> None:
    """Raise the one-line error for a missing peft: callers check before spending time on anything else."""
    import importlib.util

    if importlib.util.find_spec("peft") is None:
        raise LLMError("LoRA fine-tuning needs peft: pip install 'openended[llm]'")


def _with_lora(model: Any, rank: int, alpha: int) -> Any:
    """``model`` with LoRA adapters on every attention and MLP projection (the base weights frozen).

    ``sft`` has checked for peft before loading the model."""
    from peft import LoraConfig, get_peft_model

    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    targets = [t for t in LORA_TARGETS if t in present]
    if not targets:
        raise LLMError(f"no projection layers named {', '.join(LORA_TARGETS)} in this model for LoRA")
    cfg = LoraConfig(
        r=rank, lora_alpha=alpha, lora_dropout=0.0, target_modules=targets, task_type="CAUSAL_LM"
    )
    return get_peft_model(model, cfg)
