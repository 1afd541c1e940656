"""Per-channel standardization with pooled run statistics."""

import json

import numpy as np
import pytest

from openended.libribrain.standardize import ChannelStats, instance_normalize


def test_pooled_statistics_equal_those_of_the_concatenation():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 2, (3, 100)), rng.normal(-1, 1, (3, 300))
    pooled = ChannelStats.pooled([ChannelStats.of(a), ChannelStats.of(b)])
    both = np.concatenate([a, b], axis=1)
    np.testing.assert_allclose(pooled.means, both.mean(1))
    np.testing.assert_allclose(pooled.stds, both.std(1))
    z = pooled.apply(both.astype(np.float32) * 100, clip=10.0)
    assert z.max() <= 10.0 and z.min() >= -10.0


def test_statistics_by_hand_and_a_flat_channel_maps_to_zero():
    data = np.array([[1.0, 3.0, 5.0], [2.0, 2.0, 2.0]])
    stats = ChannelStats.of(data)
    np.testing.assert_allclose(stats.means, [3.0, 2.0])
    np.testing.assert_allclose(stats.stds, [np.sqrt(8 / 3), 0.0])
    z = stats.apply(data)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z[0], np.array([-2.0, 0.0, 2.0]) / np.sqrt(8 / 3), rtol=1e-6)
    assert (z[1] == 0).all()
    np.testing.assert_allclose(stats.apply((data - 3.0) * 100 + 3.0, clip=1.0)[0], [-1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="no runs"):
        ChannelStats.pooled([])


def test_statistics_survive_json():
    stats = ChannelStats.of(np.random.default_rng(0).normal(size=(4, 50)))
    back = ChannelStats.from_dict(json.loads(json.dumps(stats.to_dict())))
    np.testing.assert_array_equal(back.means, stats.means)
    np.testing.assert_array_equal(back.stds, stats.stds)
    assert back.n_samples == 50


def test_instance_normalize_zscores_each_window_and_channel_over_time():
    x = np.array([[[1.0, 2.0, 3.0], [10.0, 10.0, 10.0]], [[0.0, 0.0, 6.0], [-1.0, 1.0, -1.0]]])
    z = instance_normalize(x)
    assert z.dtype == np.float32 and z.shape == x.shape
    np.testing.assert_allclose(z[0, 0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)], rtol=1e-5)
    np.testing.assert_allclose(z[0, 1], 0.0)
    np.testing.assert_allclose(z.mean(axis=-1)[1], 0.0, atol=1e-6)
    np.testing.assert_allclose(z.std(axis=-1)[1], 1.0, rtol=1e-5)
