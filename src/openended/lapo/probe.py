"""The latent-action probe (LAPO ``lapo/utils.py: eval_latent_repr``): how much of the true action the IDM's
latents carry. An MLP learns the action taken at o_t from the continuous latent of (o_{t-1}, o_t, o_{t+1})
on labelled training triplets; its accuracy on held-out episodes is the number reported. The labels are
used only here: the IDM and FDM never see an action."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from openended.lapo.config import ProbeConfig
from openended.lapo.data import Triplets
from openended.lapo.idm import IDM


def mlp(inputs: int, hidden: tuple[int, ...], outputs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(inputs, width), nn.ReLU()]
        inputs = width
    return nn.Sequential(*layers, nn.Linear(inputs, outputs))


@torch.no_grad()
def latents(idm: IDM, data: Triplets, index: np.ndarray, chunk: int = 512) -> torch.Tensor:
    """The IDM's continuous latents of samples ``index``, in evaluation mode (codebooks untouched)."""
    was = idm.training
    idm.eval()
    out = torch.cat([idm(data.frames_at(index[i : i + chunk]))[0] for i in range(0, len(index), chunk)])
    idm.train(was)
    return out


def probe(idm: IDM, data: Triplets, cfg: ProbeConfig, actions: int, seed: int) -> dict[str, Any]:
    """Train the probe afresh and score it: ``{probe_train_acc, probe_test_acc}`` (test on held-out
    episodes; on training triplets not used for fitting when nothing is held out)."""
    rng = np.random.default_rng(seed)
    train = rng.permutation(data.train_index)[: cfg.samples]
    test = data.test_index if len(data.test_index) else np.setdiff1d(data.train_index, train)
    test = rng.permutation(test)[: cfg.test_samples]
    if len(test) == 0:
        test = train
    x_train, y_train = latents(idm, data, train), data.actions_at(train)
    x_test, y_test = latents(idm, data, test), data.actions_at(test)
    torch.manual_seed(seed)
    net = mlp(x_train.shape[1], cfg.hidden, actions).to(x_train.device)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr)
    with torch.enable_grad():
        for _ in range(cfg.epochs):
            order = torch.as_tensor(rng.permutation(len(train)), device=x_train.device)
            for i in range(0, len(order), cfg.batch_size):
                b = order[i : i + cfg.batch_size]
                loss = nn.functional.cross_entropy(net(x_train[b]), y_train[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
    with torch.no_grad():
        acc_train = (net(x_train).argmax(-1) == y_train).float().mean().item()
        acc_test = (net(x_test).argmax(-1) == y_test).float().mean().item()
    return {"probe_train_acc": acc_train, "probe_test_acc": acc_test}
