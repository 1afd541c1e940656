"""The toy UPOMDP domains (lever game, T-maze mix, blindfold maze) and the maze oracle value."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from openended.ued.config import DomainConfig
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

GAMMA = 0.9


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
    shown = LeverLevel(jnp.int32(2), jnp.bool_(False), jnp.int32(0))
    hidden = LeverLevel(jnp.int32(2), jnp.bool_(True), jnp.int32(0))
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


def test_maze_oracle_turns_around_and_is_zero_beyond_the_time_limit():
    assert int(optimal_actions(from_str("G>"))) == 3  # turn, turn, step in
    assert int(optimal_actions(from_str("G<"))) == 1
    four = from_str(">...G")  # four steps forward
    np.testing.assert_allclose(float(maze_oracle_value(four, GAMMA, 4)), 0.1 * GAMMA**3, rtol=1e-6)
    assert float(maze_oracle_value(four, GAMMA, 3)) == 0.0  # the goal cannot be reached in time


def test_tmazes_have_the_t_shape_and_all_look_alike_from_the_start():
    env = FlaggedMaze("tmaze", 250)
    ys, xs = np.mgrid[:13, :13]
    inner = (np.abs(xs - 6) < 5) & (np.abs(ys - 6) < 5)
    inner[5:8, 5:8] = False
    goals, views = set(), set()
    for key in jax.random.split(jax.random.PRNGKey(0), 8):
        level = tmaze_level(key, 25)
        walls = np.asarray(level.wall_map)
        assert level.agent_pos.tolist() == [6, 6] and int(level.agent_dir) == 3  # centre, facing up
        assert bool(level.is_well_formed())
        goals.add(tuple(level.goal_pos.tolist()))
        # the 3×3 block around the agent is wall but for the row it stands in; random walls only further out
        np.testing.assert_array_equal(walls[5:8, 5:8], [[1, 1, 1], [0, 0, 0], [1, 1, 1]])
        assert not walls[inner].any() and walls[~inner].any()
        # from the start, facing any way, every T-maze gives the same observation (walls, goal side unseen)
        for direction in range(4):
            turned = FlaggedLevel(level.replace(agent_dir=jnp.int32(direction)), jnp.bool_(True))
            views.add((direction, np.asarray(env.reset_to_level(turned)[0].image).tobytes()))
    assert goals == {(5, 6), (7, 6)} and len(views) == 4


def test_blindness_changes_what_is_seen_not_what_happens():
    env = FlaggedMaze("blindfold", 250)
    maze = from_str("....\n.>.G\n....")
    outcomes = {}
    for blind in (True, False):
        _, state = env.reset_to_level(FlaggedLevel(maze, jnp.bool_(blind)))
        steps = []
        for a in (LEFT, RIGHT, FORWARD, FORWARD):
            obs, state, reward, done, _ = env.step(state, jnp.int32(a))
            where = (state.maze.agent_pos.tolist(), int(state.maze.agent_dir))
            steps.append((*where, float(reward), bool(done)))
            if blind:
                assert (np.asarray(obs.image) == BLIND).all() and int(obs.agent_dir) == BLIND
        outcomes[blind] = steps
    assert outcomes[True] == outcomes[False]
    reward, done = outcomes[True][-1][2:]  # the fourth action enters the goal
    assert reward == pytest.approx(1 - 0.9 * 4 / 250) and done


def test_flagged_levels_have_oracle_gamma_on_tmazes_and_the_maze_value_when_blind():
    maze = from_str(".....\n.>..G\n.....")  # three steps forward
    value = (1 - 0.9 * 3 / 250) * GAMMA**2
    tmaze = make_domain(DomainConfig(name="tmaze"), 0, 250)
    blindfold = make_domain(DomainConfig(name="blindfold"), 0, 250)
    for domain, flagged in ((tmaze, GAMMA), (blindfold, value)):
        for flag, expected in ((True, flagged), (False, value)):
            level = FlaggedLevel(maze, jnp.bool_(flag))
            np.testing.assert_allclose(float(domain.oracle_value(level, GAMMA)), expected, rtol=1e-6)
            assert bool(domain.flag(level)) == flag
    # held-out mazes enter the flagged domains as ordinary (unflagged) levels
    assert not bool(tmaze.from_maze(maze).flag) and not bool(blindfold.from_maze(maze).flag)


def test_lever_levels_follow_the_configured_hidden_probability():
    keys = jax.random.split(jax.random.PRNGKey(0), 200)

    def sample(hidden_prob):
        cfg = DomainConfig(name="lever", levers=4, hidden_prob=hidden_prob)
        return jax.vmap(make_domain(cfg, 0, 250).sample_level)(keys)

    shown = sample(0.0)
    assert not np.asarray(shown.hidden).any() and set(np.asarray(shown.answer).tolist()) == {0, 1, 2, 3}
    assert np.asarray(sample(1.0).hidden).all()
    assert 0.35 < np.asarray(sample(0.5).hidden).mean() < 0.65


def test_lever_nonces_let_a_buffer_fill_with_copies_of_one_lever_problem():
    # ReMiDi's levels carry an arbitrary number: the buffer merges equal levels, so without it no more than
    # 25 hidden levels fit in one, and shown levers keep the other slots whatever their score
    from openended.ued.config import PLRConfig
    from openended.ued.level_sampler import LevelSampler

    domain = make_domain(DomainConfig(name="lever"), 0, 250)
    levels = jax.vmap(domain.sample_level)(jax.random.split(jax.random.PRNGKey(0), 400))
    scores = jax.vmap(domain.fixed_score)(levels)
    np.testing.assert_array_equal(scores, np.where(levels.hidden, 10.0, 1.0))
    sampler = LevelSampler(PLRConfig(capacity=64))

    def hidden_in_buffer(lv):
        s, _ = sampler.insert_batch(
            sampler.init(jax.tree_util.tree_map(lambda x: x[0], lv)), lv, scores, scores
        )
        return int(np.asarray(s.levels.hidden)[: int(s.size)].sum()), int(s.size)

    assert hidden_in_buffer(levels) == (64, 64)
    without = levels.replace(nonce=jnp.zeros_like(levels.nonce))
    assert hidden_in_buffer(without) == (25, 50)  # only 50 distinct levels: 25 of the slots hold shown levers


def test_every_shown_lever_is_one_level_of_the_evaluation():
    domain = make_domain(DomainConfig(name="lever", levers=6), 0, 250)
    shown = domain.shown_levels()
    np.testing.assert_array_equal(shown.answer, np.arange(6))
    assert not np.asarray(shown.hidden).any()
    assert make_domain(DomainConfig(name="lever", lever_score="regret"), 0, 250).fixed_score is None
