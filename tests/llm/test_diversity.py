"""Diversity metrics of a set of texts or embeddings, by hand."""

import numpy as np
import pytest

from openended.llm.diversity import bleu, distinct_n, mean_pairwise_distance, self_bleu, vendi_score
from tests.conftest import need


def test_distinct_n_by_hand():
    assert distinct_n(["a b a b"], 1) == pytest.approx(2 / 4)
    assert distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)  # (a b), (b a), (a b)
    assert distinct_n(["x"], 2) == 0.0


def test_self_bleu_extremes():
    need("sacrebleu")
    same = ["the cat sat on the mat"] * 3
    assert self_bleu(same) == pytest.approx(1.0)
    varied = ["the cat sat on the mat", "quantum fields entangle slowly", "buy three green apples today"]
    assert self_bleu(varied) < 0.1


def test_vendi_and_pairwise_distance_by_hand():
    identical = np.ones((4, 3))
    assert vendi_score(identical) == pytest.approx(1.0)
    assert mean_pairwise_distance(identical) == pytest.approx(0.0)
    orthogonal = np.eye(4)
    assert vendi_score(orthogonal) == pytest.approx(4.0)
    assert mean_pairwise_distance(orthogonal) == pytest.approx(1.0)
    two_groups = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], float)
    assert vendi_score(two_groups) == pytest.approx(2.0)
    assert mean_pairwise_distance(two_groups) == pytest.approx(4 / 6)  # 4 of 6 pairs are orthogonal


def test_distinct_n_ignores_case_and_never_joins_texts():
    assert distinct_n(["The cat", "the CAT"], 2) == pytest.approx(1 / 2)
    assert distinct_n(["a", "b"], 2) == 0.0  # no bigram spans two texts
    with pytest.raises(ValueError, match="n must be"):
        distinct_n(["a b"], 0)


def test_bleu_against_itself_is_one_and_without_overlap_zero():
    need("sacrebleu")
    text = "the cat sat on the mat"
    assert bleu(text, text) == pytest.approx(1.0)
    assert bleu(text, ["quantum fields entangle slowly", text]) == pytest.approx(1.0)  # best reference
    assert bleu("quantum fields entangle slowly", [text]) == 0.0


def test_degenerate_inputs_are_errors():
    with pytest.raises(ValueError, match="two texts"):
        self_bleu(["only one"])
    with pytest.raises(ValueError, match="two embeddings"):
        mean_pairwise_distance(np.ones((1, 3)))
    with pytest.raises(ValueError, match="non-zero"):
        vendi_score(np.array([[1.0, 0.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="non-empty"):
        vendi_score(np.ones(3))
