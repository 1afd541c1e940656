import numpy as np
import pytest
import torch

from openended.madrid.levels import level_dim, mirror, place, positions, random_levels
from openended.rl.vmas import goals, make_football


def _env(worlds, players=3, bot=None):
    return make_football(
        worlds, players, torch.device("cpu"), max_steps=16, seed=0, dense_reward=False, bot_strength=bot
    )


def test_placing_a_level_puts_every_entity_where_asked():
    rng = np.random.default_rng(3)
    levels = random_levels(rng, 5, 3)
    assert levels.shape == (5, level_dim(3)) == (5, 10)
    env = _env(5)
    env.reset()
    place(env, levels)
    pos = positions(env)  # ball, blue 0..2, red 0..2 in pitch units
    assert np.allclose(pos[:, 0], levels[:, 0:2], atol=1e-5)
    assert np.allclose(pos[:, 2:4], levels[:, 2:6].reshape(5, 2, 2), atol=1e-5)  # blue outfield
    assert np.allclose(pos[:, 5:7], levels[:, 6:10].reshape(5, 2, 2), atol=1e-5)  # red outfield
    # goalkeepers on their own goal lines, centred
    assert np.all(pos[:, 1, 0] < -0.9) and np.allclose(pos[:, 1, 1], 0)
    assert np.all(pos[:, 4, 0] > 0.9) and np.allclose(pos[:, 4, 1], 0)
    for a in env.agents:
        assert torch.all(a.state.vel == 0)
    # each world its own level: no two worlds share a ball position
    assert len({tuple(np.round(b, 6)) for b in pos[:, 0]}) == 5


def test_levels_outside_the_batch_shape_are_refused():
    env = _env(2)
    env.reset()
    with pytest.raises(ValueError, match="levels of shape"):
        place(env, np.zeros((3, 10)))


def test_mirroring_swaps_the_teams_and_reflects_the_pitch():
    lv = random_levels(np.random.default_rng(0), 4, 4)
    assert np.allclose(mirror(mirror(lv)), lv)
    env, env_m = _env(4, 4), _env(4, 4)
    env.reset()
    env_m.reset()
    place(env, lv)
    place(env_m, mirror(lv))
    obs = env.get_from_scenario(get_observations=True, get_rewards=False, get_infos=False, get_dones=False)[0]
    obs_m = env_m.get_from_scenario(
        get_observations=True, get_rewards=False, get_infos=False, get_dones=False
    )[0]
    # blue player i in the level sees exactly what red player i sees in the mirrored level
    for i in range(4):
        assert torch.allclose(obs[i], obs_m[4 + i], atol=1e-5)


def test_a_goal_is_read_from_the_ball():
    env = _env(3)
    env.reset()
    lv = random_levels(np.random.default_rng(1), 3, 3)
    place(env, lv)
    sc = env.scenario
    pos = sc.ball.state.pos.clone()
    pos[0] = torch.tensor([sc.pitch_length / 2 + 0.05, 0.0])  # in the right goal: blue scored
    pos[1] = torch.tensor([-sc.pitch_length / 2 - 0.05, 0.0])  # in the left goal: red scored
    pos[2] = torch.tensor([sc.pitch_length / 2 + 0.05, 0.6])  # over the line beside the posts: no goal
    sc.ball.set_pos(pos, batch_index=None)
    assert goals(env).tolist() == [1.0, -1.0, 0.0]


def test_placing_some_worlds_leaves_the_others_and_restarts_the_shaping():
    from openended.madrid.levels import place_at

    env = make_football(4, 3, torch.device("cpu"), max_steps=16, seed=0, dense_reward=True, bot_strength=0.05)
    env.reset()
    before = positions(env)
    levels = random_levels(np.random.default_rng(5), 2, 3)
    place_at(env, levels, np.array([1, 3]))
    after = positions(env)
    assert np.allclose(after[[0, 2]], before[[0, 2]])  # untouched worlds
    assert np.allclose(after[[1, 3], 0], levels[:, 0:2], atol=1e-5)
    # the shaped reward of the next step measures that step: with everyone standing still it is ~0, where
    # a stale potential would pay for the ball's jump (10 per unit of distance to the goal)
    _, rews, _, _ = env.step([torch.zeros(4, dtype=torch.long)] * 3)
    assert float(rews[0][[1, 3]].abs().max()) < 0.05


def test_a_start_hook_sees_every_world_at_first_and_each_finished_game_after():
    from openended.rl.vmas import FootballSelfPlay

    seen = []
    env = FootballSelfPlay(
        3, 2, torch.device("cpu"), max_steps=4, seed=0, on_reset=lambda e, w: seen.append(list(w))
    )
    assert seen == [[0, 1, 2]]
    for _ in range(4):
        env.step(np.zeros(env.num_envs, np.int64))
    assert seen[-1] == [0, 1, 2]  # the time limit ended all three games together
