import shutil

import pytest

from openended.libribrain.synthetic import SyntheticSpec, make_synthetic

SPEC = SyntheticSpec(train_runs=2, run_s=30.0, seed=3)


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("libribrain")
    make_synthetic(root, SPEC)
    return root


@pytest.fixture
def pnpl_copy(synthetic_root, tmp_path):
    """pnpl writes channel statistics back into the HDF5 files it reads: give it its own copy."""
    dst = tmp_path / "pnpl"
    shutil.copytree(synthetic_root, dst)
    return dst
