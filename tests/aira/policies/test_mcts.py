"""MCTS: UCT selection on known trees, expansion, debug chains, backups and their rebuild on resume."""

import math

import pytest

from openended.aira.journal import ROOT, Journal, Node
from openended.aira.policies import Action
from tests.aira.helpers import tree
from tests.aira.policies.helpers import mcts


def test_mcts_selects_by_uct_on_a_known_tree():
    # root -> drafts 0 (good), 1 (good), 2 (buggy, never fixed); 0 -> 3 (good)
    j = tree([("draft", [], 0.6, 0), ("draft", [], 0.9, 0), ("draft", [], None, 0), ("improve", [0], 0.8, 0)])
    m = mcts(num_children=2, uct_c=0.25, max_debug_depth=2)
    for node in (0, 1, 3):
        m.observe(j, j[node])
    assert (m.visits[0], m.values[0]) == (2, pytest.approx(1.4))  # its own and its child's backup
    assert (m.visits[1], m.visits[3], m.visits.get(2, 0), m.visits[ROOT]) == (1, 1, 0, 3)
    lo, hi = 0.6, 0.9
    u0 = (0.7 - lo) / (hi - lo) + 0.25 * math.sqrt(math.log(3) / 2)
    u1 = (0.9 - lo) / (hi - lo) + 0.25 * math.sqrt(math.log(3) / 1)
    assert u1 > u0
    assert m.select(j) == 1  # node 1 has no backed-up children: the descent stops there
    explorer = mcts(num_children=2, uct_c=10.0, max_debug_depth=2)
    explorer.visits, explorer.values = m.visits, m.values
    assert explorer.select(j) == 1  # strong exploration prefers the less visited... node 1 still (1 vs 2)
    m.visits[1], m.values[1] = 5, 4.5
    # now node 0: Q=0.7 -> 1/3 normalized, bonus .25*sqrt(ln3/2); node 1: Q=0.9 -> 1, bonus .25*sqrt(ln3/5)
    assert m.select(j) == 1
    m.values[1] = 5 * 0.6  # node 1's Q drops to the minimum
    assert m.select(j) == 3  # descends into node 0, then its only backed-up child 3


def test_mcts_expands_num_children_then_reselects_and_debugs_chains():
    m = mcts(num_children=2, uct_c=0.25, max_debug_depth=2)
    j = Journal(lower_is_better=False)
    assert m.next(j) == Action("draft")
    j.append(Node(0, "draft", [], metric=0.5, is_buggy=False))
    m.observe(j, j[0])
    assert m.next(j) == Action("draft")  # the root gets num_children children
    j.append(Node(1, "draft", [], is_buggy=True))
    m.observe(j, j[1])
    assert m.next(j) == Action("debug", (1,))  # a buggy child is debugged in a chain
    j.append(Node(2, "debug", [1], is_buggy=True, debug_depth=1))
    m.observe(j, j[2])
    assert m.next(j) == Action("debug", (2,))
    j.append(Node(3, "debug", [2], is_buggy=True, debug_depth=2))
    m.observe(j, j[3])  # max depth reached: the chain is abandoned, nothing backed up
    assert m.visits.get(1, 0) == 0 and m.visits[ROOT] == 1
    assert m.next(j) == Action("improve", (0,))  # root expanded twice: UCT picks node 0 (the only visited)
    j.append(Node(4, "improve", [0], is_buggy=True))
    m.observe(j, j[4])
    assert m.next(j) == Action("debug", (4,))
    j.append(Node(5, "debug", [4], metric=0.7, is_buggy=False, debug_depth=1))
    m.observe(j, j[5])  # fixed: backs up along root -> 0 -> 4 -> 5
    assert (m.visits[0], m.visits[4], m.visits[5], m.visits[ROOT]) == (2, 1, 1, 2)
    assert m.values[0] == pytest.approx(1.2)
    assert m.next(j) == Action("improve", (0,))  # node 0 has 1 non-debug child of 2
    # resumed: the statistics are rebuilt from the journal, equal to the ones kept along the way
    m2 = mcts(num_children=2, uct_c=0.25, max_debug_depth=2)
    m2.load_state(m.state(), j)
    assert (m2.visits, m2.values) == (m.visits, m.values)
    assert m2.next(j) == Action("improve", (0,))


def test_mcts_lower_is_better_prefers_small_metrics():
    j = tree([("draft", [], 0.2, 0), ("draft", [], 0.9, 0)], lower=True)
    m = mcts(num_children=2, uct_c=0.0, max_debug_depth=1)
    for node in (0, 1):
        m.observe(j, j[node])
    assert m.select(j) == 0
