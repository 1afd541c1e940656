"""Proximal Policy Optimization (Schulman et al. 2017, arXiv:1707.06347), read top to bottom.

One update = one rollout of ``num_steps`` steps in ``num_envs`` environments, generalized advantage
estimates (Schulman et al. 2016, arXiv:1506.02438), then ``epochs`` passes of ``minibatches`` minibatches
over the clipped surrogate, the (clipped) value loss and the entropy bonus — the shape of CleanRL's
single-file PPO. Environments step on CPU threads; the network learns on the GPU when there is one.

The environment is anything with ``observe() -> frames``, ``step(actions) -> (frames, reward, done)`` and
``get_state()/set_state()`` (``openended.rl.procgen.ProcgenVecEnv``), where ``done[i]`` means env ``i``'s
episode ended with this step and its frame is already the next episode's first. Procgen does not tell a
time-out from a real end, so both are terminal, as in train-procgen and CleanRL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import numpy as np
import torch
from torch import nn

from openended.rl.config import PPOConfig
from openended.rl.networks import Policy
from openended.rl.state import load_module_state, load_optimizer_state, module_state, optimizer_state


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    dones: torch.Tensor,
    next_value: torch.Tensor,
    gamma: float,
    lam: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Advantages and returns of a ``(T, N)`` rollout; ``dones[t]`` ends the episode after step ``t``;
    ``next_value`` bootstraps the step after the last one."""
    advantages = torch.zeros_like(rewards)
    last = torch.zeros_like(next_value)
    for t in reversed(range(rewards.shape[0])):
        following = next_value if t == rewards.shape[0] - 1 else values[t + 1]
        alive = 1.0 - dones[t]
        delta = rewards[t] + gamma * following * alive - values[t]
        last = delta + gamma * lam * alive * last
        advantages[t] = last
    return advantages, advantages + values


def ppo_loss(
    model: nn.Module,
    obs: torch.Tensor,
    actions: torch.Tensor,
    old_logp: torch.Tensor,
    old_values: torch.Tensor,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    cfg: PPOConfig,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The PPO objective on one minibatch and its terms (all detached but ``loss``)."""
    logits, values = model(obs)
    logits, values = logits.float(), values.float()
    dist = torch.distributions.Categorical(logits=logits)
    logp = dist.log_prob(actions)
    log_ratio = logp - old_logp
    ratio = log_ratio.exp()
    if cfg.norm_adv:
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    # clipped surrogate: the pessimistic bound of the ratio-weighted advantage
    policy_loss = torch.max(-advantages * ratio, -advantages * ratio.clamp(1 - cfg.clip, 1 + cfg.clip)).mean()
    if cfg.clip_value:
        clipped = old_values + (values - old_values).clamp(-cfg.clip, cfg.clip)
        value_loss = 0.5 * torch.max((values - returns) ** 2, (clipped - returns) ** 2).mean()
    else:
        value_loss = 0.5 * ((values - returns) ** 2).mean()
    entropy = dist.entropy().mean()
    loss = policy_loss - cfg.ent_coef * entropy + cfg.vf_coef * value_loss
    with torch.no_grad():
        stats = {
            "policy_loss": policy_loss.detach(),
            "value_loss": value_loss.detach(),
            "entropy": entropy.detach(),
            # the low-variance KL estimator (r - 1) - log r
            "approx_kl": ((ratio - 1) - log_ratio).mean(),
            "clip_fraction": ((ratio - 1).abs() > cfg.clip).float().mean(),
        }
    return loss, stats


class RewardNormalizer:
    """Scales rewards by the running standard deviation of each env's discounted return, clipped to ±10 —
    what baselines' ``VecNormalize(ob=False)`` does around Procgen in train-procgen and gen_dgrl."""

    def __init__(self, num_envs: int, gamma: float, clip: float = 10.0, eps: float = 1e-8) -> None:
        self.gamma, self.clip, self.eps = gamma, clip, eps
        self.ret = np.zeros(num_envs, np.float64)
        self.mean, self.var, self.count = 0.0, 1.0, 1e-4

    def __call__(self, reward: np.ndarray, done: np.ndarray) -> np.ndarray:
        self.ret = self.ret * self.gamma + reward
        # parallel (Chan et al.) update of the running moments with this step's batch
        b_mean, b_var, b_n = float(self.ret.mean()), float(self.ret.var()), self.ret.size
        delta, total = b_mean - self.mean, self.count + b_n
        self.mean += delta * b_n / total
        self.var = (self.var * self.count + b_var * b_n + delta**2 * self.count * b_n / total) / total
        self.count = total
        self.ret[done] = 0.0
        return np.clip(reward / np.sqrt(self.var + self.eps), -self.clip, self.clip).astype(np.float32)

    def state(self) -> dict[str, Any]:
        return {"ret": self.ret.copy(), "moments": np.array([self.mean, self.var, self.count])}

    def load(self, state: dict[str, Any]) -> None:
        self.ret = np.asarray(state["ret"], np.float64).copy()
        self.mean, self.var, self.count = (float(v) for v in state["moments"])


class GraphedAct:
    """``model.act`` on fixed-shape frames, captured once as a CUDA graph and replayed each step.

    At 64 envs the policy step is ~100 small kernels whose one-by-one launches cost more than their work;
    a replay launches them at once. The graph reads the parameters where they live, so the optimizer's
    in-place steps and a resumed run's loaded weights are what every replay sees. The CUDA random state is
    put back after the warm-up and capture, so a run draws the same actions whether or not it was resumed.
    """

    def __init__(self, model: Policy, frames: torch.Tensor, bf16: bool) -> None:
        self.frames = frames.clone()
        rng = torch.cuda.get_rng_state(frames.device)
        # no weight-cast cache across replays: each replay casts the weights of that moment
        cast = (
            (lambda: torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=False))
            if bf16
            else nullcontext
        )
        side = torch.cuda.Stream(frames.device)
        side.wait_stream(torch.cuda.current_stream(frames.device))
        with torch.cuda.stream(side), cast():
            for _ in range(3):  # warm-up off the capture: cuDNN chooses its kernels, memory is allocated
                model.act(self.frames)
        torch.cuda.current_stream(frames.device).wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph), cast():
            self.out = model.act(self.frames)
        torch.cuda.set_rng_state(rng, frames.device)

    def __call__(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        self.frames.copy_(frames)
        self.graph.replay()
        return self.out


class PPO:
    """A PPO learner bound to one vector environment; :meth:`update` runs one rollout and learns from it."""

    def __init__(
        self,
        cfg: PPOConfig,
        model: Policy,
        envs: Any,
        device: torch.device,
        total_updates: int,
        param_groups: list[dict[str, Any]] | None = None,
        schedule: Callable[[int], list[float]] | None = None,
    ) -> None:
        """``param_groups`` (torch's optimizer groups) and ``schedule`` (environment steps so far → one
        learning rate per group, set before each update) replace the single group and ``anneal_lr`` for
        learners whose parts start learning at different times (LAPO's online decoding)."""
        self.cfg, self.envs, self.device = cfg, envs, device
        self.model = model.to(device)
        self.total_updates = total_updates
        self.schedule = schedule
        # frozen parts (requires_grad off) are left out of the clip's norm
        self.trainable = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.Adam(
            param_groups if param_groups is not None else model.parameters(), lr=cfg.lr, eps=cfg.adam_eps
        )
        self.reward_norm = RewardNormalizer(cfg.num_envs, cfg.gamma) if cfg.normalize_reward else None
        # bf16 autocast on GPU: the convolutions run on tensor cores; losses are computed in float32
        self.autocast: Callable[[], Any] = (
            (lambda: torch.autocast("cuda", dtype=torch.bfloat16))
            if cfg.bf16 and device.type == "cuda"
            else nullcontext
        )
        T, N = cfg.num_steps, cfg.num_envs
        first = torch.as_tensor(envs.observe())  # uint8 frames (Procgen) or float vectors (VMAS)
        self.obs = torch.zeros((T, N, *first.shape[1:]), dtype=first.dtype, device=device)
        self.actions = torch.zeros((T, N), dtype=torch.long, device=device)
        self.logp = torch.zeros((T, N), device=device)
        self.values = torch.zeros((T, N), device=device)
        self.rewards = torch.zeros((T, N), device=device)
        self.dones = torch.zeros((T, N), device=device)
        self.next_obs = torch.as_tensor(envs.observe(), device=device)
        self.updates = 0
        self.env_steps = 0
        self._graphed: GraphedAct | None = None  # captured at the first rollout, after any resume

    def _act(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.cfg.cuda_graph and self.device.type == "cuda":
            if self._graphed is None:
                self._graphed = GraphedAct(self.model, frames, self.cfg.bf16)
            return self._graphed(frames)
        with self.autocast():
            return self.model.act(frames)

    # -- one rollout ---------------------------------------------------------------------------
    def collect(self) -> list[tuple[int, float, int, int]]:
        """Fill the rollout buffers; the episodes that finished during it."""
        finished = []
        for t in range(self.cfg.num_steps):
            self.obs[t] = self.next_obs
            action, logp, value = self._act(self.next_obs)
            self.actions[t], self.logp[t], self.values[t] = action, logp.float(), value.float()
            frames, reward, done = self.envs.step(action.cpu().numpy())
            if self.reward_norm is not None:
                reward = self.reward_norm(reward, done)
            self.rewards[t] = torch.as_tensor(reward, device=self.device)
            self.dones[t] = torch.as_tensor(done, dtype=torch.float32, device=self.device)
            self.next_obs = torch.as_tensor(frames, device=self.device)
            finished.extend(self.envs.finished())
        self.env_steps += self.cfg.num_steps * self.cfg.num_envs
        return finished

    # -- learning from it ----------------------------------------------------------------------
    def learn(self) -> dict[str, float]:
        cfg = self.cfg
        if self.schedule is not None:
            for group, lr in zip(self.optimizer.param_groups, self.schedule(self.env_steps), strict=True):
                group["lr"] = lr
        elif cfg.anneal_lr:
            for group in self.optimizer.param_groups:
                group["lr"] = cfg.lr * (1.0 - self.updates / self.total_updates)
        with torch.no_grad(), self.autocast():
            next_value = self.model(self.next_obs)[1].float()
        advantages, returns = gae(
            self.rewards, self.values, self.dones, next_value, cfg.gamma, cfg.gae_lambda
        )
        batch = cfg.num_steps * cfg.num_envs
        flat = {
            "obs": self.obs.reshape(batch, *self.obs.shape[2:]),
            "actions": self.actions.reshape(batch),
            "old_logp": self.logp.reshape(batch),
            "old_values": self.values.reshape(batch),
            "advantages": advantages.reshape(batch),
            "returns": returns.reshape(batch),
        }
        size = batch // cfg.minibatches
        sums: dict[str, float] = {}
        for _ in range(cfg.epochs):
            order = torch.randperm(batch, device=self.device)
            for start in range(0, batch, size):
                idx = order[start : start + size]
                with self.autocast():
                    loss, stats = ppo_loss(self.model, **{k: v[idx] for k, v in flat.items()}, cfg=cfg)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(self.trainable, cfg.max_grad_norm)
                self.optimizer.step()
                for k, v in stats.items():
                    sums[k] = sums.get(k, 0.0) + float(v)
        self.updates += 1
        n = cfg.epochs * cfg.minibatches
        var = float(flat["returns"].var())
        explained = (
            float("nan") if var == 0 else 1.0 - float((flat["returns"] - flat["old_values"]).var()) / var
        )
        return {
            **{k: v / n for k, v in sums.items()},
            "explained_variance": explained,
            "lr": self.optimizer.param_groups[0]["lr"],
        }

    def update(self) -> tuple[dict[str, float], list[tuple[int, float, int, int]]]:
        """One rollout and the learning from it; the stats carry each half's seconds (where time goes)."""
        start = time.perf_counter()
        finished = self.collect()
        middle = time.perf_counter()
        stats = self.learn()  # ends in host reads of the stats, so the GPU's work is inside the timing
        return {**stats, "collect_s": middle - start, "learn_s": time.perf_counter() - middle}, finished

    # -- exact resume --------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "model": module_state(self.model),
            "optimizer": optimizer_state(self.optimizer),
            "reward_norm": self.reward_norm.state() if self.reward_norm is not None else {},
            "envs": self.envs.get_state(),
            "next_obs": self.next_obs.cpu().numpy(),
            "updates": self.updates,
            "env_steps": self.env_steps,
            "torch_rng": torch.get_rng_state().numpy(),
            "cuda_rng": torch.cuda.get_rng_state().numpy()
            if self.device.type == "cuda"
            else np.zeros(0, np.uint8),
        }

    def load(self, state: dict[str, Any]) -> None:
        load_module_state(self.model, state["model"])
        load_optimizer_state(self.optimizer, state["optimizer"])
        if self.reward_norm is not None:
            self.reward_norm.load(state["reward_norm"])
        self.envs.set_state(state["envs"])
        # an env that cannot restore its games exactly starts fresh ones: its own first observation then
        exact = getattr(self.envs, "exact_state", True)
        saved = np.asarray(state["next_obs"]) if exact else self.envs.observe()
        self.next_obs = torch.as_tensor(saved, device=self.device)
        self.updates, self.env_steps = int(state["updates"]), int(state["env_steps"])
        torch.set_rng_state(torch.from_numpy(np.asarray(state["torch_rng"], np.uint8)))
        if self.device.type == "cuda" and len(state["cuda_rng"]):
            torch.cuda.set_rng_state(torch.from_numpy(np.asarray(state["cuda_rng"], np.uint8)))


def pick_device(name: str) -> torch.device:
    """``auto``: the GPU when torch sees one, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was asked for but torch sees no GPU; use --device auto or cpu")
    return torch.device(name)
