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

import torch
import torch.nn.functional as F
from torch import nn

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

    def tokens(
        self, frames: torch.Tensor, actions: torch.Tensor, rtg: torch.Tensor, timesteps: torch.Tensor
    ) -> torch.Tensor:
        b, t = actions.shape
        state = torch.tanh(self.encoder(frames.reshape(b * t, *frames.shape[2:]))).reshape(b, t, -1)
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
        seq = self.tokens(frames, actions, rtg, timesteps)
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
