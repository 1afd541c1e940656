import numpy as np
import pytest
import torch

from openended.rl.config import PPOConfig
from openended.rl.networks import MLPActorCritic
from openended.rl.policies import load_policy, save_policy
from openended.rl.ppo import PPO
from openended.rl.vmas import FootballSelfPlay


def test_self_play_rows_are_players_and_a_goal_rewards_one_side():
    env = FootballSelfPlay(4, 2, torch.device("cpu"), max_steps=6, seed=0)
    assert env.num_envs == 4 * 2 * 2 and env.observe().shape == (16, env.obs_dim)
    sc = env.groups[0].env.scenario
    pos = sc.ball.state.pos.clone()
    pos[1] = torch.tensor([sc.pitch_length / 2 + 0.05, 0.0])  # world 1: the ball is in red's goal
    sc.ball.set_pos(pos, batch_index=None)
    _, reward, done = env.step(np.zeros(16, np.int64))
    r = reward.reshape(4, 4)
    assert done.reshape(4, 4)[1].all() and not done.reshape(4, 4)[[0, 2, 3]].any()
    # a team's rows share its reward; the goal (VMAS's scoring reward, 100) outweighs the dense shaping
    assert r[1, 0] == r[1, 1] > 50 and r[1, 2] == r[1, 3] < -50
    finished = env.finished()
    assert [(w, goal) for w, _, _, goal in finished] == [(1, 1)]
    # world 1 was reset at once: its ball is back on the pitch, the others play on
    assert abs(float(sc.ball.state.pos[1, 0])) < sc.pitch_length / 2
    for _ in range(5):
        _obs, reward, done = env.step(np.zeros(16, np.int64))
    assert done.reshape(4, 4)[[0, 2, 3]].all()  # max_steps ends the other three
    assert len(env.finished()) == 3


def test_ppo_runs_on_football_and_an_mlp_policy_round_trips(tmp_path):
    torch.manual_seed(0)
    env = FootballSelfPlay(4, 2, torch.device("cpu"), max_steps=16, seed=0)
    model = MLPActorCritic(env.obs_dim, 9, 32, 2)
    ppo = PPO(
        PPOConfig(num_envs=env.num_envs, num_steps=8, minibatches=1, epochs=2),
        model,
        env,
        torch.device("cpu"),
        4,
    )
    stats, _ = ppo.update()
    assert np.isfinite(stats["policy_loss"]) and ppo.env_steps == 16 * 8
    state = ppo.state()
    ppo.load(state)  # VMAS cannot restore its worlds: fresh games, the network and optimizer exactly
    assert torch.equal(ppo.next_obs, env.observe())
    path = save_policy(tmp_path / "p.npz", model, {"game": "football-2v2"})
    loaded, info = load_policy(path)
    obs = env.observe()
    assert info["game"] == "football-2v2" and torch.allclose(loaded(obs)[0], model(obs)[0])


def test_games_that_end_together_are_reset_together():
    env = FootballSelfPlay(3, 2, torch.device("cpu"), max_steps=2, seed=0)
    for _ in range(2):
        obs, _, done = env.step(np.zeros(12, np.int64))
    assert done.all() and len(env.finished()) == 3
    assert obs.shape == (12, env.obs_dim)
    # fresh games: every world's step counter restarted, so one more step ends none of them
    _, _, done = env.step(np.zeros(12, np.int64))
    assert not done.any()


def test_games_against_the_scripted_team_follow_the_self_play_rows():
    env = FootballSelfPlay(
        2, 2, torch.device("cpu"), max_steps=3, seed=0, scripted_worlds=3, scripted_strength=0.5
    )
    assert env.worlds == 5 and env.num_envs == 2 * 4 + 3 * 2
    obs = env.observe()
    assert obs.shape == (14, env.obs_dim)
    sc = env.groups[1].env.scenario
    pos = sc.ball.state.pos.clone()
    pos[2] = torch.tensor([sc.pitch_length / 2 + 0.05, 0.0])  # scripted world 2: blue has scored
    sc.ball.set_pos(pos, batch_index=None)
    _, reward, done = env.step(np.zeros(14, np.int64))
    assert done[8 + 2 * 2 : 8 + 2 * 3].all() and reward[8 + 2 * 2] > 50
    assert [(w, goal) for w, _, _, goal in env.finished()] == [(2 + 2, 1)]  # scripted worlds come after
    with pytest.raises(ValueError, match="no games"):
        FootballSelfPlay(0, 2, torch.device("cpu"), max_steps=3, seed=0)
