import pytest
import torch

from openended.lapo.config import ModelConfig, OnlineDecodeConfig, VQConfig
from openended.lapo.latent_policy import LatentPolicy
from openended.lapo.online import LAPOAgent, learning_rates, ramp, refit_due, triplets
from openended.lapo.probe import mlp


def test_each_part_learns_from_its_own_frame_on_and_stops_at_the_end():
    assert ramp(10, (20, 40), 1.0, 100) == 0.0
    assert ramp(30, (20, 40), 1.0, 100) == pytest.approx(0.5)
    assert ramp(40, (20, 40), 1.0, 100) == pytest.approx(1.0)
    assert ramp(70, (20, 40), 1.0, 100) == pytest.approx(0.5)
    assert ramp(100, (20, 40), 1.0, 100) == 0.0
    cfg = OnlineDecodeConfig()
    # at 30k frames only the value head learns (from 25k); the RL head waits until 35k, the trunk 50k
    head, value, trunk = learning_rates(cfg, 30_000)
    assert head == 0.0 and trunk == 0.0 and value == pytest.approx(2.5e-3 * 5 / 25)
    assert learning_rates(cfg, 200_000)[2] == pytest.approx(1e-3)


def test_the_decoder_is_refit_after_every_update_early_then_every_twentieth():
    cfg = OnlineDecodeConfig()
    assert not refit_due(cfg, 8_192, 2)  # before 10k frames
    assert refit_due(cfg, 12_288, 3) and refit_due(cfg, 45_056, 11)
    assert not refit_due(cfg, 53_248, 13) and refit_due(cfg, 81_920, 20)
    assert not refit_due(cfg, 409_600, 100)  # past 400k


def test_triplets_never_span_an_episode_end():
    dones = torch.zeros(5, 2)
    dones[2, 0] = 1  # env 0's episode ends at step 2: frame 3 starts a new one
    steps, envs = triplets(dones)
    got = sorted(zip(steps.tolist(), envs.tolist(), strict=True))
    # env 0: t = 1 (frames 0-2; done at 2 is after), not 2 (o_{t+1} new episode), not 3 (o_{t-1} old one)
    assert got == [(1, 0), (1, 1), (2, 1), (3, 1), (4, 0), (4, 1)]


def test_the_agent_starts_as_the_decoded_policy_and_ppo_reaches_only_its_rl_parts():
    torch.manual_seed(0)
    model = ModelConfig(policy_scale=1, features=32, vq=VQConfig(codebooks=1, latents=1, dim=8))
    policy = LatentPolicy(model, 8)
    decoder = mlp(8, (16,), 15)
    agent = LAPOAgent(policy, decoder)
    frames = torch.randint(0, 255, (3, 64, 64, 3), dtype=torch.uint8)
    logits, _ = agent(frames)
    assert torch.allclose(logits, decoder(policy(frames)) / 2, atol=1e-6)
    trainable = {n for n, p in agent.named_parameters() if p.requires_grad}
    assert trainable == {
        "fc_rl.weight",
        "fc_rl.bias",
        "head_rl.weight",
        "head_rl.bias",
        "value.weight",
        "value.bias",
    }
    grouped = {id(p) for g in agent.groups() for p in g["params"]}
    assert grouped == {id(p) for p in agent.parameters() if p.requires_grad}
