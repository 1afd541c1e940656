"""Verifiers one by one: what passes, what fails, and that summaries never carry row text."""

from openended.gdr.detectors import detect
from openended.gdr.verifiers import LLMJudgeVerifier, PIIVerifier, SimilarityVerifier, split_sentences
from openended.llm.scripted import ScriptedLLM


def test_pii_verifier_catches_original_values_and_what_the_detectors_find_later():
    original = "Mail alice.doe@example.com, card 4111 1111 1111 1111."
    findings = detect(original, use_presidio=False)
    pii = PIIVerifier(use_presidio=False)
    assert pii(original, "Mail x@y.org, card 4000 0000 0000 0002.", findings).passed
    kept = pii(original, "Mail ALICE.DOE@example.com, card removed.", findings)  # case-insensitive
    assert not kept.passed and "EMAIL" in kept.summary and "alice" not in kept.summary.lower()
    assert "alice.doe@example.com" in kept.feedback.lower()  # the rewriter may see it; logs may not
    # a value the detectors missed in the original but find in the rewrite, present in both: a leak
    missed = pii(original, "Mail alice.doe@example.com again.", [])
    assert not missed.passed


def test_similarity_verifier_rejects_empty_and_unrelated_rewrites():
    sim = SimilarityVerifier(0.5)
    text = "The council spent two million on roads last year."
    assert sim(text, "Last year the council spent two million on roads.", []).passed
    assert not sim(text, "", []).passed
    assert not sim(text, "Bananas are yellow and grow in bunches.", []).passed


def test_llm_judge_fails_when_the_model_says_yes():
    says_yes = ScriptedLLM("scripted:judge", score=lambda t, c: [0.0, -5.0])
    says_no = ScriptedLLM("scripted:judge", score=lambda t, c: [-5.0, 0.0])
    assert not LLMJudgeVerifier(says_yes, "Is it rude?")("x", "y", []).passed
    assert LLMJudgeVerifier(says_no, "Is it rude?")("x", "y", []).passed


def test_sentences_split_on_end_punctuation_and_lines():
    assert split_sentences("One. Two!\nThree?  Four") == ["One.", "Two!", "Three?", "Four"]
