"""The rewriter's prompts and the cleaning of its answers."""

from openended.gdr.rewriter import ANONYMIZE_EXAMPLES, anonymize_prompt, clean_rewrite, detoxify_prompt


def test_prompts_carry_the_replacements_the_feedback_and_as_many_examples_as_asked():
    full = anonymize_prompt("Hi Ann", {"Ann": "Beth"}, "EMAIL left")
    assert len(full) == 1 + 2 * len(ANONYMIZE_EXAMPLES) + 1
    assert "Replacements: Ann -> Beth" in full[-1]["content"] and "EMAIL left" in full[-1]["content"]
    none = anonymize_prompt("Hi", {}, shots=0)
    assert len(none) == 2 and "none detected; look for any" in none[-1]["content"]
    assert detoxify_prompt("you fool", shots=1)[1]["role"] == "user"


def test_answers_lose_their_labels():
    assert clean_rewrite("Rewritten text: Hello there.") == "Hello there."
    assert clean_rewrite("  Text: x ") == "x"
    assert clean_rewrite("Plain answer") == "Plain answer"
