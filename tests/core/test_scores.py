import numpy as np
import pytest

from openended.core.scores import (
    completed_episodes,
    discounted_episode_returns,
    episode_returns,
    group_return_variance,
    learnability,
    max_episode_return,
    max_mc,
    oracle_regret,
    positive_value_loss,
    rollout_score,
)

DONES = np.array([0, 0, 1, 0, 0, 1, 0, 0], bool)  # episodes t=0..2 and 3..5; t=6..7 unfinished


def test_completed_episodes_by_hand():
    sums, lengths, valid = completed_episodes(np.arange(8.0), DONES)
    assert valid.tolist() == [True, True] + [False] * 6
    assert sums[:2].tolist() == [3.0, 12.0] and lengths[:2].tolist() == [3, 3]


def test_rollout_score_averages_within_then_across_episodes():
    assert rollout_score(np.arange(8.0), DONES) == pytest.approx((1.0 + 4.0) / 2)
    # Unequal lengths: a 1-step episode and a 4-step one weigh the same.
    dones = np.array([1, 0, 0, 0, 1], bool)
    assert rollout_score(np.array([10.0, 0, 0, 0, 4.0]), dones) == pytest.approx((10.0 + 1.0) / 2)
    assert rollout_score(np.ones(4), np.zeros(4, bool)) == -np.inf


def test_positive_value_loss_clips_negative_advantages():
    adv = np.array([1.0, -1.0, 2.0, -3.0, 0.0, 3.0, 9.0, 9.0])
    # episode 1: (1 + 0 + 2)/3 = 1; episode 2: (0 + 0 + 3)/3 = 1; the unfinished tail is ignored
    assert positive_value_loss(adv, DONES) == pytest.approx(1.0)


def test_max_mc_and_max_return():
    rewards = np.array([0, 0, 0.7, 0, 0, 0.4, 0, 0])
    assert max_episode_return(rewards, DONES, 0.5) == pytest.approx(0.7)
    assert max_episode_return(rewards, DONES, 0.9) == pytest.approx(0.9)
    returns, valid = episode_returns(rewards, DONES)
    assert returns[valid].tolist() == pytest.approx([0.7, 0.4])
    values = np.array([0.2, 0.4, 0.6, 0.1, 0.1, 0.1, 0.0, 0.0])
    # R_max = 0.7: episode means (0.5+0.3+0.1)/3 = 0.3 and 0.6
    assert max_mc(values, DONES, 0.7) == pytest.approx((0.3 + 0.6) / 2)


def test_batch_axis():
    values = np.stack([np.arange(8.0), np.arange(8.0)], axis=1)
    dones = np.stack([DONES, np.zeros(8, bool)], axis=1)
    np.testing.assert_allclose(rollout_score(values, dones), [2.5, -np.inf])
    np.testing.assert_allclose(max_mc(np.zeros((8, 2)), dones, np.array([1.0, 2.0])), [1.0, -np.inf])


def test_learnability_and_group_variance():
    np.testing.assert_allclose(learnability(np.array([0.0, 0.5, 1.0, 0.2])), [0, 0.25, 0, 0.16])
    np.testing.assert_allclose(group_return_variance(np.array([[1.0, 3.0], [2.0, 2.0]])), [1.0, 0.0])


def test_discounted_returns_and_oracle_regret_by_hand():
    # env 0: episodes [r=0, r=1] and [r=2]; the step after the last done is incomplete. env 1: never done.
    rewards = np.array([[0.0, 5.0], [1.0, 0.0], [2.0, 0.0], [7.0, 0.0]])
    dones = np.array([[False, False], [True, False], [True, False], [False, False]])
    returns, valid = discounted_episode_returns(rewards, dones, 0.5)
    np.testing.assert_allclose(returns[:2, 0], [0.0 + 0.5 * 1.0, 2.0])
    assert valid[:, 0].tolist() == [True, True, False, False] and not valid[:, 1].any()
    regret = oracle_regret(np.array([1.0, 1.0]), rewards, dones, 0.5)
    np.testing.assert_allclose(regret[0], 1.0 - (0.5 + 2.0) / 2)
    # no completed episode: the open episode's return so far (5, undiscounted at t=0) is a lower bound
    np.testing.assert_allclose(regret[1], 1.0 - 5.0)
    regret = oracle_regret(np.array([0.9]), np.zeros((4, 1)), np.zeros((4, 1), bool), 0.5)
    np.testing.assert_allclose(regret, [0.9])  # not -inf: such a level would never be replayed


def test_jit_compiled_jax_matches_numpy():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rng = np.random.default_rng(1)
    values = rng.normal(size=(50, 6)).astype(np.float32)
    dones = rng.uniform(size=(50, 6)) < 0.1
    dones[:, 0] = False  # one env never finishes
    np.testing.assert_allclose(
        np.asarray(jax.jit(lambda r, d: oracle_regret(2.0, r, d, 0.9, xp=jnp))(values, dones)),
        oracle_regret(2.0, values, dones, 0.9),
        rtol=1e-5,
    )
    f = jax.jit(lambda v, d, m: (positive_value_loss(v, d, xp=jnp), max_mc(v, d, m, xp=jnp)))
    pvl, mmc = f(values, dones, jnp.ones(6))
    np.testing.assert_allclose(np.asarray(pvl), positive_value_loss(values, dones), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(mmc), max_mc(values, dones, np.ones(6)), rtol=1e-5)
    assert np.asarray(pvl)[0] == -np.inf
