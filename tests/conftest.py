import importlib
import os

import pytest


def need(module: str):
    """Import ``module``; skip when missing on a developer machine, fail in CI (where setup installs it)."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)


@pytest.fixture(scope="session")
def smollm2():
    need("llama_cpp")
    from openended.llm import load

    model = load("smollm2-135m?threads=2")
    yield model
    model.close()


@pytest.fixture(scope="session")
def bwrap_ok():
    """The bubblewrap sandbox works here: skip on a developer machine without it, fail in CI (setup
    installs it)."""
    from openended.sandbox import SandboxUnavailable, check

    try:
        check("bwrap")
    except SandboxUnavailable as e:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(e))
