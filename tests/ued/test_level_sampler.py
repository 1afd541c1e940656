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


def one_by_one(sampler, state, levels, scores, max_returns):
    """The reference: ``insert`` for each level of the batch in turn."""
    return jax.lax.scan(lambda st, xs: sampler.insert(st, *xs), state, (levels, scores, max_returns))


def test_full_buffer_replaces_lowest_weight_only_if_better():
    sampler, state, _ = filled([0.5, 2.0, 1.0, -1.0])
    batch = jax.tree_util.tree_map(lambda x: x[4:7], LEVELS)
    after, idx = sampler.insert_batch(state, batch, jnp.array([3.0, 0.1, 2.5]), jnp.zeros(3))
    # lowest replay weight first: -1.0 (slot 3), 0.5 (slot 0), 1.0 (slot 2); the best new level evicts the
    # lowest, the second best the next; 0.1 would face 1.0 and loses
    assert idx.tolist() == [3, -1, 0]
    np.testing.assert_allclose(after.scores, [2.5, 2.0, 1.0, 3.0])
    assert int(after.size) == 4 and int(after.episode_count) == int(state.episode_count) + 2
    # one after another, the same two entries go (here the order of insertion does not matter)
    ref, ref_idx = one_by_one(sampler, state, batch, jnp.array([3.0, 0.1, 2.5]), jnp.zeros(3))
    np.testing.assert_allclose(np.sort(ref.scores), np.sort(after.scores))
    assert sorted(ref_idx.tolist()) == sorted(idx.tolist())


def test_a_batch_fits_in_the_free_slots_as_one_after_another_would():
    replay = ReplayConfig(prioritization="rank", temperature=1.0, staleness_coef=0.3)
    sampler = LevelSampler(PLRConfig(capacity=8, replay=replay, replay_prob=1.0, min_fill=0.0))
    first = jax.tree_util.tree_map(lambda x: x[:3], LEVELS)
    state, _ = sampler.insert_batch(sampler.init(one(0)), first, jnp.array([1.0, 0.2, 3.0]), jnp.zeros(3))
    batch = jax.tree_util.tree_map(lambda x: x[3:8], LEVELS)
    scores, returns = jnp.array([0.4, jnp.nan, 2.0, 0.9, -jnp.inf]), jnp.arange(5.0)
    got, idx = sampler.insert_batch(state, batch, scores, returns)
    ref, ref_idx = one_by_one(sampler, state, batch, scores, returns)
    assert idx.tolist() == ref_idx.tolist() == [3, -1, 4, 5, -1]
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(ref), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_batch_merges_levels_already_in_the_buffer_and_repeats_within_itself():
    sampler, state, _ = filled([0.5, 2.0], capacity=6)
    # level 1 again (in the buffer), level 4 twice (new): the buffer entry is updated; the repeat counts once,
    # with its last score; max returns only grow
    batch = jax.tree_util.tree_map(lambda x: x[jnp.array([1, 4, 5, 4])], LEVELS)
    after, idx = sampler.insert_batch(
        state, batch, jnp.array([0.1, 0.7, 0.3, 0.9]), jnp.array([5.0, 1.0, 0.0, 0.5])
    )
    assert idx.tolist() == [1, -1, 2, 3] and int(after.size) == 4
    np.testing.assert_allclose(after.scores[:4], [0.5, 0.1, 0.3, 0.9])
    np.testing.assert_allclose(after.max_returns[:4], [0.0, 5.0, 0.0, 1.0])
    again, idx = sampler.insert_batch(after, batch, jnp.array([1.0, 1.0, 1.0, 1.0]), jnp.zeros(4))
    assert int(again.size) == 4 and idx.tolist() == [1, -1, 2, 3]


def top(state, k=4):
    return np.sort(np.asarray(state.scores))[::-1][:k]


def test_batched_insertion_compiles_and_agrees_with_its_reference_on_random_batches():
    replay = ReplayConfig(prioritization="rank", temperature=0.3, staleness_coef=0.3)
    sampler = LevelSampler(PLRConfig(capacity=16, replay=replay, replay_prob=1.0, min_fill=0.0))
    levels = jax.vmap(lambda k: sample_level(k, 10))(jax.random.split(jax.random.PRNGKey(7), 48))
    state = ref = sampler.init(one(0))
    insert = jax.jit(sampler.insert_batch)
    rng = np.random.default_rng(0)
    for start in range(0, 48, 8):
        batch = jax.tree_util.tree_map(lambda x, s=start: x[s : s + 8], levels)
        scores = jnp.asarray(rng.normal(size=8), jnp.float32)
        state, _ = insert(state, batch, scores, jnp.zeros(8))
        ref, _ = one_by_one(sampler, ref, batch, scores, jnp.zeros(8))
        assert (
            int(state.size) == int(ref.size)
            and np.isfinite(np.asarray(state.scores[: int(state.size)])).all()
        )
        # what the batch keeps differs from one-after-another only where that would evict a level of the same
        # batch; both keep the same high scorers
        np.testing.assert_allclose(top(state), top(ref), rtol=1e-6)


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


@pytest.mark.parametrize("bad", [-np.inf, np.nan])
def test_a_replay_that_finished_no_episode_keeps_the_previous_score(bad):
    # JaxUED's open fix: a replayed level whose rollout ends no episode has no MaxMC or learnability score
    sampler, state, _ = filled([0.5, 2.0, 1.0, 3.0])
    state = sampler.update_batch(
        state, jnp.array([1, 2]), jnp.array([bad, 7.0], jnp.float32), jnp.array([-jnp.inf, 0.3])
    )
    np.testing.assert_allclose(state.scores, [0.5, 2.0, 7.0, 3.0])
    assert np.isfinite(np.asarray(sampler.probabilities(state))).all()
    assert float(state.max_returns[2]) == pytest.approx(0.3) and float(state.max_returns[1]) == 0.0


def test_max_mc_of_a_rollout_without_a_finished_episode_is_not_finite():
    # why the guard above is needed: the score functions do return -inf here
    from openended.core import scores as S

    dones = np.zeros((5, 2), bool)
    best = S.max_episode_return(np.zeros((5, 2)), dones, np.full(2, -np.inf))
    assert not np.isfinite(S.max_mc(np.zeros((5, 2)), dones, best)).any()


@pytest.mark.parametrize(
    ("prioritization", "temperature", "score_weights"),
    [
        # rank 1 = highest score; weight (1/rank)^(1/T): ranks 4, 2, 3, 1 with T = 0.5
        ("rank", 0.5, np.array([1 / 16, 1 / 4, 1 / 9, 1.0])),
        # max(score, 0)^(1/T) with T = 0.25: the fourth power
        ("power", 0.25, np.array([0.5, 2.0, 1.0, 3.0]) ** 4),
    ],
)
def test_replay_probabilities_use_the_temperature_as_an_exponent_and_mix_in_staleness(
    prioritization, temperature, score_weights
):
    # minimax's sampling bug multiplied scores by the temperature; dcd and JaxUED raise to 1/T
    replay = ReplayConfig(prioritization=prioritization, temperature=temperature, staleness_coef=0.3)
    sampler = LevelSampler(PLRConfig(capacity=4, replay=replay, replay_prob=1.0, min_fill=0.0))
    state, _ = sampler.insert_batch(
        sampler.init(one(0)),
        jax.tree_util.tree_map(lambda x: x[:4], LEVELS),
        jnp.array([0.5, 2.0, 1.0, 3.0], jnp.float32),
        jnp.zeros(4),
    )
    staleness = np.array([3, 2, 1, 0]) / 6  # inserted at episode counts 1..4, now 4
    expected = 0.7 * score_weights / score_weights.sum() + 0.3 * staleness
    np.testing.assert_allclose(sampler.probabilities(state), expected, rtol=1e-5)
