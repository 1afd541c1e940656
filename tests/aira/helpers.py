"""Hand-built journals and a user's task module shared by the AIRA tests (not a test module)."""

from openended.aira.journal import Journal, Node


def tree(specs, lower=False):
    """specs: (operator, parents, metric or None for buggy, debug_depth)."""
    j = Journal(lower_is_better=lower)
    for i, (op, parents, metric, depth) in enumerate(specs):
        j.append(Node(i, op, list(parents), metric=metric, is_buggy=metric is None, debug_depth=depth))
    return j


USER_TASK = """
from openended.aira.task import Task


def load():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": 2 * x[:, 0] - x[:, 1]})


TASK = Task(name="user-linear", title="A user's task", description="y is linear in a and b.", metric="rmse",
            target="y", load=load)
"""
