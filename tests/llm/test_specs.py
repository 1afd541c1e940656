"""Model specs: parsing, loading and the errors that say what to do."""

import pytest

from openended.llm import LLMError, load, load_shared
from openended.llm.cache import ResponseCache
from openended.llm.specs import parse


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


def test_option_values_are_typed():
    options = parse("scripted:echo?a=3&b=2.5&c=true&d=False&e=cpu&f=")[2]
    assert options == {"a": 3, "b": 2.5, "c": True, "d": False, "e": "cpu", "f": ""}
    assert type(options["a"]) is int


def test_load_shared_loads_each_distinct_spec_once_with_one_cache(tmp_path):
    models = load_shared(["scripted:echo", "", "scripted:echo"], cache=tmp_path / "c.sqlite")
    assert list(models) == ["scripted:echo"]
    model = models["scripted:echo"]
    assert isinstance(model.cache, ResponseCache) and model.cache.path == tmp_path / "c.sqlite"
    assert model.complete("hi", temperature=0.0).text == "hi"
    assert load("scripted:echo", cache=tmp_path / "c.sqlite").complete("hi", temperature=0.0).cached
