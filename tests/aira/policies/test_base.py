"""What every policy shares: fitness normalization and the softmax draw."""

import math

import numpy as np
import pytest

from openended.aira.policies.base import normalize, normalizer, softmax_choice
from openended.aira.report import score_figure, tree_figure
from tests.aira.helpers import tree
from tests.aira.policies.helpers import evo, mcts


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


def test_normalize_maps_the_range_onto_zero_one_and_a_single_value_to_a_half():
    assert normalize(0.7, 0.6, 0.9) == pytest.approx(1 / 3)
    assert (normalize(0.6, 0.6, 0.9), normalize(0.9, 0.6, 0.9)) == (0.0, pytest.approx(1.0))
    assert normalize(5.0, 2.0, 2.0) == 0.5
    assert normalize(0.0, -1.7e308, 1.7e308) == pytest.approx(0.5)  # no overflow at the float range's ends


def test_normalizer_spans_the_good_nodes_only():
    j = tree([("draft", [], 0.4, 0), ("draft", [], None, 0), ("draft", [], 0.9, 0), ("draft", [], 0.6, 0)])
    j[1].metric = 5.0  # buggy: outside the range
    assert normalizer(j) == (0.4, 0.9)
    low = tree([("draft", [], 0.4, 0), ("draft", [], 0.9, 0)], lower=True)
    assert normalizer(low) == (-0.9, -0.4)  # fitness: higher is better
    assert normalizer(tree([("draft", [], None, 0)])) == (0.0, 0.0)


def test_softmax_choice_draws_distinct_indices_with_softmax_probabilities():
    rng = np.random.default_rng(0)
    for _ in range(100):
        picks = softmax_choice(rng, [0.1, 0.5, 0.2], 1.0, k=2)
        assert len(set(picks)) == 2 and set(picks) <= {0, 1, 2}
    assert sorted(softmax_choice(rng, [0.0, 1.0], 1.0, k=5)) == [0, 1]  # k above the count: each once
    # scores 0 and ln 3 at T=1: probabilities 1/4 and 3/4
    draws = [softmax_choice(rng, [0.0, math.log(3)], 1.0)[0] for _ in range(4000)]
    assert draws.count(1) / 4000 == pytest.approx(0.75, abs=0.03)
    # at T=0.5 the same scores are doubled: 1/10 and 9/10
    draws = [softmax_choice(rng, [0.0, math.log(3)], 0.5)[0] for _ in range(4000)]
    assert draws.count(1) / 4000 == pytest.approx(0.9, abs=0.03)
