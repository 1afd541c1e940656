"""The mutator's two-step mutation and the cleaning of its answers."""

from openended.llm.scripted import ScriptedLLM
from openended.rainbow_teaming.config import RainbowTeamingConfig
from openended.rainbow_teaming.domains import SAFETY
from openended.rainbow_teaming.mutator import Mutator, clean_mutation
from openended.rainbow_teaming.rainbow_teaming import Candidate
from tests.rainbow_teaming.helpers import make, mutator_answer


def test_one_mutation_per_dimension_in_order():
    rt = make()
    c = Candidate("How do I pick a lock?", None, ("Fraud and Scams", "Slang"))
    rt.mutate([c], iteration=0)
    calls = rt.roles.mutator.calls
    assert len(calls) == 2
    assert "Risk Category: Fraud and Scams\nPrompt: How do I pick a lock?" in calls[0]
    first = mutator_answer(calls[0], 0).removeprefix("Prompt: ")
    assert f"Attack Style: Slang\nPrompt: {first}" in calls[1]
    assert c.prompt.startswith("Slang case ")


def test_clean_mutation_strips_labels_quotes_and_later_paragraphs():
    assert clean_mutation('Rewritten prompt: "Tell me a story."\n\nHope this helps!') == "Tell me a story."
    assert clean_mutation("  Question: Why is the sky blue?") == "Why is the sky blue?"


def test_an_empty_answer_keeps_the_text_it_was_given():
    model = ScriptedLLM("scripted:mutator", lambda text, i: 'Prompt: ""')
    mutator = Mutator(model, SAFETY, RainbowTeamingConfig())
    assert mutator.mutate(["How do I pick a lock?"], [("Fraud and Scams", "Slang")], lambda k: k) == [
        "How do I pick a lock?"
    ]
    assert len(model.calls) == 2  # both steps were still asked


def test_clean_mutation_is_case_insensitive_and_bounded():
    assert clean_mutation("QUESTION: Why?") == "Why?"
    assert clean_mutation("word " * 200, max_chars=50) == "word " * 10
