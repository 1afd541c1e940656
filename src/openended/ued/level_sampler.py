"""PLR's level buffer (Jiang et al. 2021), functional so it lives inside a jitted train step.

The replay distribution is ``core.replay`` (score prioritization mixed with staleness). Rules, as JaxUED:
- *replay decision*: replay with probability ``replay_prob`` once the buffer is at least ``min_fill`` full;
- *sampling* draws levels one at a time, each draw counting as an episode, so staleness updates between draws;
- *insertion*: a level already in the buffer (``duplicate_check``) has its score updated; otherwise it fills
  an empty slot, or, when the buffer is full, replaces the entry of lowest replay weight if its score is
  higher. Non-finite scores (no finished episode; ReMiDi's rejected levels) are never inserted, and a replay
  whose score is non-finite leaves the level's previous score in place.
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
        """Offer a batch of levels at once; returns the state and each level's buffer index (-1: not
        inserted).

        :meth:`insert`'s rules, applied to the whole batch in one pass rather than one level after another (a
        sort per level made insertion two thirds of a new-level update at 256 environments):

        - a level already in the buffer takes its entry's place with the new score; a level offered more
          than once in the batch counts once, with its last finite score and the best of its returns;
        - other levels, best score first, fill the empty slots (in batch order), and the rest replace the
          entries of lowest replay weight, the k-th best remaining level the k-th lowest-weight entry, if its
          score is higher. Replay weights are those at the start of the batch: a level inserted by this batch
          is never evicted by another of the same batch (one after another, it could be);
        - non-finite scores are never inserted; every accepted level counts as an episode, in batch order.
        """
        c, b = self.capacity, scores.shape[0]
        finite = jnp.isfinite(scores)
        valid = self.valid(s)
        if self.cfg.duplicate_check:
            dup = self._find_batch(s, levels)
            same = _equal_pairs(levels, levels)  # (B, B)
            later = jnp.arange(b)[None, :] > jnp.arange(b)[:, None]
            superseded = (same & later & finite[None, :]).any(axis=1)
            # a repeated level keeps the best return of all its finite offers, as one after another would
            max_returns = jnp.max(jnp.where(same & finite[None, :], max_returns[None, :], -jnp.inf), axis=1)
        else:
            dup, superseded = jnp.full(b, -1, jnp.int32), jnp.zeros(b, bool)
        offered = finite & ~superseded
        is_dup = offered & (dup >= 0)
        is_new = offered & (dup < 0)
        # the new levels by descending score: the best `free` take empty slots, the others may evict
        rank = jnp.argsort(jnp.argsort(-jnp.where(is_new, scores, -jnp.inf), stable=True), stable=True)
        free = c - s.size
        takes_empty = is_new & (rank < free)
        empty_slot = s.size + jnp.cumsum(takes_empty) - 1
        refreshed = jnp.zeros(c, bool).at[jnp.where(is_dup, dup, c)].set(True, mode="drop")
        evictable = valid & ~refreshed
        by_weight = jnp.argsort(jnp.where(evictable, self.probabilities(s), jnp.inf), stable=True)
        e = rank - free
        evict_slot = by_weight[jnp.clip(e, 0, c - 1)]
        evicts = is_new & (e >= 0) & (e < evictable.sum()) & (scores > s.scores[evict_slot])
        accept = is_dup | takes_empty | evicts
        slot = jnp.where(is_dup, dup, jnp.where(takes_empty, empty_slot, evict_slot))
        target = jnp.where(accept, slot, c)  # c is out of range: the scatter drops it
        count = s.episode_count + jnp.cumsum(accept)
        previous = jnp.where(is_dup, s.max_returns[jnp.clip(dup, 0, c - 1)], -jnp.inf)
        put = lambda buf, x: buf.at[target].set(x, mode="drop")  # noqa: E731
        new = SamplerState(
            levels=jax.tree_util.tree_map(put, s.levels, levels),
            scores=put(s.scores, scores),
            timestamps=put(s.timestamps, count.astype(jnp.int32)),
            max_returns=put(s.max_returns, jnp.maximum(max_returns, previous)),
            size=s.size + takes_empty.sum(),
            episode_count=s.episode_count + accept.sum(),
        )
        return new, jnp.where(accept, slot, -1)

    def _find_batch(self, s: SamplerState, levels: Level) -> jax.Array:
        """Each level's index in the buffer, or -1: fingerprints narrow the search to one candidate entry,
        which is then compared in full (a (batch × capacity) comparison of whole levels would not fit)."""
        match = (_fingerprint(levels)[:, None] == _fingerprint(s.levels)[None, :]) & self.valid(s)[None, :]
        candidate = jnp.argmax(match, axis=1)
        stored = jax.tree_util.tree_map(lambda x: x[candidate], s.levels)
        equal = jnp.ones(candidate.shape, bool)
        for a, b in zip(jax.tree_util.tree_leaves(stored), jax.tree_util.tree_leaves(levels), strict=True):
            equal &= (a == b).reshape(a.shape[0], -1).all(axis=1)
        return jnp.where(match.any(axis=1) & equal, candidate, -1).astype(jnp.int32)

    def update_batch(
        self, s: SamplerState, idx: jax.Array, scores: jax.Array, max_returns: jax.Array
    ) -> SamplerState:
        """New scores for replayed levels (their max returns only ever grow). A replay that finished no
        episode can score -inf or NaN (MaxMC before any return, learnability over no episode): the level keeps
        its previous score, so no non-finite score enters the replay distribution (JaxUED's open fix)."""
        kept = jnp.where(jnp.isfinite(scores), scores, s.scores[idx])
        return replace(
            s, scores=s.scores.at[idx].set(kept), max_returns=s.max_returns.at[idx].max(max_returns)
        )


def _as_int32(x: jax.Array) -> jax.Array:
    if jnp.issubdtype(x.dtype, jnp.floating):
        return jax.lax.bitcast_convert_type(x.astype(jnp.float32), jnp.int32)
    return x.astype(jnp.int32)


def _fingerprint(levels: Level) -> jax.Array:
    """One uint32 per level (leading axis) from all its fields: a weighted sum with fixed odd weights,
    wrapping around. Equal levels have equal fingerprints; unequal ones rarely collide (about 2^-32 a pair),
    and since candidates are compared in full, a collision can only hide a duplicate, never merge two
    different levels."""
    total = None
    for n, leaf in enumerate(jax.tree_util.tree_leaves(levels)):
        flat = _as_int32(leaf).reshape(leaf.shape[0], -1).astype(jnp.uint32)
        weights = jax.random.bits(jax.random.PRNGKey(n), (flat.shape[1],), jnp.uint32) | jnp.uint32(1)
        h = jnp.sum(flat * weights[None, :], axis=1, dtype=jnp.uint32)
        total = h if total is None else total * jnp.uint32(0x9E3779B1) + h
    assert total is not None
    return total


def _equal_pairs(a: Level, b: Level) -> jax.Array:
    """(len(a), len(b)): whether level i of ``a`` equals level j of ``b`` in every field."""
    same = None
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        fx, fy = x.reshape(x.shape[0], -1), y.reshape(y.shape[0], -1)
        eq = (fx[:, None, :] == fy[None, :, :]).all(axis=2)
        same = eq if same is None else same & eq
    assert same is not None
    return same
