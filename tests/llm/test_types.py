"""Value types of the LLM interface."""

import json
import math

import pytest

from openended.core.config import ConfigError
from openended.llm import ChoiceScores, Completion, Response, SamplingParams, Usage
from openended.llm.types import check_prompt, without_surrogates


def test_sampling_params_validate():
    with pytest.raises(ConfigError, match="temperature"):
        SamplingParams(temperature=-0.1)
    with pytest.raises(ConfigError, match="top_p"):
        SamplingParams(top_p=0.0)
    assert SamplingParams(stop=("\n",), n=3).replace(seed=1).seed == 1


def test_prompt_checks():
    assert check_prompt("hi") == "hi"
    for bad in ([], [{"role": "user"}], [{"role": "robot", "content": "x"}], 3):
        with pytest.raises(TypeError):
            check_prompt(bad)


def test_choice_scores_normalize_over_the_choices():
    s = ChoiceScores(("A", "B", "C"), (math.log(0.2), math.log(0.6), -math.inf))
    assert (
        s.probs == pytest.approx((0.25, 0.75, 0.0)) and s.best == "B" and s.prob("A") == pytest.approx(0.25)
    )
    with pytest.raises(ValueError, match="finite"):
        ChoiceScores(("A", "B"), (-math.inf, -math.inf))


def test_usage_adds_up_and_rates_tokens():
    u = Usage(1, 2, calls=1, cached_calls=0, seconds=0.5)
    u.add(Usage(3, 4, calls=1, cached_calls=1, seconds=1.5))
    assert (u.prompt_tokens, u.completion_tokens, u.calls, u.cached_calls, u.seconds) == (4, 6, 2, 1, 2.0)
    assert u.tokens_per_second == 3.0
    assert math.isnan(Usage().tokens_per_second)


def test_response_round_trip_and_cached_replay():
    usage = Usage(5, 3, calls=1, seconds=0.25)
    r = Response([Completion("a b", "stop", 2), Completion("c", "length", 1)], usage, 0.25)
    d = json.loads(json.dumps(r.to_dict()))
    back = Response.from_dict(d)
    assert back.texts == ["a b", "c"] and back.completions[1].finish_reason == "length"
    assert (back.usage.prompt_tokens, back.usage.completion_tokens, back.latency_s) == (5, 3, 0.25)
    assert not back.cached and back.usage.cached_calls == 0
    replay = Response.from_dict(d, cached=True)
    assert replay.cached and replay.latency_s == 0.0 and replay.usage.seconds == 0.0
    assert replay.usage.calls == 1 and replay.usage.cached_calls == 1


def test_lone_surrogates_become_replacement_characters():
    assert without_surrogates("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert Completion("x\udc00", "stop", 1).text == "x\ufffd"
    assert Completion("naïve 😀", "stop", 2).text == "naïve 😀"  # real characters are kept
