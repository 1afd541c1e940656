"""Greedy (AIDE): drafts first, then debugs buggy leaves with the debug probability, else improves the
best node."""

import numpy as np
import pytest

from openended.aira.config import GreedyConfig
from openended.aira.policies import Action, Greedy
from tests.aira.helpers import tree


def test_greedy_drafts_first_then_debugs_buggy_leaves_then_improves_the_best():
    g = Greedy(GreedyConfig(num_drafts=3, debug_prob=1.0, max_debug_depth=1), np.random.default_rng(0))
    j = tree([("draft", [], 0.5, 0), ("draft", [], None, 0)])
    assert g.next(j) == Action("draft")
    j = tree([("draft", [], 0.5, 0), ("draft", [], None, 0), ("draft", [], 0.7, 0)])
    assert g.next(j) == Action("debug", (1,))  # the only buggy leaf
    # node 1 now has a child (a buggy debug at depth 1, still debuggable); then depth 2 is too deep
    j = tree([*[("draft", [], m, 0) for m in (0.5, None, 0.7)], ("debug", [1], None, 1)])
    assert g.next(j) == Action("debug", (3,))
    j = tree(
        [*[("draft", [], m, 0) for m in (0.5, None, 0.7)], ("debug", [1], None, 1), ("debug", [3], None, 2)]
    )
    assert g.next(j) == Action("improve", (2,))  # best validation among good nodes
    g0 = Greedy(GreedyConfig(num_drafts=2, debug_prob=0.0, max_debug_depth=3), np.random.default_rng(0))
    assert g0.next(tree([("draft", [], None, 0), ("draft", [], None, 0)])) == Action("draft")  # nothing good
    low = tree([("draft", [], 0.5, 0), ("draft", [], 0.2, 0)], lower=True)
    assert g0.next(low) == Action("improve", (1,))


def test_greedy_debug_probability_is_respected():
    g = Greedy(GreedyConfig(num_drafts=1, debug_prob=0.3, max_debug_depth=3), np.random.default_rng(1))
    j = tree([("draft", [], 0.5, 0), ("improve", [0], None, 0)])
    picks = [g.next(j).operator for _ in range(2000)]
    assert picks.count("debug") / 2000 == pytest.approx(0.3, abs=0.04)
