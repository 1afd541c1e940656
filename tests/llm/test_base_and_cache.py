"""Logic around the model (batching, cache, usage, judge), driven by the deterministic scripted backend."""

import pytest

from openended.llm import load
from openended.llm.cache import ResponseCache
from openended.llm.judge import pairwise_preference
from openended.llm.scripted import ScriptedLLM


def test_generate_keeps_order_across_batches_and_counts_usage():
    model = ScriptedLLM(respond=lambda text, i: f"{text}#{i}")
    model.batch_size = 3
    prompts = [f"p{i}" for i in range(7)]
    out = model.generate(prompts, n=2, max_tokens=5)
    assert [r.texts for r in out] == [[f"p{i}#0", f"p{i}#1"] for i in range(7)]
    assert model.usage.calls == 7 and model.usage.completion_tokens == 14
    with pytest.raises(TypeError):
        model.generate("one prompt, not a list")


def test_stop_and_max_tokens():
    model = ScriptedLLM(respond=["alpha beta. gamma delta"])
    r = model.complete("x", stop=(".",))
    assert r.text == "alpha beta" and r.completions[0].finish_reason == "stop"
    r = model.complete("x", max_tokens=2)
    assert r.text == "alpha beta." and r.completions[0].finish_reason == "length"


def test_echo_spec_and_chat():
    model = load("scripted:echo")
    chat = [{"role": "system", "content": "s"}, {"role": "user", "content": "hello there"}]
    assert model.complete(chat).text == "hello there"


def test_cache_replays_without_calling_the_backend(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    model = ScriptedLLM(respond=lambda text, i: f"{text}!", cache=cache)
    first = model.generate(["a", "b"], temperature=0.0)
    assert len(model.calls) == 2 and not any(r.cached for r in first)
    again = model.generate(["b", "a", "c"], temperature=0.0)
    assert [r.text for r in again] == ["b!", "a!", "c!"]
    assert [r.cached for r in again] == [True, True, False] and len(model.calls) == 3
    model.generate(["a"], temperature=0.5)  # other parameters: a miss
    assert len(model.calls) == 4
    # A new process (new model object, same file) replays too; another model does not share entries.
    replay = ScriptedLLM(respond=lambda text, i: "different", cache=ResponseCache(tmp_path / "c.sqlite"))
    assert replay.complete("a", temperature=0.0).text == "a!" and replay.calls == []
    other = ScriptedLLM(spec="scripted-2", respond=lambda text, i: "other", cache=cache)
    assert other.complete("a", temperature=0.0).text == "other"
    scored = ScriptedLLM(score=lambda text, ch: [0.0, -1.0], cache=cache)
    s1 = scored.score("q", ["A", "B"])
    s2 = scored.score("q", ["A", "B"])
    assert s1.logprobs == s2.logprobs and len(scored.calls) == 1


def test_pairwise_judge_cancels_position_bias_and_swaps_exactly():
    # A judge that likes longer answers but is biased towards whatever is shown first.
    def score(text, choices):
        first = text.split("A: ")[1].split("\n")[0]
        second = text.split("B: ")[1].split("\n")[0]
        return [len(first) / 10 + 0.7, len(second) / 10]

    judge = ScriptedLLM(score=score)

    def prompt(x, y):
        return f"Which is longer?\nA: {x}\nB: {y}\n"

    p_long, p_short = pairwise_preference(judge, prompt, "a much longer answer", "short")
    assert p_long > 0.5 > p_short and p_long + p_short == pytest.approx(1.0)
    assert pairwise_preference(judge, prompt, "short", "a much longer answer") == (p_short, p_long)
    tie = pairwise_preference(judge, prompt, "same", "same")
    assert tie[0] == tie[1] == pytest.approx(0.5)


def test_map_concurrent_keeps_order():
    assert ScriptedLLM._map_concurrent(lambda x: x * x, list(range(20)), 4) == [x * x for x in range(20)]
