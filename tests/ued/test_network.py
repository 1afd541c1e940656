"""The student's LSTM: flax's LSTM cell step by step, with the state zeroed where an episode starts."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from openended.ued.network import ResetLSTM, initial_carry


def test_reset_lstm_matches_flax_lstm_cell_and_zeroes_the_state_at_episode_starts():
    t, b, d, f = 7, 3, 5, 8
    kx, kp, kc = jax.random.split(jax.random.PRNGKey(0), 3)
    x = jax.random.normal(kx, (t, b, d))
    reset = jnp.zeros((t, b), bool).at[0, 0].set(True).at[4, 1].set(True).at[2, 2].set(True)
    carry = tuple(jax.random.normal(k, (b, f)) for k in jax.random.split(kc))
    lstm = ResetLSTM(f)
    params = lstm.init(kp, carry, x, reset)["params"]
    (c_end, h_end), hs = lstm.apply({"params": params}, carry, x, reset)

    # the same weights in flax's cell layout: per-gate input kernels, recurrent kernels with the biases
    cell = nn.OptimizedLSTMCell(f)
    w_in, bias, w_h = params["input"]["kernel"], params["input"]["bias"], params["recurrent"]
    ref = {}
    for n, gate in enumerate("ifgo"):
        part = slice(n * f, (n + 1) * f)
        ref[f"i{gate}"] = {"kernel": w_in[:, part]}
        ref[f"h{gate}"] = {"kernel": w_h[:, part], "bias": bias[part]}
    c, h = carry
    expected = []
    for step in range(t):
        zero = reset[step][:, None]
        c, h = jnp.where(zero, 0.0, c), jnp.where(zero, 0.0, h)
        (c, h), out = cell.apply({"params": ref}, (c, h), x[step])
        expected.append(out)
    np.testing.assert_allclose(hs, jnp.stack(expected), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_end, c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h_end, h, rtol=1e-5, atol=1e-6)

    # a reset makes the output independent of everything before it
    other = tuple(v + 1.0 for v in carry)
    _, hs_other = lstm.apply({"params": params}, other, x.at[:2].set(0.0), reset)
    np.testing.assert_allclose(hs_other[4:, 1], hs[4:, 1], rtol=1e-5, atol=1e-6)
    assert not np.allclose(hs_other[4:, 0], hs[4:, 0])  # env 0 reset only at t=0, its inputs changed


def test_recurrent_weights_start_orthogonal_per_gate():
    f = 6
    params = ResetLSTM(f).init(
        jax.random.PRNGKey(1), initial_carry(2, f), jnp.ones((3, 2, 4)), jnp.zeros((3, 2), bool)
    )["params"]
    w = np.asarray(params["recurrent"])
    assert w.shape == (f, 4 * f)
    for n in range(4):
        block = w[:, n * f : (n + 1) * f]
        np.testing.assert_allclose(block.T @ block, np.eye(f), atol=1e-5)


def test_the_lever_student_is_remidis_feed_forward_network_and_mazes_keep_the_lstm():
    from openended.ued.config import DomainConfig, PPOConfig, UEDConfig
    from openended.ued.experiment import make_trainer

    lever = make_trainer(
        UEDConfig(algorithm="dr", num_envs=2, num_steps=4, domain=DomainConfig(name="lever"))
    )
    params = lever.init(jax.random.PRNGKey(0)).train.params["params"]
    ff = params["FeedForward_0"]
    assert "ResetLSTM_0" not in params and ff["Dense_0"]["kernel"].shape == (26, 256)  # 25 levers + hidden
    assert ff["Dense_2"]["kernel"].shape == (256, 32) and ff["Dense_3"]["kernel"].shape == (32, 25)
    # orthogonal gain 0.01 on the policy output: near-uniform first pulls, as in ReMiDi's code
    assert (
        float(jnp.abs(ff["Dense_3"]["kernel"]).max()) < 0.05 and not np.asarray(ff["Dense_3"]["bias"]).any()
    )
    maze = make_trainer(UEDConfig(algorithm="dr", num_envs=2, num_steps=4, ppo=PPOConfig(lstm_features=8)))
    assert "ResetLSTM_0" in maze.init(jax.random.PRNGKey(0)).train.params["params"]
    forced = UEDConfig(
        algorithm="dr",
        num_envs=2,
        num_steps=4,
        domain=DomainConfig(name="lever"),
        ppo=PPOConfig(network="lstm"),
    )
    assert "ResetLSTM_0" in make_trainer(forced).init(jax.random.PRNGKey(0)).train.params["params"]
