import math

import numpy as np
import pytest

from openended.core.config import ConfigError
from openended.core.replay import (
    ReplayConfig,
    ranks,
    replay_distribution,
    replay_distribution_from,
    score_weights,
    staleness_weights,
)

SCORES = np.array([0.5, 2.0, 1.0, -1.0, 3.0])
VALID = np.array([True, True, True, True, False])  # the 3.0 slot is empty: it must get nothing
TIMESTAMPS = np.array([1, 3, 2, 0, 0])


def test_ranks_ignore_invalid_entries():
    assert ranks(SCORES, VALID).tolist() == [3, 1, 2, 4, 5]


def test_rank_prioritization_by_hand():
    np.testing.assert_allclose(
        score_weights(SCORES, VALID, "rank", 1.0), [4 / 25, 12 / 25, 6 / 25, 3 / 25, 0]
    )
    # T = 0.5 squares the rank weights: 1/9, 1, 1/4, 1/16 over 205/144
    np.testing.assert_allclose(score_weights(SCORES, VALID, "rank", 0.5), np.array([16, 144, 36, 9, 0]) / 205)


def test_power_and_softmax_by_hand():
    np.testing.assert_allclose(score_weights(SCORES, VALID, "power", 1.0), [1 / 7, 4 / 7, 2 / 7, 0, 0])
    e = math.e
    np.testing.assert_allclose(
        score_weights(SCORES, VALID, "softmax", 1.0, top_k=2), [0, e / (e + 1), 1 / (e + 1), 0, 0]
    )


def test_top_k_restricts_rank_weights():
    np.testing.assert_allclose(score_weights(SCORES, VALID, "rank", 1.0, top_k=2), [0, 2 / 3, 1 / 3, 0, 0])


def test_degenerate_weights_fall_back_to_uniform_over_valid():
    np.testing.assert_allclose(
        score_weights(np.array([-1.0, 0.0, 5.0]), np.array([1, 1, 0], bool), "power"), [0.5, 0.5, 0]
    )
    np.testing.assert_allclose(
        staleness_weights(np.array([4, 4, 0]), np.array([1, 1, 0], bool), 4), [0.5, 0.5, 0]
    )


def test_staleness_and_mixture_by_hand():
    p_c = np.array([4, 2, 3, 5, 0]) / 14
    np.testing.assert_allclose(staleness_weights(TIMESTAMPS, VALID, 5), p_c)
    p_s = np.array([4, 12, 6, 3, 0]) / 25
    mixed = replay_distribution(SCORES, TIMESTAMPS, VALID, 5, "rank", 1.0, staleness_coef=0.3)
    np.testing.assert_allclose(mixed, 0.7 * p_s + 0.3 * p_c)
    assert mixed.sum() == pytest.approx(1.0)


def test_config_validation():
    with pytest.raises(ConfigError, match="temperature"):
        ReplayConfig(temperature=-0.3)
    with pytest.raises(ConfigError, match="staleness_coef"):
        ReplayConfig(staleness_coef=1.5)
    cfg = ReplayConfig(prioritization="power", temperature=1.0, staleness_coef=0.0)
    np.testing.assert_allclose(
        replay_distribution_from(cfg, SCORES, TIMESTAMPS, VALID, 5), [1 / 7, 4 / 7, 2 / 7, 0, 0]
    )


@pytest.mark.parametrize("prioritization", ["rank", "power", "softmax"])
@pytest.mark.parametrize("top_k", [None, 1, 7])
def test_numpy_and_jit_compiled_jax_agree(prioritization, top_k):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rng = np.random.default_rng(0)
    n = 64
    scores = rng.normal(size=n).astype(np.float32)
    scores[5] = scores[9]  # a tie: both must break it the same way
    valid = rng.uniform(size=n) < 0.7
    timestamps = rng.integers(0, 100, size=n)

    @jax.jit
    def f(s, t, v, c, temp):
        return replay_distribution(s, t, v, c, prioritization, temp, 0.3, top_k, xp=jnp)

    expected = replay_distribution(
        scores.astype(np.float64), timestamps, valid, 120, prioritization, 0.3, 0.3, top_k
    )
    got = np.asarray(f(jnp.asarray(scores), jnp.asarray(timestamps), jnp.asarray(valid), 120, 0.3))
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-7)
    assert got[~valid].max() == 0.0
