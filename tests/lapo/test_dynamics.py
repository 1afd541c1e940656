import numpy as np
import torch

from openended.lapo.config import DynamicsConfig, ModelConfig, ProbeConfig, VQConfig
from openended.lapo.data import Triplets
from openended.lapo.dynamics import build, evaluate, stage1_lr
from openended.lapo.fdm import CONTEXT

from .toy import square_world

CPU = torch.device("cpu")


def test_triplets_stay_inside_episodes_and_hold_out_whole_episodes():
    world = square_world(episodes=10, steps=6)
    data = Triplets(world, CPU, held_out=0.3, seed=0)
    assert len(data) == 10 * 4  # steps 1 … L − 2 of each episode
    frames = data.frames_at(np.arange(len(data))).numpy()
    obs = world.observations
    # sample 0 is step 1 of episode 0: frames 0, 1, 2; sample 4 is step 1 of episode 1, whose frames start
    # at 7 (episode 0: 6 steps, 7 frames)
    assert np.array_equal(frames[0], obs[0:3]) and np.array_equal(frames[4], obs[7:10])
    assert np.array_equal(data.actions_at(np.array([0, 4])).numpy(), world.actions[[1, 7]])
    episode = (data.step[:, None] >= world.episode_starts).sum(1) - 1
    held = np.isin(np.arange(len(data)), data.test_index)
    assert len(set(episode[held])) == 3 and not set(episode[held]) & set(episode[~held])


def test_the_fdm_needs_the_latent_action_and_the_latent_carries_the_action():
    # IDM + FDM trained together on the moving square: with the IDM's latent the next frame is predicted
    # far better than with the latent zeroed or taken from another transition, and a probe reads the
    # true action from the latent well above chance (1/5)
    torch.manual_seed(0)
    data = Triplets(square_world(), CPU, held_out=0.2, seed=0)
    vq = VQConfig(codebooks=1, latents=1, dim=8, codes=8, decay=0.9)
    cfg = DynamicsConfig(
        model=ModelConfig(idm_scale=1, features=64, fdm_width=8, vq=vq),
        steps=400,
        batch_size=64,
        lr=2e-3,
        probe=ProbeConfig(samples=500, test_samples=200, epochs=30, batch_size=64),
    )
    idm, fdm = build(cfg.model, (16, 16), CPU)
    params = [*idm.parameters(), *fdm.parameters()]
    opt = torch.optim.AdamW(params, lr=cfg.lr)
    rng = np.random.default_rng(0)
    for step in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = stage1_lr(cfg, step)
        frames = data.frames_at(data.sample(rng, cfg.batch_size))
        _, q = idm(frames)
        loss = fdm.loss(frames, q.value) + q.loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
    out = evaluate(idm, fdm, data, data, cfg, rng_seed=1)
    assert out["fdm_loss_test_no_latent"] > 2 * out["fdm_loss_test"]
    with torch.no_grad():
        frames = data.frames_at(data.test_index)
        _, q = idm(frames)
        shuffled = q.value[torch.randperm(len(q.value), generator=torch.Generator().manual_seed(0))]
        assert fdm.loss(frames, shuffled).item() > 1.5 * fdm.loss(frames, q.value).item()
        assert q.perplexity.item() > 2.0  # several codes in use, not one
    assert out["probe_test_acc"] > 0.4
    assert frames.shape[1] == CONTEXT + 1


def test_the_learning_rate_warms_up_then_decays_to_a_hundredth():
    cfg = DynamicsConfig(steps=1000, lr=1.0)
    assert stage1_lr(cfg, 0) == 0.1
    assert stage1_lr(cfg, 50) == 1.0
    assert abs(stage1_lr(cfg, 1001) - 0.01) < 1e-9
