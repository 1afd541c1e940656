"""PLR and PLR⊥ (and ACCEL's PLR⊥ branches): which updates learn, the buffer, learning on easy mazes, oracle
regret on the toy domains; the level scores."""

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from openended.core.commands import execute
from openended.core.runs import read_metrics
from openended.ued.cli import EASY_EVAL, EXPERIMENT, REMIDI, tour_config
from openended.ued.config import PLRConfig
from openended.ued.domains import LeverLevel, make_domain
from openended.ued.plr import RobustPLR, level_scores
from openended.ued.ppo import Transition
from tests.ued.helpers import tiny, tiny_remidi


@pytest.mark.parametrize(
    ("algorithm", "learns_on_new_levels"),
    [("dr", True), ("plr", True), ("robust_plr", False), ("accel", False)],
)
def test_gradient_updates_follow_the_algorithm(algorithm, learns_on_new_levels):
    from openended.ued.experiment import make_trainer

    trainer = make_trainer(tiny(algorithm))
    state = trainer.init(jax.random.PRNGKey(0))

    def changed(before, after):
        pairs = zip(
            jax.tree_util.tree_leaves(before.train.params),
            jax.tree_util.tree_leaves(after.train.params),
            strict=True,
        )
        return any(not np.array_equal(a, b) for a, b in pairs)

    if not trainer.uses_buffer:  # DR: every update is on new levels, and learns; no buffer in its state
        after, _ = trainer.step(state)
        assert changed(state, after) and not hasattr(after, "sampler")
        return
    after_new, _ = jax.jit(trainer._on_new)(state, jax.random.PRNGKey(1))
    assert changed(state, after_new) == learns_on_new_levels  # PLR⊥ and ACCEL: no gradient on new levels
    if trainer.uses_buffer:
        assert int(after_new.sampler.size) > 0
        after_replay, _ = jax.jit(trainer._on_replay)(after_new, jax.random.PRNGKey(2))
        assert changed(after_new, after_replay)  # replayed levels always train the student
        assert bool(after_replay.mutate_next) == (algorithm == "accel")
        if algorithm == "accel":
            after_mutate, _ = jax.jit(trainer._on_mutate)(after_replay, jax.random.PRNGKey(3))
            assert not changed(after_replay, after_mutate) and not bool(after_mutate.mutate_next)


def test_robust_plr_improves_held_out_solve_rate_on_easy_mazes(tmp_path):
    cfg = tour_config().replace(num_updates=300, eval_every=300, seed=0)
    assert cfg.eval_levels == EASY_EVAL
    path = execute(EXPERIMENT, cfg, root=tmp_path, name="learn", report=False)
    evals = [r for r in read_metrics(path) if "heldout_solve_rate" in r]
    before, after = evals[0], evals[-1]
    assert before["heldout_solve_rate"] <= 0.1
    assert after["heldout_solve_rate"] >= before["heldout_solve_rate"] + 0.3
    assert after["random_solve_rate"] >= before["random_solve_rate"] + 0.4


def test_robust_plr_runs_on_a_toy_domain_with_oracle_regret(tmp_path):
    path = execute(
        REMIDI, tiny_remidi("lever", algorithm="robust_plr"), root=tmp_path, name="plr", report=False
    )
    assert read_metrics(path)[-1]["buffer_size"] > 0


def test_oracle_scored_buffer_fills_when_rollouts_end_before_any_episode():
    # rollouts of 4 steps on 250-step mazes: almost no episode completes, yet PLR⊥ must get levels to train on
    cfg = replace(
        tiny_remidi("blindfold", algorithm="robust_plr"), num_steps=4, max_episode_steps=250, n_walls=0
    )
    trainer = RobustPLR(cfg)
    state = trainer.init(jax.random.PRNGKey(0))
    state, _ = trainer._on_new(state, jax.random.PRNGKey(1))
    n = min(cfg.num_envs, cfg.plr.capacity)
    assert int(state.sampler.size) == n
    assert bool(jnp.all(jnp.isfinite(state.sampler.scores[:n])))


def _traj(reward, done):
    reward = jnp.asarray(reward, jnp.float32)
    zeros = jnp.zeros_like(reward)
    return Transition(zeros, zeros, zeros, zeros, zeros, zeros, reward, jnp.asarray(done, bool))


def test_oracle_score_is_the_optimal_value_minus_the_mean_return_or_the_levers_constant():
    cfg = tiny_remidi("lever")
    regret_cfg = cfg.replace(domain=cfg.domain.replace(lever_score="regret"))
    levels = LeverLevel(
        jnp.array([2, 2]), jnp.array([False, True]), jnp.array([0, 0])
    )  # V*: 1 shown, 10 hidden
    # one-step episodes: the shown lever pulled right twice (mean 1), the hidden one right then wrong (mean 0)
    traj = _traj([[1.0, 10.0], [1.0, -10.0]], [[True, True], [True, True]])
    no_best = jnp.full(2, -jnp.inf)
    for c, expected in ((regret_cfg, [0.0, 10.0]), (cfg, [1.0, 10.0])):  # ReMiDi's code: the constant
        domain = make_domain(c.domain, c.n_walls, c.max_episode_steps)
        score, best = jax.jit(lambda t: level_scores(c, domain, t, t.reward, no_best, levels))(traj)  # noqa: B023
        np.testing.assert_allclose(score, expected, rtol=1e-6)
    np.testing.assert_allclose(best, [1.0, 10.0], rtol=1e-6)  # the best episode return, for MaxMC


def test_learnability_score_is_p_times_one_minus_p_over_completed_episodes():
    cfg = tiny("robust_plr", plr=PLRConfig(score="learnability", capacity=16))
    # env 0: one episode solved of two (p = 1/2); env 1: both solved (p = 1); env 2: no episode ends
    reward = [[0.0, 0.9, 0.0], [0.5, 0.0, 0.0], [0.0, 0.8, 0.0], [0.0, 0.0, 0.0]]
    done = [[False, True, False], [True, False, False], [False, True, False], [True, False, False]]
    traj = _traj(reward, done)
    score, _ = jax.jit(lambda t: level_scores(cfg, None, t, t.reward, jnp.full(3, -jnp.inf), None))(traj)
    np.testing.assert_allclose(score, [0.25, 0.0, -np.inf])


def test_an_episode_ending_during_a_replay_restarts_the_replayed_level():
    # minimax's PLR runner reset a finished episode to a fresh random level mid-replay; here the maze resets
    # to the level it was given, so every episode start of a replay shows that level's start again
    from openended.ued.experiment import make_trainer

    trainer = make_trainer(tiny("robust_plr").replace(max_episode_steps=4))
    state = trainer.init(jax.random.PRNGKey(0))
    state, _ = jax.jit(trainer._on_new)(state, jax.random.PRNGKey(1))
    sampler, idx = trainer.sampler.sample(state.sampler, jax.random.PRNGKey(2), trainer.cfg.num_envs)
    levels = trainer.sampler.get(sampler, idx)
    _, traj, _, _ = jax.jit(trainer.student.visit_and_learn)(jax.random.PRNGKey(3), state.train, levels)
    reset = np.asarray(traj.reset)
    assert reset[1:].sum() >= trainer.cfg.num_envs * 4  # episodes of <= 4 steps end many times in 32 steps
    image, direction = np.asarray(traj.image), np.asarray(traj.direction)
    for t, env in zip(*np.nonzero(reset), strict=True):
        assert np.array_equal(image[t, env], image[0, env]) and direction[t, env] == direction[0, env]
