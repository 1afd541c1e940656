"""PLR's level buffer (Jiang et al. 2021), functional so it lives inside a jitted train step.

The replay distribution is ``core.replay`` (score prioritization mixed with staleness). Rules, as JaxUED:
- *replay decision*: replay with probability ``replay_prob`` once the buffer is at least ``min_fill`` full;
- *sampling* draws levels one at a time, each draw counting as an episode, so staleness updates between draws;
- *insertion*: a level already in the buffer (``duplicate_check``) has its score updated; otherwise it fills
  an empty slot, or, when the buffer is full, replaces the entry of lowest replay weight if its score is
  higher. Non-finite scores (no finished episode; ReMiDi's rejected levels) are never inserted.
Per-level ``max_returns`` support MaxMC.
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
from flax import struct

from openended.core.replay import (
    mix,
    replay_distribution_from,
    score_weights,
    staleness_weights,
)
from openended.ued.config import PLRConfig
from openended.ued.level import Level


@struct.dataclass
class SamplerState:
    levels: Level  # batched on a leading capacity axis
    scores: jax.Array  # (C,) float32, -inf where empty
    timestamps: jax.Array  # (C,) int32, episode count when last sampled or inserted
    max_returns: jax.Array  # (C,) float32, best return seen on the level
    size: jax.Array  # () int32
    episode_count: jax.Array  # () int32


class LevelSampler:
    def __init__(self, cfg: PLRConfig) -> None:
        self.cfg = cfg
        self.capacity = cfg.capacity
        self.replay = cfg.replay

    def init(self, placeholder: Level) -> SamplerState:
        c = self.capacity
        return SamplerState(
            levels=jax.tree_util.tree_map(lambda x: jnp.repeat(x[None], c, axis=0), placeholder),
            scores=jnp.full(c, -jnp.inf, jnp.float32),
            timestamps=jnp.zeros(c, jnp.int32),
            max_returns=jnp.full(c, -jnp.inf, jnp.float32),
            size=jnp.zeros((), jnp.int32),
            episode_count=jnp.zeros((), jnp.int32),
        )

    def valid(self, s: SamplerState) -> jax.Array:
        return jnp.arange(self.capacity) < s.size

    def probabilities(self, s: SamplerState) -> jax.Array:
        return replay_distribution_from(
            self.replay, s.scores, s.timestamps, self.valid(s), s.episode_count, xp=jnp
        )

    def should_replay(self, s: SamplerState, key: jax.Array) -> jax.Array:
        filled = s.size >= jnp.ceil(self.cfg.min_fill * self.capacity)
        return filled & (s.size > 0) & (jax.random.uniform(key) < self.cfg.replay_prob)

    def sample(self, s: SamplerState, key: jax.Array, n: int) -> tuple[SamplerState, jax.Array]:
        """Draw ``n`` buffer indices one after another, each from the replay distribution of the state the
        previous draws left; returns the updated state and the indices.

        The draws are sequential only through staleness: scores do not change within a batch, so the score
        distribution (a sort, for rank prioritization) is computed once, and each draw is a Gumbel-max over
        the mixture with its own noise, drawn up front (on a GPU a sort and a cumulative sum per draw made
        sampling half of a replay step)."""
        valid = self.valid(s)
        r = self.replay
        p_score = score_weights(s.scores, valid, r.prioritization, r.temperature, r.top_k, xp=jnp)
        gumbel = jax.random.gumbel(key, (n, self.capacity))

        def draw(st: SamplerState, g: jax.Array) -> tuple[SamplerState, jax.Array]:
            p = mix(
                p_score, staleness_weights(st.timestamps, valid, st.episode_count, xp=jnp), r.staleness_coef
            )
            i = jnp.argmax(jnp.log(p) + g)  # log 0 = -inf: an empty or weightless slot is never drawn
            count = st.episode_count + 1
            return replace(st, timestamps=st.timestamps.at[i].set(count), episode_count=count), i

        return jax.lax.scan(draw, s, gumbel)

    def get(self, s: SamplerState, idx: jax.Array) -> Level:
        return jax.tree_util.tree_map(lambda x: x[idx], s.levels)

    def find(self, s: SamplerState, level: Level) -> jax.Array:
        """Index of ``level`` in the buffer, or -1."""
        same = jnp.ones(self.capacity, bool)
        for stored, new in zip(
            jax.tree_util.tree_leaves(s.levels), jax.tree_util.tree_leaves(level), strict=True
        ):
            same &= (stored == new).reshape(self.capacity, -1).all(axis=1)
        same &= self.valid(s)
        return jnp.where(same.any(), jnp.argmax(same), -1)

    def insert(
        self, s: SamplerState, level: Level, score: jax.Array, max_return: jax.Array
    ) -> tuple[SamplerState, jax.Array]:
        """Offer one level; returns the state and its buffer index (-1 if not inserted)."""
        dup = self.find(s, level) if self.cfg.duplicate_check else jnp.int32(-1)
        full = s.size >= self.capacity
        lowest = jnp.argmin(jnp.where(self.valid(s), self.probabilities(s), jnp.inf))
        slot = jnp.where(dup >= 0, dup, jnp.where(full, lowest, s.size))
        accept = jnp.isfinite(score) & ((dup >= 0) | ~full | (score > s.scores[slot]))
        count = s.episode_count + accept
        put = lambda buf, x: jnp.where(accept, buf.at[slot].set(x), buf)  # noqa: E731
        new = SamplerState(
            levels=jax.tree_util.tree_map(put, s.levels, level),
            scores=put(s.scores, score),
            timestamps=put(s.timestamps, count),
            max_returns=put(
                s.max_returns, jnp.maximum(max_return, jnp.where(dup >= 0, s.max_returns[slot], -jnp.inf))
            ),
            size=s.size + (accept & (dup < 0) & ~full),
            episode_count=count,
        )
        return new, jnp.where(accept, slot, -1)

    def insert_batch(
        self, s: SamplerState, levels: Level, scores: jax.Array, max_returns: jax.Array
    ) -> tuple[SamplerState, jax.Array]:
        def body(st: SamplerState, xs: tuple[Level, jax.Array, jax.Array]) -> tuple[SamplerState, jax.Array]:
            return self.insert(st, *xs)

        return jax.lax.scan(body, s, (levels, scores, max_returns))

    def update_batch(
        self, s: SamplerState, idx: jax.Array, scores: jax.Array, max_returns: jax.Array
    ) -> SamplerState:
        """New scores for replayed levels (their max returns only ever grow)."""
        return replace(
            s, scores=s.scores.at[idx].set(scores), max_returns=s.max_returns.at[idx].max(max_returns)
        )
