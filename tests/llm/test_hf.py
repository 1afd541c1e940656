"""The transformers backend on the embedded model converted to a trainable checkpoint."""

import pytest

from tests.conftest import need


@pytest.fixture(scope="module")
def hf_model():
    need("transformers")
    need("gguf")
    from openended.llm import load

    model = load("hf:smollm2-135m?threads=2")
    yield model
    model.close()


def test_converted_checkpoint_is_plain_and_trainable(hf_model):
    torch = need("torch")
    from openended.llm.models import embedded_checkpoint

    path = embedded_checkpoint("smollm2-135m")
    assert (path / "model.safetensors").is_file() and (path / "tokenizer.json").is_file()
    assert "quantization_config" not in (path / "config.json").read_text()
    import transformers

    model = transformers.AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    model.train()
    batch = hf_model.tokenizer(["The capital of France is Paris."], return_tensors="pt")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(3):
        loss = model(**batch, labels=batch["input_ids"]).loss
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    assert losses[-1] < losses[0]


def test_batched_generation_with_stop_and_samples(hf_model):
    chat = [{"role": "user", "content": "Name a colour."}]
    out = hf_model.generate(["The capital of France is", chat], temperature=0.0, max_tokens=12)
    assert "Paris" in out[0].text and out[1].text.strip()
    assert out[1].usage.prompt_tokens > 20  # chat template applied
    r = hf_model.complete("List: 1, 2, 3,", temperature=0.0, max_tokens=30, stop=(",",))
    assert "," not in r.text and r.completions[0].finish_reason == "stop"
    s = hf_model.complete("Once upon a time", temperature=1.0, seed=3, n=3, max_tokens=8)
    assert (
        len(s.completions) == 3
        and s.texts == hf_model.complete("Once upon a time", temperature=1.0, seed=3, n=3, max_tokens=8).texts
    )


def test_choice_scores_agree_with_llamacpp(hf_model, smollm2):
    prompt = [{"role": "user", "content": "Is fire hot? Answer Yes or No."}]
    hf = hf_model.score(prompt, ["Yes", "No", "Maybe not"])
    assert sum(hf.probs) == pytest.approx(1.0)
    # Same weights (dequantized GGUF) on another engine: close, not bit-identical.
    assert hf.logprobs[:2] == pytest.approx(smollm2.score(prompt, ["Yes", "No"]).logprobs, abs=0.15)
