import torch

from openended.rl.networks import ActorCritic, ImpalaCNN


def _params(m):
    return sum(p.numel() for p in m.parameters())


def test_gen_dgrl_encoder_size_and_lapo_scale():
    base = ImpalaCNN(scale=1, hidden=256)
    # 16/32/32 channels: 32 x 8 x 8 = 2048 features into 256 -> about 0.63M parameters (gen_dgrl's encoder)
    assert base.fc.in_features == 2048
    assert 600_000 < _params(base) < 660_000
    wide = ImpalaCNN(scale=4, hidden=256)
    assert [s.conv.out_channels for s in wide.stages] == [64, 128, 128]
    assert wide.fc.in_features == 128 * 8 * 8


def test_actor_critic_takes_uint8_frames_and_starts_near_uniform():
    torch.manual_seed(0)
    model = ActorCritic(15, scale=1, hidden=64)
    frames = torch.randint(0, 256, (5, 64, 64, 3), dtype=torch.uint8)
    logits, value = model(frames)
    assert logits.shape == (5, 15) and value.shape == (5,)
    # the policy head's small init gives an almost uniform first policy (entropy near log 15)
    probs = torch.softmax(logits, -1)
    entropy = -(probs * probs.log()).sum(-1)
    assert torch.all(entropy > 0.99 * torch.log(torch.tensor(15.0)))
    action, logp, _ = model.act(frames, greedy=True)
    assert torch.equal(action, logits.argmax(-1))
    assert torch.allclose(logp, torch.log_softmax(logits, -1).gather(1, action[:, None]).squeeze(1))


def test_sampled_actions_follow_the_policy():
    # act samples by the Gumbel-max trick: its frequencies must be the softmax of the logits
    torch.manual_seed(0)
    model = ActorCritic(4, scale=1, hidden=8)
    with torch.no_grad():
        model.policy.weight.zero_()
        model.policy.bias.copy_(torch.tensor([2.0, 1.0, 0.0, -1.0]))
    frames = torch.zeros((20_000, 8, 8, 3), dtype=torch.uint8)
    model.encoder = ImpalaCNN(scale=1, hidden=8, frame=(8, 8))
    action, logp, _ = model.act(frames)
    expected = torch.softmax(torch.tensor([2.0, 1.0, 0.0, -1.0]), -1)
    freq = torch.bincount(action, minlength=4).float() / len(action)
    assert torch.allclose(freq, expected, atol=0.015)
    assert torch.allclose(logp, expected.log()[action], atol=1e-5)
