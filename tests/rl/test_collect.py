from itertools import pairwise

from openended.rl.collect import shares


def test_policies_share_the_transitions_equally_and_exactly():
    assert shares(1000, 1) == [1000]
    assert shares(1000, 3) == [333, 666, 1000]
    targets = shares(10_007, 7)
    assert targets[-1] == 10_007
    sizes = [b - a for a, b in pairwise([0, *targets])]
    assert max(sizes) - min(sizes) <= 1
