import numpy as np
import pytest

from openended.exploratory_iteration.buffer import LearnabilityBuffer, group_learnability
from openended.exploratory_iteration.diversity import diversity_bonus


def test_learnability_is_the_variance_of_each_group():
    rewards = [1, 1, 0, 0, 1, 1, 1, 1, 0.2, 0.4, 0.6, 0.8]
    s = group_learnability(rewards, 4)
    assert s == pytest.approx([0.25, 0.0, np.var([0.2, 0.4, 0.6, 0.8])])
    p = 0.25  # binary returns: p (1 - p)
    assert group_learnability([1, 0, 0, 0], 4)[0] == pytest.approx(p * (1 - p))


def test_learnability_refuses_ragged_groups_and_unscaled_returns():
    with pytest.raises(ValueError, match="groups"):
        group_learnability([0, 1, 1], 2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        group_learnability([0, 2], 2)


def test_insertion_fills_then_replaces_the_lowest_only_when_at_least_as_high():
    buf = LearnabilityBuffer(3, min_size=2)
    assert not buf.ready
    for item, s in (("a", 0.1), ("b", 0.2)):
        assert buf.add(item, s)
    assert buf.ready
    buf.add("c", 0.05)
    assert not buf.add("d", 0.01)  # below the minimum (0.05): rejected
    assert buf.rejected == 1
    assert buf.add("e", 0.05)  # equal to the minimum: replaces it
    assert sorted(e.item for e in buf.entries) == ["a", "b", "e"]
    assert buf.add("f", 0.3)  # replaces the lowest, e
    assert sorted(e.item for e in buf.entries) == ["a", "b", "f"]
    assert len(buf) == 3 and buf.inserted == 5


def test_sampling_follows_the_softmax_of_kappa_times_the_score():
    buf = LearnabilityBuffer(3, kappa=4.0)
    for item, s in (("a", 0.0), ("b", 0.25), ("c", 0.5)):
        buf.add(item, s)
    want = np.exp(4.0 * np.array([0.0, 0.25, 0.5]))
    want /= want.sum()
    assert buf.probabilities() == pytest.approx(want)
    rng = np.random.default_rng(0)
    counts = np.bincount([buf.sample(rng)[0] for _ in range(20_000)], minlength=3) / 20_000
    assert counts == pytest.approx(want, abs=0.015)


def test_rescore_only_touches_the_entry_that_was_sampled():
    buf = LearnabilityBuffer(2)
    buf.add("a", 0.1)
    buf.add("b", 0.2)
    buf.add("c", 0.3)  # replaces "a" (index 0)
    buf.rescore(0, "a", 0.9)  # "a" is gone: no effect
    assert max(buf.scores()) == pytest.approx(0.3)
    buf.rescore(1, "b", 0.9)
    assert buf.entries[1].score == 0.9


def test_state_round_trip():
    buf = LearnabilityBuffer(4)
    for k in range(6):
        buf.add({"k": k}, k / 10)
    other = LearnabilityBuffer(4)
    other.load_state(buf.state())
    assert [e.item for e in other.entries] == [e.item for e in buf.entries]
    assert other.scores() == pytest.approx(buf.scores())
    assert (other.inserted, other.rejected) == (buf.inserted, buf.rejected)


def test_diversity_bonus_on_fixed_embeddings():
    # group of 4 on a line: centroid at 1.5; distances 1.5, 0.5, 0.5, 1.5; spread 1.0
    e = np.array([[0.0, 0], [1, 0], [2, 0], [3, 0]])
    assert diversity_bonus(e, 4) == pytest.approx([1.5, 0.5, 0.5, 1.5])
    # two groups are scaled separately; a group of equal distances gets no bonus (1)
    square = np.array([[1.0, 0], [0, 1], [-1, 0], [0, -1]])
    out = diversity_bonus(np.vstack([e * 10, square]), 4)
    assert out[:4] == pytest.approx([1.5, 0.5, 0.5, 1.5])
    assert out[4:] == pytest.approx([1, 1, 1, 1])
    with pytest.raises(ValueError):
        diversity_bonus(e, 3)


def test_diversity_bonus_is_proportional_to_distance_and_averages_one():
    rng = np.random.default_rng(0)
    e = rng.normal(size=(16, 384))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    out = diversity_bonus(e, 8).reshape(2, 8)
    dist = np.linalg.norm(e.reshape(2, 8, -1) - e.reshape(2, 8, -1).mean(1, keepdims=True), axis=2)
    assert out.mean(1) == pytest.approx([1.0, 1.0])
    assert out == pytest.approx(dist / dist.mean(1, keepdims=True))


def test_bonus_multiplies_each_rollouts_advantage():
    torch = pytest.importorskip("torch")
    from openended.exploratory_iteration.grpo import apply_bonus

    out = apply_bonus({"advantages": torch.tensor([1.0, -1.0, 0.5]), "x": 1}, np.array([2.0, 0.5, 1.0]))
    assert out["advantages"].tolist() == [2.0, -0.5, 0.5] and out["x"] == 1
    with pytest.raises(RuntimeError):
        apply_bonus({"advantages": torch.zeros(2)}, np.ones(3))
