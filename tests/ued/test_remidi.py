from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from openended.core.commands import execute
from openended.core.runs import read_metrics
from openended.ued.cli import REMIDI
from openended.ued.config import DomainConfig, PLRConfig, PPOConfig, ReMiDiConfig, ReMiDiRunConfig
from openended.ued.domains import (
    BLIND,
    FlaggedLevel,
    FlaggedMaze,
    LeverLevel,
    make_domain,
    maze_oracle_value,
    optimal_actions,
    tmaze_level,
)
from openended.ued.level import from_str
from openended.ued.maze import FORWARD, GOAL, LEFT, RIGHT, Maze
from openended.ued.plr import RobustPLR
from openended.ued.ppo import Transition
from openended.ued.remidi import divergence_step, post_divergence_mask

GAMMA = 0.9


def play(env, level, actions):
    """The time-major (T, 1) trajectory of ``actions`` on ``level`` (only the fields the check reads)."""
    obs, state = env.reset_to_level(level)
    images, dirs = [], []
    for a in actions:
        images.append(obs.image)
        dirs.append(obs.agent_dir)
        obs, state, *_ = env.step(state, jnp.int32(a))
    n = len(actions)
    z = jnp.zeros((n, 1))
    return Transition(
        jnp.stack(images)[:, None], jnp.stack(dirs)[:, None], z, jnp.array(actions)[:, None], z, z, z, z
    )


def stacked(*levels):
    return jax.tree_util.tree_map(lambda *x: jnp.stack(x), *levels)


# -- the overlap check --------------------------------------------------------------------------------------
def test_identical_histories_are_fully_consistent_and_a_shown_lever_diverges_at_once():
    env = make_domain(DomainConfig(name="lever"), 0, 250).env
    earlier = stacked(LeverLevel(jnp.int32(3), jnp.bool_(True)), LeverLevel(jnp.int32(0), jnp.bool_(False)))
    valid = jnp.array([True, True])
    hidden = play(env, LeverLevel(jnp.int32(7), jnp.bool_(True)), [1, 2, 3, 4])
    assert int(divergence_step(env, hidden, earlier, valid)[0]) == 4  # = T: rejected
    shown = play(env, LeverLevel(jnp.int32(5), jnp.bool_(False)), [1, 2, 3, 4])
    assert int(divergence_step(env, shown, earlier, valid)[0]) == 0
    # the same shown lever as an earlier level: consistent; an invalid (empty) slot never counts
    same = play(env, LeverLevel(jnp.int32(0), jnp.bool_(False)), [1, 2, 3, 4])
    assert int(divergence_step(env, same, earlier, valid)[0]) == 4
    assert int(divergence_step(env, same, earlier, jnp.array([True, False]))[0]) == 0


def test_history_diverging_at_step_t_is_accepted_and_masked_from_t():
    env = Maze(max_steps=50)
    row = "." * 13
    a = from_str(f"{row}\n.>{'.' * 10}G\n{row}")
    b = from_str(f"{row}\n.>.....#....G\n{row}")  # a wall at x=7, seen when the agent reaches x=3
    traj = play(env, a, [FORWARD] * 6)
    d = divergence_step(env, traj, stacked(b), jnp.array([True]))
    assert int(d[0]) == 2
    mask = post_divergence_mask(d, 6)
    np.testing.assert_array_equal(np.asarray(mask[:, 0]), [0, 0, 1, 1, 1, 1])
    # the level itself matches throughout: fully consistent
    assert int(divergence_step(env, traj, stacked(a), jnp.array([True]))[0]) == 6


# -- oracle values and domain semantics ----------------------------------------------------------------------
def test_maze_oracle_counts_turns():
    right = from_str(".....\n.>..G\n.....")
    left = from_str(".....\n.<..G\n.....")
    assert int(optimal_actions(right)) == 3 and int(optimal_actions(left)) == 5
    assert int(optimal_actions(from_str(".>#G"))) == -1
    np.testing.assert_allclose(
        maze_oracle_value(right, GAMMA, 250), (1 - 0.9 * 3 / 250) * GAMMA**2, rtol=1e-6
    )
    assert float(maze_oracle_value(from_str(".>#G"), GAMMA, 250)) == 0.0


def test_maze_oracle_is_attained_by_acting_optimally():
    env = Maze(max_steps=250)
    level = from_str(".....\n.<..G\n.....")
    _, state = env.reset_to_level(level)
    ret = 0.0
    for t, a in enumerate([RIGHT, RIGHT, FORWARD, FORWARD, FORWARD]):
        _, state, reward, done, _ = env.step(state, jnp.int32(a))
        ret += GAMMA**t * float(reward)
    assert bool(done)
    np.testing.assert_allclose(ret, float(maze_oracle_value(level, GAMMA, 250)), rtol=1e-6)


def test_lever_oracle_and_rewards():
    domain = make_domain(DomainConfig(name="lever", levers=4), 0, 250)
    shown, hidden = LeverLevel(jnp.int32(2), jnp.bool_(False)), LeverLevel(jnp.int32(2), jnp.bool_(True))
    assert (
        float(domain.oracle_value(shown, GAMMA)) == 1.0 and float(domain.oracle_value(hidden, GAMMA)) == 10.0
    )
    env = domain.env
    obs, state = env.reset_to_level(hidden)
    assert np.asarray(obs.image).argmax() == 4  # the "hidden" index, whatever the answer
    rewards = [float(env.step(state, jnp.int32(a))[2]) for a in (2, 1)]
    assert rewards == [10.0, -10.0]
    obs, state = env.reset_to_level(shown)
    assert np.asarray(obs.image).argmax() == 2 and float(env.step(state, jnp.int32(1))[2]) == -1.0


def test_tmaze_hides_the_goal_ends_on_the_first_move_and_has_oracle_gamma():
    domain = make_domain(DomainConfig(name="tmaze"), 25, 250)
    level = FlaggedLevel(tmaze_level(jax.random.PRNGKey(3), 25), jnp.bool_(True))
    np.testing.assert_allclose(float(domain.oracle_value(level, GAMMA)), GAMMA)
    env = domain.env
    obs, state = env.reset_to_level(level)
    goal_on_right = int(level.maze.goal_pos[0]) > int(level.maze.agent_pos[0])
    for turn, expected in ((RIGHT if goal_on_right else LEFT, 1.0), (LEFT if goal_on_right else RIGHT, -1.0)):
        obs, state = env.reset_to_level(level)
        assert not (np.asarray(obs.image)[..., 0] == int(GOAL[0])).any()
        obs2, state2, reward, done, _ = env.step(state, jnp.int32(turn))
        assert float(reward) == 0.0 and not bool(done)
        assert not (np.asarray(obs2.image)[..., 0] == int(GOAL[0])).any()
        _, _, reward, done, _ = env.step(state2, jnp.int32(FORWARD))
        assert float(reward) == expected and bool(done)
    # two T-mazes with goals on opposite sides look the same
    other = FlaggedLevel(
        level.maze.replace(goal_pos=2 * level.maze.agent_pos - level.maze.goal_pos), level.flag
    )
    np.testing.assert_array_equal(env.reset_to_level(level)[0].image, env.reset_to_level(other)[0].image)


def test_blindfold_observation_is_constant_on_blind_levels_only():
    env = FlaggedMaze("blindfold", 250)
    maze = from_str(".....\n.>..G\n.....")
    blind, _ = env.reset_to_level(FlaggedLevel(maze, jnp.bool_(True)))
    sighted, _ = env.reset_to_level(FlaggedLevel(maze, jnp.bool_(False)))
    assert (np.asarray(blind.image) == BLIND).all() and int(blind.agent_dir) == BLIND
    assert (np.asarray(sighted.image)[..., 0] == int(GOAL[0])).any()


# -- ReMiDi runs ----------------------------------------------------------------------------------------
def tiny(domain, **kw):
    return ReMiDiRunConfig(
        num_envs=8,
        num_steps=16,
        num_updates=40,
        max_episode_steps=16,
        n_walls=5,
        eval_every=20,
        log_every=5,
        checkpoint_every=20,
        eval_attempts=1,
        eval_random_levels=40,
        eval_levels=("SmallRoom",),
        domain=DomainConfig(name=domain),
        ppo=PPOConfig(lstm_features=16, lr=1e-3),
        plr=PLRConfig(score="oracle", capacity=16),
        remidi=ReMiDiConfig(buffers=2, steps_per_buffer=15),
        **kw,
    )


@pytest.mark.parametrize("domain", ["lever", "tmaze", "blindfold"])
def test_remidi_smoke_run_moves_to_the_next_buffer_and_rejects_consistent_levels(tmp_path, domain):
    path = execute(REMIDI, tiny(domain), root=tmp_path, name=domain)
    rows = read_metrics(path)
    train = [r for r in rows if "train/buffer_index" in r]
    assert train[0]["train/buffer_index"] == 0 and train[-1]["train/buffer_index"] == 1
    assert any("solve/" in k for k in rows[-1])
    if domain == "lever":  # hidden levers all look alike: once buffer 0 holds one, new ones are rejected
        late = [r["train/consistent_fraction"] for r in train if r["train/buffer_index"] == 1]
        assert np.nanmax(late) > 0
    html = (path / "report.html").read_text()
    assert "minimax regret gives no incentive" in html


def test_robust_plr_runs_on_a_toy_domain_with_oracle_regret(tmp_path):
    path = execute(REMIDI, tiny("lever", algorithm="robust_plr"), root=tmp_path, name="plr", report=False)
    assert read_metrics(path)[-1]["buffer_size"] > 0


def test_oracle_scored_buffer_fills_when_rollouts_end_before_any_episode():
    # rollouts of 4 steps on 250-step mazes: almost no episode completes, yet PLR⊥ must get levels to train on
    cfg = replace(tiny("blindfold", algorithm="robust_plr"), num_steps=4, max_episode_steps=250, n_walls=0)
    trainer = RobustPLR(cfg)
    state = trainer.init(jax.random.PRNGKey(0))
    state, _ = trainer._on_new(state, jax.random.PRNGKey(1))
    n = min(cfg.num_envs, cfg.plr.capacity)
    assert int(state.sampler.size) == n
    assert bool(jnp.all(jnp.isfinite(state.sampler.scores[:n])))
