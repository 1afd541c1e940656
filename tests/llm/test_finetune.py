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
