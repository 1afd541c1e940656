"""The LLM base class (batching, usage accounting, concurrency), driven by the scripted backend."""

import pytest

from openended.llm import SamplingParams
from openended.llm.base import plain_transcript, truncate_at_stop
from openended.llm.cache import ResponseCache
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


def test_map_concurrent_keeps_order():
    assert ScriptedLLM._map_concurrent(lambda x: x * x, list(range(20)), 4) == [x * x for x in range(20)]


def test_truncate_at_stop_cuts_at_the_earliest_stop_string():
    assert truncate_at_stop("one. two! three", ("!", ".")) == ("one", True)
    assert truncate_at_stop("stop at the start", ("stop",)) == ("", True)
    assert truncate_at_stop("one. two", ("?",)) == ("one. two", False)
    assert truncate_at_stop("one. two", ("",)) == ("one. two", False)  # an empty stop string never matches


def test_plain_transcript_ends_with_an_open_assistant_turn():
    chat = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Bye"},
    ]
    assert (
        plain_transcript(chat)
        == "System: Be brief.\n\nUser: Hi\n\nAssistant: Hello\n\nUser: Bye\n\nAssistant:"
    )


def test_overrides_replace_fields_of_the_given_params():
    model = ScriptedLLM(respond=["a b c d"])
    r = model.complete("x", SamplingParams(max_tokens=1, n=2), max_tokens=3)
    assert r.texts == ["a b c", "a b c"] and r.completions[0].finish_reason == "length"


def test_score_choices_need_two_distinct_non_empty_choices():
    model = ScriptedLLM()
    for bad in (["A"], ["A", "A"], ["A", ""]):
        with pytest.raises(ValueError, match="distinct non-empty"):
            model.score("q", bad)
    assert model.calls == []  # rejected before the backend is asked


def test_replayed_responses_count_as_cached_calls_with_their_tokens(tmp_path):
    model = ScriptedLLM(respond=lambda text, i: "one two three", cache=ResponseCache(tmp_path / "c.sqlite"))
    model.generate(["a", "b"], temperature=0.0)
    model.generate(["a"], temperature=0.0)
    assert len(model.calls) == 2
    assert model.usage.calls == 3 and model.usage.cached_calls == 1
    assert model.usage.completion_tokens == 9  # 3 tokens per response, replayed or not
