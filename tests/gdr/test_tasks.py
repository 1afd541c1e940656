"""Each refinement task's own behaviour, without a model: what it prepares, asks, verifies, falls back to,
and refuses in copied fields."""

import pytest

from openended.gdr.config import GDRConfig
from openended.gdr.io import Row
from openended.gdr.tasks import Anonymize, Detoxify, Item, make_task
from openended.gdr.verifiers import PIIVerifier, SimilarityVerifier, ToxicityVerifier, Verdict
from tests.conftest import need


def item(text: str) -> Item:
    return Item(Row("r1", {"text": text}), "text", text)


def test_anonymize_prepares_surrogates_prompts_with_them_and_redacts_with_them():
    task = make_task(GDRConfig(task="anonymize", use_presidio=False, min_similarity=0.0), "k" * 32)
    assert isinstance(task, Anonymize)
    it = item("Write to alice.doe@example.com or call 415-555-0132.")
    task.prepare(it)
    assert {f.kind for f in it.findings} == {"EMAIL", "PHONE"}
    fake_mail = it.replacements["alice.doe@example.com"]
    assert fake_mail != "alice.doe@example.com" and "@" in fake_mail
    prompt = task.prompt(it)[-1]["content"]
    assert f"alice.doe@example.com -> {fake_mail}" in prompt and "rejected" not in prompt
    redacted = task.redact(it)
    assert "alice.doe" not in redacted and fake_mail in redacted and redacted.startswith("Write to ")
    it.verdicts = [Verdict("pii", False, feedback="EMAIL 'x' left")]
    assert "A previous attempt was rejected. EMAIL 'x' left" in task.prompt(it)[-1]["content"]
    assert [type(v) for v in task.verifiers()] == [PIIVerifier]
    assert task.copied_kinds(["reach me at bob@x.org", "no pii"]) == ["EMAIL"]
    assert task.copied_kinds(["Jane Smith from Paris"]) == []  # names are not patterns: not checked


def test_shots_and_the_shared_verifiers_follow_the_config():
    zero = make_task(GDRConfig(task="anonymize", use_presidio=False, shots=0, min_similarity=0.5), "k" * 32)
    it = item("plain text")
    zero.prepare(it)
    assert [m["role"] for m in zero.prompt(it)] == ["system", "user"]  # no worked examples
    full = make_task(GDRConfig(task="anonymize", use_presidio=False), "k" * 32)
    assert len(full.prompt(it)) > 2
    assert [type(v) for v in zero.verifiers()] == [PIIVerifier, SimilarityVerifier]


def test_detoxify_verifies_toxicity_and_its_fallback_drops_toxic_sentences():
    need("profanity_check")
    task = make_task(GDRConfig(task="detoxify", min_similarity=0.0, toxicity_threshold=0.5), "unused")
    assert isinstance(task, Detoxify)
    assert [type(v) for v in task.verifiers()] == [ToxicityVerifier]
    it = item("The bridge opened in 1937. You are a stupid idiot and a moron.")
    task.prepare(it)  # nothing to prepare
    assert it.findings == [] and it.replacements == {}
    assert task.redact(it) == "The bridge opened in 1937."
    assert task.copied_kinds(["you stupid moron"]) == ["toxic"] and task.copied_kinds(["hello"]) == []


def test_an_unknown_task_is_refused_by_the_config():
    with pytest.raises(ValueError, match="task"):
        GDRConfig(task="summarize")  # type: ignore[arg-type]
