"""Each search policy's node selection and expansion rules on known trees."""

import math

import numpy as np
import pytest

from openended.aira.config import EvolutionaryConfig, GreedyConfig, MCTSConfig
from openended.aira.journal import ROOT, Journal, Node
from openended.aira.policies import MCTS, Action, Evolutionary, Greedy
from openended.aira.report import score_figure, tree_figure


def tree(specs, lower=False):
    """specs: (operator, parents, metric or None for buggy, debug_depth)."""
    j = Journal(lower_is_better=lower)
    for i, (op, parents, metric, depth) in enumerate(specs):
        j.append(Node(i, op, list(parents), metric=metric, is_buggy=metric is None, debug_depth=depth))
    return j


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


def mcts(**kw):
    return MCTS(MCTSConfig(**kw), np.random.default_rng(0))


def evo(**kw):
    args = dict(
        num_islands=1,
        max_island_size=3,
        individuals_per_generation=2,
        num_generations=10,
        crossover_prob=1.0,
        generations_till_crossover=2,
        initial_temp=1.0,
        final_temp=1.0,
        max_debug_depth=1,
    )
    return Evolutionary(EvolutionaryConfig(**{**args, **kw}), np.random.default_rng(0))


def test_evolutionary_generations_admission_crossover_and_debug():
    e = evo()
    j = Journal(lower_is_better=False)
    assert [e.next(j), e.next(j)] == [Action("draft"), Action("draft")]
    j.append(Node(0, "draft", [], metric=0.5, is_buggy=False))
    e.observe(j, j[0])
    j.append(Node(1, "draft", [], is_buggy=True))
    e.observe(j, j[1])
    assert e.next(j) == Action("debug", (1,))
    j.append(Node(2, "debug", [1], metric=0.7, is_buggy=False, debug_depth=1))
    e.observe(j, j[2])
    assert e.islands == [[0, 2]]  # drafts (fixed or not) always join
    a = e.next(j)  # generation 1: improve only (crossover starts at generation 2)
    assert a.operator == "improve" and a.parents[0] in (0, 2)
    j.append(Node(3, "improve", [a.parents[0]], metric=0.55, is_buggy=False))
    e.observe(j, j[3])  # 0.55 < island mean 0.6: not admitted
    assert e.islands == [[0, 2]]
    e.next(j)
    j.append(Node(4, "improve", [2], metric=0.8, is_buggy=False))
    e.observe(j, j[4])
    assert e.islands == [[0, 2, 4]]
    a = e.next(j)  # generation 2: crossover with probability 1
    assert a.operator == "crossover" and len(set(a.parents)) == 2
    j.append(Node(5, "crossover", list(a.parents), metric=0.9, is_buggy=False))
    e.observe(j, j[5])
    assert e.islands == [[2, 4, 5]]  # above max_island_size the worst (node 0) is dropped


def test_evolutionary_parent_choice_follows_the_softmax():
    e = evo(initial_temp=0.05, final_temp=0.05, crossover_prob=0.0)
    j = tree([("draft", [], m, 0) for m in (0.1, 0.2, 0.9)])
    e.islands = [[0, 1, 2]]
    e.generation = 3
    picks = []
    for _ in range(50):
        e.queue = []
        picks.append(e.next(j).parents[0])
    assert picks.count(2) >= 48  # at T=0.05 the best parent (normalized 1 vs <=0.125) dominates
    state = e.state()
    e2 = evo()
    e2.load_state(state, j)
    assert e2.islands == e.islands and e2.generation == e.generation


def test_metrics_at_the_ends_of_the_float_range_keep_every_policy_finite(tmp_path):
    # a node may print any number as its validation metric; ±1.7e308 made hi - lo overflow (inf / inf = nan)
    huge = [("draft", [], m, 0) for m in (1.7e308, -1.7e308, 1.0)]
    e = evo(initial_temp=1.0, final_temp=1.0, crossover_prob=0.0)
    j = tree(huge)
    e.islands = [[0, 1, 2]]
    e.generation = 3
    picks = set()
    for _ in range(20):
        e.queue = []
        picks.add(e.next(j).parents[0])
    assert picks <= {0, 1, 2} and 0 in picks
    m = mcts(num_children=1, uct_c=0.25, max_debug_depth=1)
    for node in j.nodes:
        m.observe(j, node)
    assert m.select(j) in (0, 1, 2)
    assert all(math.isfinite(v) for v in m.values.values())
    j.save(tmp_path / "journal.jsonl")
    assert "Infinity" not in (tmp_path / "journal.jsonl").read_text()  # strict JSON
    for n in j.nodes:  # and the run's figures can still be drawn
        n.test_score = 0.5
    score_figure(j).savefig(tmp_path / "scores.png")
    tree_figure(j).savefig(tmp_path / "tree.png")


def test_root_children_are_drafts():
    j = tree([("draft", [], 0.5, 0), ("improve", [0], 0.6, 0), ("draft", [], None, 0)])
    assert [n.id for n in j.children(ROOT)] == [0, 2]
    assert [n.id for n in j.path(1)] == [0, 1]


def test_children_index_matches_the_first_parents_after_a_save_and_load(tmp_path):
    specs = [
        ("draft", [], 0.5, 0),
        ("improve", [0], 0.6, 0),
        ("draft", [], None, 0),
        ("debug", [2], 0.4, 1),
        ("crossover", [3, 1], 0.7, 0),
        ("improve", [0], None, 0),
    ]
    j = tree(specs)
    expected = {-1: [0, 2], 0: [1, 5], 1: [], 2: [3], 3: [4], 4: [], 5: []}
    assert {k: [n.id for n in j.children(k)] for k in expected} == expected
    j.save(tmp_path / "journal.jsonl")
    loaded = Journal.load(tmp_path / "journal.jsonl", lower_is_better=False)
    assert {k: [n.id for n in loaded.children(k)] for k in expected} == expected
    built = Journal(lower_is_better=False, nodes=list(j.nodes))
    assert {k: [n.id for n in built.children(k)] for k in expected} == expected
    with pytest.raises(ValueError, match="positions"):
        Journal(lower_is_better=False, nodes=[j.nodes[1]])
