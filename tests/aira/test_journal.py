"""The journal: the search tree's indexes, its selection rules and its JSON-lines file."""

import json
import math

import pytest

from openended.aira.journal import FITNESS_BOUND, ROOT, Journal, Node
from tests.aira.helpers import tree


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


def test_a_saved_journal_loads_back_node_for_node_and_a_resumed_one_continues_the_ids(tmp_path):
    j = Journal(lower_is_better=True)
    j.append(
        Node(0, "draft", [], plan="ridge", code="print(1)", output="Validation metric: 0.25", exit_code=0)
    )
    j[0].is_buggy, j[0].metric, j[0].valid_submission, j[0].test_score = False, 0.25, True, 0.3
    j.append(Node(1, "improve", [0], output="Traceback \u2192 \u00e9", exit_code=1, bug="exit code 1"))
    j.append(Node(2, "debug", [1], metric=0.2, is_buggy=False, debug_depth=1, medal="gold", tokens=17))
    path = tmp_path / "journal.jsonl"
    j.save(path)
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == [0, 1, 2]
    assert not path.with_suffix(".tmp").exists()  # written aside, then moved into place
    loaded = Journal.load(path, lower_is_better=True)
    assert loaded.nodes == j.nodes  # every field of every node, the non-ASCII output included
    assert loaded.best().id == 2 and loaded.oracle().id == 0
    # a resumed journal takes the next id; a node out of order is refused
    assert loaded.new_id() == 3
    with pytest.raises(ValueError, match="out of order"):
        loaded.append(Node(5, "draft", []))
    loaded.append(Node(3, "draft", []))
    assert [n.id for n in loaded.children(ROOT)] == [0, 3]


def test_loading_skips_blank_lines_ignores_unknown_fields_and_a_missing_file_is_an_empty_journal(tmp_path):
    assert len(Journal.load(tmp_path / "none.jsonl", lower_is_better=False)) == 0
    line = json.dumps({"id": 0, "operator": "draft", "parents": [], "metric": 0.5, "is_buggy": False, "x": 1})
    (tmp_path / "j.jsonl").write_text(line + "\n\n")
    j = Journal.load(tmp_path / "j.jsonl", lower_is_better=False)
    assert len(j) == 1 and j[0].metric == 0.5 and j[0].good and j[0].code == ""


def test_fitness_turns_the_metric_so_higher_is_better_and_stays_bounded():
    low = tree([("draft", [], 0.3, 0), ("draft", [], 0.1, 0), ("draft", [], None, 0)], lower=True)
    low[2].metric = 0.01  # a buggy node's metric never counts
    assert (low.fitness(low[0]), low.fitness(low[1]), low.fitness(low[2])) == (-0.3, -0.1, -math.inf)
    assert low.best().id == 1
    high = tree([("draft", [], 0.3, 0), ("draft", [], 0.1, 0)])
    assert high.best().id == 0
    edge = tree([("draft", [], 1.7e308, 0), ("draft", [], -1.7e308, 0), ("draft", [], 0.5, 0)])
    edge[2].metric = math.nan
    fits = [edge.fitness(n) for n in edge.nodes]
    assert fits == [FITNESS_BOUND, -FITNESS_BOUND, -math.inf]
    assert math.isfinite(fits[0] - fits[1])  # unbounded, 1.7e308 - -1.7e308 overflows to inf
    assert tree([("draft", [], None, 0)]).best() is None


def test_oracle_is_the_best_hidden_score_among_valid_submissions():
    j = tree([("draft", [], 0.9, 0), ("draft", [], 0.5, 0), ("draft", [], 0.7, 0)])
    assert j.oracle() is None  # nothing graded yet
    j[0].test_score, j[0].valid_submission = 0.6, True
    j[1].test_score, j[1].valid_submission = 0.8, True
    j[2].test_score = 0.95  # not a valid submission: never the oracle
    assert j.oracle().id == 1 and j.best().id == 0  # selection by validation missed the better node
    j.lower_is_better = True
    assert j.oracle().id == 0


def test_debug_chain_stops_at_the_first_node_that_was_not_a_debug_step():
    # 0 draft -> 1 improve (buggy) -> 2 debug -> 3 debug; 4 debugs the draft 0 directly
    specs = [
        ("draft", [], 0.5, 0),
        ("improve", [0], None, 0),
        ("debug", [1], None, 1),
        ("debug", [2], 0.6, 2),
        ("debug", [0], None, 1),
    ]
    j = tree(specs)
    assert [n.id for n in j.debug_chain(3)] == [1, 2, 3]
    assert [n.id for n in j.debug_chain(1)] == [1]
    assert [n.id for n in j.debug_chain(4)] == [0, 4]
    assert [n.id for n in j.path(3)] == [0, 1, 2, 3]
    assert [n.id for n in j.good_nodes] == [0, 3] and [n.id for n in j.buggy_nodes] == [1, 2, 4]
    assert [n.id for n in j.drafts] == [0]
