import jax
import jax.numpy as jnp
import numpy as np
import pytest

from openended.core.replay import ReplayConfig
from openended.ued.config import PLRConfig
from openended.ued.generators import sample_level
from openended.ued.level_sampler import LevelSampler

LEVELS = jax.vmap(lambda k: sample_level(k, 10))(jax.random.split(jax.random.PRNGKey(0), 8))


def one(i):
    return jax.tree_util.tree_map(lambda x: x[i], LEVELS)


def filled(scores, staleness=0.0, capacity=4, **kw):
    replay = ReplayConfig(prioritization="rank", temperature=1.0, staleness_coef=staleness)
    sampler = LevelSampler(PLRConfig(capacity=capacity, replay=replay, replay_prob=1.0, min_fill=0.5, **kw))
    n = len(scores)
    state, idx = sampler.insert_batch(
        sampler.init(one(0)),
        jax.tree_util.tree_map(lambda x: x[:n], LEVELS),
        jnp.asarray(scores, jnp.float32),
        jnp.zeros(n),
    )
    return sampler, state, idx


def test_probabilities_match_hand_computed_rank_and_staleness():
    sampler, state, _ = filled([0.5, 2.0, 1.0, 3.0], staleness=0.5)
    # rank weights 1/4, 1/2, 1/3, 1 over 25/12; insertions stamped 1..4, count 4: staleness 3, 2, 1, 0 over 6
    expected = 0.5 * np.array([3, 6, 4, 12]) / 25 + 0.5 * np.array([3, 2, 1, 0]) / 6
    np.testing.assert_allclose(sampler.probabilities(state), expected, rtol=1e-6)


def test_full_buffer_replaces_lowest_weight_only_if_better():
    _, state, idx = filled([0.5, 2.0, 1.0, -1.0, 3.0, 0.1])
    assert idx.tolist() == [0, 1, 2, 3, 3, -1]  # 3.0 evicts -1.0 (lowest weight); 0.1 loses to 0.5
    np.testing.assert_allclose(state.scores, [0.5, 2.0, 1.0, 3.0])
    assert int(state.size) == 4


def test_duplicates_update_in_place_and_bad_scores_are_rejected():
    sampler, state, _ = filled([0.5, 2.0])
    state, i = sampler.insert(state, one(0), jnp.float32(4.0), jnp.float32(0.7))
    assert int(i) == 0 and int(state.size) == 2 and float(state.scores[0]) == 4.0
    state, i = sampler.insert(state, one(5), jnp.float32(-jnp.inf), jnp.float32(0.0))
    assert int(i) == -1 and int(state.size) == 2


def test_replay_decision_needs_min_fill():
    sampler, state, _ = filled([1.0])  # 1 of 4 < 50 %
    assert not any(bool(sampler.should_replay(state, k)) for k in jax.random.split(jax.random.PRNGKey(1), 20))
    sampler, state, _ = filled([1.0, 2.0])
    assert all(bool(sampler.should_replay(state, k)) for k in jax.random.split(jax.random.PRNGKey(1), 20))


def test_sampling_updates_staleness_between_draws():
    replay = ReplayConfig(prioritization="rank", temperature=1.0, staleness_coef=1.0)
    sampler = LevelSampler(PLRConfig(capacity=4, replay=replay, replay_prob=1.0, min_fill=0.0))
    state, _ = sampler.insert_batch(
        sampler.init(one(0)), jax.tree_util.tree_map(lambda x: x[:4], LEVELS), jnp.ones(4), jnp.zeros(4)
    )
    # pure staleness: a drawn level is the freshest, so it has zero weight in the very next draw
    state, idx = sampler.sample(state, jax.random.PRNGKey(3), 64)
    idx = np.asarray(idx)
    assert (idx[1:] != idx[:-1]).all() and set(idx.tolist()) == {0, 1, 2, 3}
    assert int(state.timestamps[idx[-1]]) == int(state.episode_count) == 4 + 64


def test_jitted_sampling_follows_the_distribution():
    sampler, state, _ = filled([0.5, 2.0, 1.0, 3.0])
    p = np.asarray(sampler.probabilities(state))
    draws = jax.jit(jax.vmap(lambda k: jax.random.choice(k, 4, p=sampler.probabilities(state))))(
        jax.random.split(jax.random.PRNGKey(0), 20000)
    )
    np.testing.assert_allclose(np.bincount(np.asarray(draws), minlength=4) / 20000, p, atol=0.015)
    assert p == pytest.approx([3 / 25, 6 / 25, 4 / 25, 12 / 25], rel=1e-6)


@pytest.mark.parametrize("staleness", [0.0, 0.3])
def test_batch_sampling_draws_each_level_with_its_replay_probability(staleness):
    """Every draw of :meth:`LevelSampler.sample` follows the replay distribution of the state before it: the
    first draw of a batch (over many keys), and with scores alone (no staleness) every draw of a batch."""
    sampler, state, _ = filled([0.5, 2.0, 1.0, 3.0], staleness)
    p = np.asarray(sampler.probabilities(state))
    first = jax.jit(jax.vmap(lambda k: sampler.sample(state, k, 3)[1][0]))(
        jax.random.split(jax.random.PRNGKey(0), 20000)
    )
    np.testing.assert_allclose(np.bincount(np.asarray(first), minlength=4) / 20000, p, atol=0.015)
    if staleness == 0.0:
        _, idx = jax.jit(lambda k: sampler.sample(state, k, 20000))(jax.random.PRNGKey(1))
        np.testing.assert_allclose(np.bincount(np.asarray(idx), minlength=4) / 20000, p, atol=0.015)
