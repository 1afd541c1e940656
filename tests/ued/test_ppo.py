"""PPO's pieces on hand-worked numbers: GAE, the clipped policy and value losses, the entropy bonus,
and action sampling."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from openended.ued.ppo import PPOHyper, clipped_objective, gae, sample_action

HYPER = PPOHyper(clip_eps=0.2, vf_coef=0.5, ent_coef=0.01, epochs=1, minibatches=1)
objective = jax.jit(clipped_objective)  # one compile per batch shape instead of many eager ops


def test_gae_matches_a_hand_computed_three_step_example():
    # env 0 ends an episode at t=1 (no bootstrap across it); env 1 never ends (bootstraps from last_value 0)
    rewards = jnp.array([[1.0, 0.0], [0.0, 0.0], [2.0, 1.0]])
    values = jnp.array([[0.5, 0.0], [1.0, 0.0], [0.25, 0.0]])
    dones = jnp.array([[False, False], [True, False], [False, False]])
    adv, targets = gae(rewards, values, dones, jnp.array([2.0, 0.0]), gamma=0.5, lam=0.5)
    # env 0, backwards: t=2 δ = 2 + 0.5·2 − 0.25 = 2.75, A = 2.75
    #                   t=1 δ = 0 + 0 − 1 = −1 (done), A = −1
    #                   t=0 δ = 1 + 0.5·1 − 0.5 = 1, A = 1 + 0.25·(−1) = 0.75
    # env 1: δ = (0, 0, 1), A = (0.0625, 0.25, 1)
    np.testing.assert_allclose(adv, [[0.75, 0.0625], [-1.0, 0.25], [2.75, 1.0]], rtol=1e-6)
    np.testing.assert_allclose(targets, [[1.25, 0.0625], [0.0, 0.25], [3.0, 1.0]], rtol=1e-6)


def test_gae_with_lambda_zero_is_the_td_error_and_with_lambda_one_the_monte_carlo_error():
    rewards = jnp.array([[1.0], [2.0], [3.0]])
    values = jnp.array([[0.5], [1.5], [4.0]])
    dones = jnp.array([[False], [False], [True]])
    td, _ = gae(rewards, values, dones, jnp.array([100.0]), gamma=0.9, lam=0.0)
    np.testing.assert_allclose(td[:, 0], [1 + 0.9 * 1.5 - 0.5, 2 + 0.9 * 4.0 - 1.5, 3 - 4.0], rtol=1e-6)
    mc, targets = gae(rewards, values, dones, jnp.array([100.0]), gamma=0.9, lam=1.0)
    returns = np.array([1 + 0.9 * 2 + 0.81 * 3, 2 + 0.9 * 3, 3.0])  # the episode ends at t=2
    np.testing.assert_allclose(mc[:, 0], returns - np.array([0.5, 1.5, 4.0]), rtol=1e-6)
    np.testing.assert_allclose(targets[:, 0], returns, rtol=1e-6)


def _batch(ratios, advantages):
    """Two actions with probabilities 1/4 and 3/4 (actions 1, 0, 1, 0) and the old log-probabilities that
    give the policy ``ratios``."""
    probs = np.array([0.25, 0.75])
    logits = jnp.log(jnp.asarray(np.tile(probs, (4, 1)), jnp.float32))
    action = jnp.array([1, 0, 1, 0])
    new = probs[np.asarray(action)]
    old_log_prob = jnp.asarray(np.log(new / np.asarray(ratios)), jnp.float32)
    values = jnp.array([1.0, 0.0, 3.0, -1.0])
    old_value = jnp.array([0.5, 0.0, 2.9, 0.0])
    targets = jnp.array([2.0, 1.0, 3.0, 0.0])
    return logits, values, action, old_log_prob, old_value, jnp.asarray(advantages, jnp.float32), targets


def test_clipped_objective_terms_on_a_tiny_fixed_batch():
    ratios = np.array([1.5, 0.5, 1.1, 0.7])
    batch = _batch(ratios, [1.0, -1.0, 1.0, -1.0])  # already mean 0, standard deviation 1
    total, info = objective(*batch, jnp.ones(4), HYPER)
    # min(r·A, clip(r, 0.8, 1.2)·A): 1.5 -> 1.2, 0.5·(−1) -> −0.8 (clipped), 1.1 -> 1.1, 0.7·(−1) -> −0.8
    policy = -(1.2 - 0.8 + 1.1 - 0.8) / 4
    # max((v − R)², (v_old + clip(v − v_old, ±0.2) − R)²): (1, 1.69) -> 1.69, 1, 0, (1, 0.04) -> 1
    value = 0.5 * (1.69 + 1.0 + 0.0 + 1.0) / 4
    entropy = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))
    np.testing.assert_allclose(float(info["policy_loss"]), policy, rtol=1e-5)
    np.testing.assert_allclose(float(info["value_loss"]), value, rtol=1e-5)
    np.testing.assert_allclose(float(info["entropy"]), entropy, rtol=1e-5)
    np.testing.assert_allclose(float(info["approx_kl"]), np.mean(ratios - 1 - np.log(ratios)), rtol=1e-4)
    np.testing.assert_allclose(float(total), policy + 0.5 * value - 0.01 * entropy, rtol=1e-5)


def test_clipped_objective_ignores_masked_steps_and_normalizes_advantages_over_the_rest():
    ratios = np.array([1.5, 0.5, 1.1, 0.7])
    # advantages 3 and 1 normalize to +1 and −1 over the two unmasked steps; the masked ones are arbitrary
    _, info = objective(*_batch(ratios, [3.0, 1.0, 50.0, -7.0]), jnp.array([1.0, 1.0, 0.0, 0.0]), HYPER)
    np.testing.assert_allclose(float(info["policy_loss"]), -(1.2 - 0.8) / 2, rtol=1e-5)
    np.testing.assert_allclose(float(info["value_loss"]), 0.5 * (1.69 + 1.0) / 2, rtol=1e-5)
    # a batch of any shape: the same steps as (time, env) give the same losses
    as_2d = [x.reshape(2, 2, *x.shape[1:]) for x in _batch(ratios, [1.0, -1.0, 1.0, -1.0])]
    _, flat = objective(*_batch(ratios, [1.0, -1.0, 1.0, -1.0]), jnp.ones(4), HYPER)
    _, grid = objective(*as_2d, jnp.ones((2, 2)), HYPER)
    for key in flat:
        assert float(grid[key]) == pytest.approx(float(flat[key]), rel=1e-6)


def test_sample_action_returns_the_log_probability_of_the_drawn_action():
    logits = jnp.log(jnp.tile(jnp.array([0.25, 0.75]), (4000, 1)))
    action, log_prob = sample_action(jax.random.PRNGKey(0), logits)
    action = np.asarray(action)
    np.testing.assert_allclose(np.asarray(log_prob), np.log(np.where(action == 1, 0.75, 0.25)), rtol=1e-5)
    assert abs(action.mean() - 0.75) < 0.03
