"""The student: rollouts, GAE and PPO updates after a level visit (``unroll``, ``ppo.chunks``)."""

import jax
import jax.numpy as jnp
import numpy as np

from openended.ued.config import PPOConfig
from openended.ued.ppo import Transition
from openended.ued.student import Student
from tests.ued.helpers import tiny


def test_unrolled_loops_compute_the_same_update():
    """``unroll`` only changes how many time steps run per loop iteration, not the result."""
    from openended.ued.dr import DomainRandomization

    results = []
    for unroll in (1, 4):
        trainer = DomainRandomization(tiny("dr", unroll=unroll))
        state = trainer.init(jax.random.PRNGKey(0))
        for _ in range(2):
            state, metrics = trainer.step(state)
        results.append((state.train.params, metrics["episode_return"]))
    (p1, r1), (p4, r4) = results
    np.testing.assert_allclose(r1, r4, rtol=1e-5)
    for a, b in zip(jax.tree_util.tree_leaves(p1), jax.tree_util.tree_leaves(p4), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_chunked_visits_continue_episodes_and_learn_after_each_piece():
    """``ppo.chunks`` cuts a level visit into pieces with an update after each: with a vanishing learning rate
    the visit's trajectory equals the uncut one (same actions, episodes and LSTM states run on), each piece's
    update starts from the LSTM state the piece started with (the recomputed policy matches the acting one:
    no KL), and the optimizer steps once per piece, epoch and minibatch."""
    from openended.ued.dr import DomainRandomization

    out = {}
    for chunks in (1, 4):
        cfg = tiny("dr", ppo=PPOConfig(lstm_features=16, lr=1e-30, chunks=chunks, minibatches=2))
        trainer = DomainRandomization(cfg)
        state = trainer.init(jax.random.PRNGKey(0))
        levels = trainer.new_levels(jax.random.PRNGKey(1))
        out[chunks] = jax.jit(trainer.student.visit_and_learn)(jax.random.PRNGKey(2), state.train, levels)
    (t1, traj1, adv1, _), (t4, traj4, adv4, info4) = out[1], out[4]
    assert traj4.action.shape == traj1.action.shape == (32, 8)
    np.testing.assert_array_equal(traj4.action, traj1.action)
    np.testing.assert_array_equal(traj4.done, traj1.done)
    np.testing.assert_allclose(traj4.value, traj1.value, rtol=1e-5, atol=1e-6)
    assert int(traj1.done.sum()) > 0 and not bool(traj4.reset[8:].all())  # episodes cross piece borders
    assert float(info4["approx_kl"]) < 1e-6
    assert int(t1.step) == 5 * 2 and int(t4.step) == 4 * 5 * 2
    # a piece's GAE bootstraps at its end instead of running on: advantages differ only there
    assert not np.allclose(adv4, adv1)


def test_rollout_metrics_count_completed_episodes_only():
    # env 0: episodes of return 1 (steps 0-1) and 0.5 (steps 2-3); env 1: one of return 0, then an open one
    reward = jnp.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.5, 0.3]])
    done = jnp.array([[False, False], [True, True], [False, False], [True, False]])
    zeros = jnp.zeros((4, 2))
    traj = Transition(zeros, zeros, zeros, zeros, zeros, zeros, reward, done)
    rollout_metrics = jax.jit(Student.rollout_metrics)
    metrics = rollout_metrics(traj)
    assert int(metrics["episodes"]) == 3
    np.testing.assert_allclose(float(metrics["episode_return"]), (1.0 + 0.5 + 0.0) / 3, rtol=1e-6)
    np.testing.assert_allclose(float(metrics["solve_rate"]), 2 / 3, rtol=1e-6)
    never_done = Transition(zeros, zeros, zeros, zeros, zeros, zeros, reward, jnp.zeros((4, 2), bool))
    empty = rollout_metrics(never_done)  # no completed episode: zeros, not NaN
    assert int(empty["episodes"]) == 0
    assert float(empty["episode_return"]) == 0.0 and float(empty["solve_rate"]) == 0.0
