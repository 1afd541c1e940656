import pytest

from openended.aira.tasks import registry


@pytest.fixture(scope="session")
def prepared_suite(tmp_path_factory):
    """Every registered task prepared once (seed 0), shared by the suite's and the ladders' tests."""
    root = tmp_path_factory.mktemp("suite")
    return {name: task.prepare(root / name, 0) for name, task in registry().items()}
