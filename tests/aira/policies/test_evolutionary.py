"""Evolutionary: generations, island admission, crossover, debug chains and softmax parent choice."""

from openended.aira.journal import Journal, Node
from openended.aira.policies import Action
from tests.aira.helpers import tree
from tests.aira.policies.helpers import evo


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
