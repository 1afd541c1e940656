"""Decision Transformer (Chen et al. 2021, arXiv 2106.01345) and BCT, its variant without return conditioning
(gen_dgrl ``offline/agents/dt.py`` on minGPT, ``agent_model`` ``dt_reward_conditioned`` vs ``naive``).

A trajectory segment of ``context`` steps becomes a token sequence — (return-to-go, frame, action) per step
for DT, (frame, action) for BCT — and a causal transformer predicts each step's action from the frame token,
so the prediction for step t sees the returns, frames and actions before it and the frame (and, for DT, the
return-to-go) of step t, never its action or anything later. Every token of step t carries the embedding of
the episode's timestep t (the Atari DT's global timestep embedding) and the sequence a learned position
embedding. At play time DT is conditioned on a return to go: ``multiplier`` × the dataset's best return
(gen_dgrl ``dt_eval_ret``), decreased by each reward received.

Frames are encoded by ``openended.rl``'s IMPALA-CNN (every algorithm here shares it; the Atari DT used a
three-layer convolutional encoder) followed by tanh, as DT's state, return and action embeddings are.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from openended.offline_rl.agent import Agent
from openended.offline_rl.config import DTConfig
from openended.rl.networks import ImpalaCNN


class DecisionTransformer(nn.Module):
    """``forward(frames (B, T, 64, 64, 3) uint8, actions (B, T), rtg (B, T), timesteps (B, T))`` → action
    logits ``(B, T, A)``; ``returns=False`` is BCT (``rtg`` ignored)."""

    def __init__(
        self,
        num_actions: int,
        context: int,
        max_timestep: int,
        returns: bool = True,
        embed: int = 128,
        layers: int = 6,
        heads: int = 8,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.num_actions, self.context, self.returns = num_actions, context, returns
        self.max_timestep = max_timestep
        self.per_step = 3 if returns else 2
        self.encoder = ImpalaCNN(1, embed)
        self.action_embed = nn.Embedding(num_actions, embed)
        self.rtg_embed = nn.Linear(1, embed)
        self.time_embed = nn.Embedding(max_timestep + 1, embed)
        self.position = nn.Parameter(torch.zeros(1, self.per_step * context, embed))
        layer = nn.TransformerEncoderLayer(
            embed, heads, 4 * embed, dropout, activation="gelu", batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(embed)
        self.head = nn.Linear(embed, num_actions, bias=False)
        self.drop = nn.Dropout(dropout)

    def embed_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Frame tokens before the timestep: tanh of the encoder's features, ``(..., embed)``."""
        lead = frames.shape[:-3]
        return torch.tanh(self.encoder(frames.reshape(-1, *frames.shape[-3:]))).reshape(*lead, -1)

    def tokens(
        self, state: torch.Tensor, actions: torch.Tensor, rtg: torch.Tensor, timesteps: torch.Tensor
    ) -> torch.Tensor:
        b, t = actions.shape
        action = torch.tanh(self.action_embed(actions.clamp(min=0)))
        parts = [state, action]
        if self.returns:
            parts.insert(0, torch.tanh(self.rtg_embed(rtg.float()[..., None])))
        time = self.time_embed(timesteps.clamp(0, self.max_timestep))
        seq = torch.stack([p + time for p in parts], 2).reshape(b, t * self.per_step, -1)
        return self.drop(seq + self.position[:, : seq.shape[1]])

    def forward(
        self, frames: torch.Tensor, actions: torch.Tensor, rtg: torch.Tensor, timesteps: torch.Tensor
    ) -> torch.Tensor:
        return self.forward_embedded(self.embed_frames(frames), actions, rtg, timesteps)

    def forward_embedded(
        self, state: torch.Tensor, actions: torch.Tensor, rtg: torch.Tensor, timesteps: torch.Tensor
    ) -> torch.Tensor:
        """As :meth:`forward` from frames already embedded (:meth:`embed_frames`), as a player keeps them."""
        seq = self.tokens(state, actions, rtg, timesteps)
        n = seq.shape[1]
        causal = torch.triu(torch.full((n, n), float("-inf"), device=seq.device), 1)
        h = self.norm(self.blocks(seq, mask=causal, is_causal=True))
        frame_tokens = h[:, self.per_step - 2 :: self.per_step]  # each step's frame token
        return self.head(frame_tokens)


def dt_loss(logits: torch.Tensor, actions: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each valid step's action (padding — segments shorter than the context — masked)."""
    return F.cross_entropy(logits[valid].float(), actions[valid])


def returns_to_go(rewards: torch.Tensor) -> torch.Tensor:
    """The sum of this and every later reward of one episode: R̂_t = Σ_{k ≥ t} r_k."""
    return rewards.flip(0).cumsum(0).flip(0)


class DT(Agent):
    """Decision Transformer (or BCT, ``cfg.returns`` off) trained on segments of the dataset."""

    def __init__(
        self,
        cfg: DTConfig,
        num_actions: int,
        device: torch.device,
        max_timestep: int,
        best_return: float,
        size: int,
    ) -> None:
        super().__init__(device)
        self.cfg = cfg
        self.model = DecisionTransformer(
            num_actions,
            cfg.context,
            max_timestep,
            cfg.returns,
            cfg.embed,
            cfg.layers,
            cfg.heads,
            cfg.dropout,
        ).to(device)
        # minGPT: weight decay on weight matrices only, none on biases, norms and embeddings' tables
        decay = [p for n, p in self.model.named_parameters() if p.dim() >= 2 and "embed" not in n]
        rest = [p for n, p in self.model.named_parameters() if not (p.dim() >= 2 and "embed" not in n)]
        groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": rest, "weight_decay": 0.0}]
        self.optimizers = {"model": torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.95))}
        self.modules = {"model": self.model}
        self.tokens = 0
        self.final_tokens = 2 * size * cfg.context * 3  # gen_dgrl: cosine decay reaches 10 % here
        self.target_return = cfg.return_multiplier * best_return

    def _lr(self) -> float:
        cfg = self.cfg
        if self.tokens < cfg.warmup_tokens:
            return cfg.lr * self.tokens / max(1, cfg.warmup_tokens)
        progress = (self.tokens - cfg.warmup_tokens) / max(1, self.final_tokens - cfg.warmup_tokens)
        return cfg.lr * max(0.1, 0.5 * (1.0 + math.cos(math.pi * progress)))

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        logits = self.model(batch["frames"], batch["actions"], batch["rtg"], batch["timesteps"])
        loss = dt_loss(logits, batch["actions"], batch["valid"])
        opt = self.optimizers["model"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.tokens += int(batch["valid"].sum())
        lr = self._lr()
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        self.steps += 1
        return {"loss": loss.item(), "lr": lr}

    def state(self) -> dict[str, Any]:
        return {**super().state(), "tokens": self.tokens}

    def load(self, state: dict[str, Any]) -> None:
        super().load(state)
        self.tokens = int(state["tokens"])

    def player(self) -> DTPlayer:
        return DTPlayer(self.model, self.target_return)


class DTPlayer(nn.Module):
    """Plays a batch of environments with the last ``context`` steps of each one's episode as the prompt.
    ``play`` picks the actions; :meth:`observe_step` is told each step's rewards and episode ends (the
    return to go falls by each reward; a new episode starts from the target return at timestep 0)."""

    def __init__(self, model: DecisionTransformer, target_return: float) -> None:
        super().__init__()
        self.model, self.target_return = model, target_return
        self.history: list[list[tuple[torch.Tensor, float, int]]] = []
        self.actions: list[list[int]] = []
        self.rtg: list[float] = []
        self.time: list[int] = []

    @torch.no_grad()
    def play(self, obs: torch.Tensor, greedy: bool, generator: torch.Generator) -> torch.Tensor:
        n, k = len(obs), self.model.context
        if len(self.history) != n:  # the first call: every env at the start of an episode
            self.history = [[] for _ in range(n)]
            self.actions = [[] for _ in range(n)]
            self.rtg, self.time = [self.target_return] * n, [0] * n
        # each frame is encoded once, when it arrives; the prompt keeps its embedding
        embedded = self.model.embed_frames(obs)
        for i in range(n):
            self.history[i] = (self.history[i] + [(embedded[i], self.rtg[i], self.time[i])])[-k:]
        steps = max(len(h) for h in self.history)
        state = torch.zeros((n, steps, embedded.shape[-1]), device=obs.device)
        actions = torch.zeros((n, steps), dtype=torch.long, device=obs.device)
        rtg = torch.zeros((n, steps), device=obs.device)
        time = torch.zeros((n, steps), dtype=torch.long, device=obs.device)
        last = []
        for i, h in enumerate(self.history):
            # right-padded: the causal mask keeps each env's last real step blind to the padding after it
            state[i, : len(h)] = torch.stack([e for e, _, _ in h])
            rtg[i, : len(h)] = torch.tensor([r for _, r, _ in h], device=obs.device)
            time[i, : len(h)] = torch.tensor([t for _, _, t in h], device=obs.device)
            past = self.actions[i][-(len(h) - 1) :] if len(h) > 1 else []
            if past:
                actions[i, : len(past)] = torch.tensor(past, device=obs.device)
            last.append(len(h) - 1)
        logits = self.model.forward_embedded(state, actions, rtg, time)
        logits = logits[torch.arange(n), torch.tensor(last)].float()
        if greedy:
            chosen = logits.argmax(-1)
        else:
            chosen = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(-1)
        for i in range(n):
            self.actions[i] = (self.actions[i] + [int(chosen[i])])[-k:]
        return chosen

    def observe_step(self, reward: Any, done: Any) -> None:
        for i in range(len(self.history)):
            if done[i]:
                self.history[i], self.actions[i] = [], []
                self.rtg[i], self.time[i] = self.target_return, 0
            else:
                self.rtg[i] -= float(reward[i])
                self.time[i] += 1
