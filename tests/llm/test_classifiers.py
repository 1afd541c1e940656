"""Offline text classifiers: the refusal detector and the toxicity classifier."""

import pytest

from openended.llm.classifiers import is_refusal, toxicity
from tests.conftest import need


def test_refusal_detector():
    assert is_refusal("I'm sorry, but I can't help with that.")
    assert is_refusal("I can’t assist with this request.")  # curly apostrophe
    assert is_refusal("As an AI language model, I must decline.")
    assert is_refusal("   ")
    assert not is_refusal("Sure. First, preheat the oven to 180 degrees.")
    assert not is_refusal(
        "Here is a story. " + "x" * 300 + " I cannot stop thinking about it."
    )  # late phrase


def test_toxicity_classifier_separates_insults_from_recipes():
    need("profanity_check")
    tox = toxicity(["you are a stupid worthless idiot", "Preheat the oven and whisk two eggs."])
    assert tox[0] > 0.8 and tox[1] < 0.1
    with pytest.raises(TypeError):
        toxicity("one string")


def test_refusals_are_looked_for_in_the_opening_window_only():
    late = "Here is the plan. " + "x" * 250 + " I'm sorry."
    assert not is_refusal(late) and is_refusal(late, window=400)
    assert is_refusal("I WILL NOT do that.")  # case-insensitive
    assert is_refusal("") and is_refusal("\n\t ")


def test_toxicity_of_no_texts_is_empty():
    assert toxicity([]).shape == (0,)
