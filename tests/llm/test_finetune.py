"""Fine-tuning data and checkpoints (the training itself runs on the real model in
tests/rainbow_teaming/test_real_model.py)."""

import json

import pytest

from openended.llm import LLMError
from openended.llm.finetune import Example, read_pairs, resolve_checkpoint


def test_read_pairs_accepts_chats_and_plain_prompts(tmp_path):
    chat = [{"role": "system", "content": "s"}, {"role": "user", "content": "q1"}]
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        json.dumps({"messages": chat, "answer": "a1"})
        + "\n\n"
        + json.dumps({"prompt": "q2", "answer": 7})
        + "\n"
    )
    assert read_pairs(path) == [Example(chat, "a1"), Example([{"role": "user", "content": "q2"}], "7")]


def test_read_pairs_names_the_bad_line_and_rejects_an_empty_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "q", "answer": "a"}\n{"prompt": "no answer"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not a fine-tuning example"):
        read_pairs(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="holds no examples"):
        read_pairs(empty)


def test_resolve_checkpoint_needs_a_transformers_config(tmp_path):
    with pytest.raises(LLMError, match="needs a transformers checkpoint"):
        resolve_checkpoint(f"hf:{tmp_path}")
    (tmp_path / "config.json").write_text("{}")
    assert resolve_checkpoint(f"hf:{tmp_path}") == tmp_path
    assert resolve_checkpoint(str(tmp_path)) == tmp_path


def _tiny_chat_model(path):
    """A 2-layer Llama with random weights and the embedded SmolLM2 tokenizer (its chat template)."""
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    from tests.conftest import need

    need("gguf")
    from openended.llm import models

    tokenizer = transformers.AutoTokenizer.from_pretrained(models.checkpoint("smollm2-135m"))
    cfg = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256, tie_word_embeddings=True,
    )  # fmt: skip
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(cfg).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_lora_trains_only_adapters_and_saves_a_merged_plain_checkpoint(tmp_path):
    pytest.importorskip("peft")
    import torch
    from safetensors.torch import load_file

    from openended.llm.finetune import sft

    base = _tiny_chat_model(tmp_path / "base")
    examples = [
        Example([{"role": "user", "content": f"question {i}"}], "I can't help with that.") for i in range(4)
    ]
    summary = sft(f"hf:{base}", examples, tmp_path / "tuned", epochs=2, lr=1e-2, batch_size=2, lora_rank=4)
    before, after = load_file(base / "model.safetensors"), load_file(tmp_path / "tuned" / "model.safetensors")
    total = sum(t.numel() for t in before.values())
    assert summary["lora_rank"] == 4 and summary["lora_alpha"] == 8
    assert 0 < summary["trainable_parameters"] < 0.1 * total  # adapters only
    assert summary["last_loss"] < summary["first_loss"]
    assert set(after) == set(before)  # merged: no adapter tensors, loads without peft
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.endswith("proj.weight") for k in changed)  # embeddings and norms untouched
    assert any("mlp" in k for k in changed) and any("self_attn" in k for k in changed)


def test_full_fine_tuning_is_the_default(tmp_path):
    from safetensors.torch import load_file

    from openended.llm.finetune import sft

    base = _tiny_chat_model(tmp_path / "base")
    examples = [Example([{"role": "user", "content": "hi"}], "hello")] * 2
    summary = sft(f"hf:{base}", examples, tmp_path / "tuned", epochs=1, lr=1e-2, batch_size=2)
    assert summary["lora_rank"] == 0 and "lora_alpha" not in summary
    before, after = load_file(base / "model.safetensors"), load_file(tmp_path / "tuned" / "model.safetensors")
    assert summary["trainable_parameters"] == sum(t.numel() for t in before.values())
    assert not all(before[k].equal(after[k]) for k in before if "norm" in k)  # norms train too


def test_bad_lora_settings_fail_before_the_model_loads(tmp_path, monkeypatch):
    import importlib.util

    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from openended.llm.finetune import sft

    examples = [Example([{"role": "user", "content": "hi"}], "hello")]
    missing = f"hf:{tmp_path / 'no-such-model'}"  # loading it would be a different error
    with pytest.raises(ValueError, match="lora_rank must be 0"):  # once silently full fine-tuning
        sft(missing, examples, tmp_path / "out", lora_rank=-1)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "peft" else real(name, *a)
    )
    with pytest.raises(LLMError, match="needs peft"):
        sft(missing, examples, tmp_path / "out", lora_rank=4)
    with pytest.raises(LLMError, match="needs a transformers checkpoint"):  # full fine-tuning needs no peft
        sft(missing, examples, tmp_path / "out", lora_rank=0)
