"""The on-disk response cache, alone and behind a model."""

from openended.llm.cache import ResponseCache
from openended.llm.scripted import ScriptedLLM


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


def test_get_put_count_hits_and_persist(tmp_path):
    path = tmp_path / "nested" / "dir" / "c.sqlite"  # parent folders are created
    cache = ResponseCache(path)
    assert cache.get("k") is None and (cache.hits, cache.misses) == (0, 1)
    cache.put("k", {"v": [1, "x"]})
    cache.put("k", {"v": 2})  # the same key replaces
    assert cache.get("k") == {"v": 2} and (cache.hits, cache.misses) == (1, 1)
    cache.put("other", {})
    assert len(cache) == 2
    cache.close()
    again = ResponseCache(path)
    assert len(again) == 2 and again.get("k") == {"v": 2} and again.get("other") == {}
