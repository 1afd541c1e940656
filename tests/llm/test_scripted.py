"""The deterministic scripted backend: canned answers, stop strings, token limits, echo."""

import pytest

from openended.llm import load
from openended.llm.scripted import ScriptedLLM


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


def test_canned_answers_cycle_and_scores_default_to_uniform():
    model = ScriptedLLM(respond=["first", "second"])
    assert [model.complete("p").text for _ in range(3)] == ["first", "second", "first"]
    assert model.score("q", ["A", "B", "C", "D"]).probs == pytest.approx((0.25, 0.25, 0.25, 0.25))
    assert model.calls == ["p", "p", "p", "q"]


def test_a_respond_function_sees_chats_as_a_plain_transcript():
    model = ScriptedLLM(respond=lambda text, i: text)
    assert model.complete([{"role": "user", "content": "hi"}]).text == "User: hi\n\nAssistant:"
    # echo without a user message has nothing to repeat
    assert load("scripted:echo").complete([{"role": "system", "content": "s"}]).text == ""
