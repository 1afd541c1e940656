import math

import numpy as np
import pytest
import torch
from torch import nn

from openended.core.serialize import load_tree, save_tree
from openended.rl.config import PPOConfig
from openended.rl.networks import ActorCritic
from openended.rl.ppo import PPO, RewardNormalizer, gae, ppo_loss
from tests.rl.helpers import FRAME, ColourEnv


def test_gae_matches_a_hand_computed_rollout():
    # T=3, one env, the episode ends after step 1; γ=0.9, λ=0.8, bootstrap value 0.2
    rewards = torch.tensor([[1.0], [0.0], [2.0]])
    values = torch.tensor([[0.5], [0.4], [0.3]])
    dones = torch.tensor([[0.0], [1.0], [0.0]])
    adv, ret = gae(rewards, values, dones, torch.tensor([0.2]), 0.9, 0.8)
    # t=2: 2 + .9*.2 - .3 = 1.88; t=1: 0 - .4 (terminal) = -.4; t=0: (1 + .9*.4 - .5) + .72*(-.4) = .572
    assert adv.squeeze(1).tolist() == pytest.approx([0.572, -0.4, 1.88])
    assert ret.squeeze(1).tolist() == pytest.approx([1.072, 0.0, 2.18])


class Fixed(nn.Module):
    """Logits and value that do not depend on the frame, so every loss term can be worked out by hand."""

    def __init__(self, probs, value):
        super().__init__()
        self.logits = nn.Parameter(torch.log(torch.tensor(probs)))
        self.v = nn.Parameter(torch.tensor(value))

    def forward(self, obs):
        n = obs.shape[0]
        return self.logits.expand(n, -1), self.v.expand(n)


def test_ppo_loss_terms_on_a_fixed_batch():
    cfg = PPOConfig(norm_adv=False, clip=0.2, ent_coef=0.01, vf_coef=0.5, clip_value=True)
    model = Fixed([0.75, 0.25], 1.0)
    loss, stats = ppo_loss(
        model,
        obs=torch.zeros(2, 1),
        actions=torch.tensor([0, 1]),
        old_logp=torch.log(torch.tensor([0.5, 0.5])),
        old_values=torch.tensor([0.5, 0.5]),
        advantages=torch.tensor([1.0, -1.0]),
        returns=torch.tensor([2.0, 0.0]),
        cfg=cfg,
    )
    # ratios 1.5 and 0.5, both clipped: max(-1.5, -1.2) = -1.2 and max(0.5, 0.8) = 0.8
    assert float(stats["policy_loss"]) == pytest.approx(-0.2)
    # value 1.0 clipped toward 0.5 + 0.2 = 0.7: max(1, 1.69) and max(1, 0.49)
    assert float(stats["value_loss"]) == pytest.approx(0.5 * (1.69 + 1.0) / 2)
    entropy = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert float(stats["entropy"]) == pytest.approx(entropy, rel=1e-5)
    assert float(stats["clip_fraction"]) == 1.0
    kl = ((0.5 - math.log(1.5)) + (-0.5 - math.log(0.5))) / 2
    assert float(stats["approx_kl"]) == pytest.approx(kl, rel=1e-5)
    assert float(loss.detach()) == pytest.approx(-0.2 - 0.01 * entropy + 0.5 * 0.6725, rel=1e-5)
    loss.backward()  # the loss is differentiable in the model's parameters
    assert model.logits.grad is not None and model.v.grad is not None


def test_reward_normalizer_scales_by_the_discounted_returns_std():
    norm = RewardNormalizer(num_envs=2, gamma=0.0)  # γ = 0: the "return" is the reward itself
    rng = np.random.default_rng(0)
    for _ in range(2000):
        out = norm(rng.normal(0, 4.0, 2), np.zeros(2, bool))
    assert math.sqrt(norm.var) == pytest.approx(4.0, rel=0.1)
    assert abs(out).max() <= 10.0


def _ppo(seed, cfg, device=None):
    torch.manual_seed(seed)
    model = ActorCritic(2, scale=1, hidden=32, frame=FRAME)
    return PPO(cfg, model, ColourEnv(cfg.num_envs, seed), device or torch.device("cpu"), total_updates=100)


def test_a_short_ppo_run_learns_a_trivial_game_above_random():
    cfg = PPOConfig(num_envs=8, num_steps=16, minibatches=2, epochs=4, lr=2e-3, normalize_reward=False)
    ppo = _ppo(0, cfg)
    returns = []
    for _ in range(20):
        _, finished = ppo.update()
        returns.append(np.mean([r for _, r, _, _ in finished]))
    # a random policy earns 4 of 8 per episode; the last updates' episodes are mostly right
    assert np.mean(returns[:2]) < 5.5
    assert np.mean(returns[-3:]) > 6.5


def test_resume_from_a_saved_state_continues_exactly(tmp_path):
    cfg = PPOConfig(num_envs=4, num_steps=8, minibatches=2, epochs=2)
    straight = _ppo(1, cfg)
    for _ in range(3):
        straight.update()
    first = _ppo(1, cfg)
    for _ in range(2):
        first.update()
    state = load_tree(save_tree(tmp_path / "ckpt.npz", first.state()))
    resumed = _ppo(99, cfg)  # other init and env seed: everything must come from the state
    resumed.load(state)
    resumed.update()
    for (name, a), (_, b) in zip(
        straight.model.state_dict().items(), resumed.model.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name
    assert resumed.env_steps == straight.env_steps == 3 * 4 * 8


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the rollout's CUDA graph needs a GPU")
def test_the_graphed_policy_step_is_the_model_of_the_moment(tmp_path):
    # the captured step must see every optimizer step, and a resumed run must draw the same actions
    cfg = PPOConfig(num_envs=4, num_steps=8, minibatches=2, epochs=2, bf16=False)
    device = torch.device("cuda")
    graphed = _ppo(1, cfg, device)
    for _ in range(2):
        graphed.update()
    frames = graphed.next_obs
    logits, value = graphed.model(frames)
    _, logp, value_g = graphed._act(frames)
    assert graphed._graphed is not None
    assert torch.allclose(value_g, value, atol=1e-5)
    # logp of the sampled action under the current weights
    assert torch.all(logp <= 0) and torch.all(logp >= torch.log_softmax(logits, -1).min(-1).values - 1e-5)
    state = load_tree(save_tree(tmp_path / "ckpt.npz", graphed.state()))
    graphed.update()
    resumed = _ppo(99, cfg, device)
    resumed.load(state)
    resumed.update()
    assert torch.equal(graphed.actions, resumed.actions)
