"""ACCEL (Parker-Holder et al. 2022): PLR⊥ whose replayed levels are edited — after each replay update, the
levels just replayed are mutated with ``num_edits`` edits, the children scored and inserted into the buffer,
with no gradient. New levels start (near-)empty of walls (``accel.start_walls``), so complexity comes from
the edits."""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp

from openended.ued import generators
from openended.ued.level import Level
from openended.ued.plr import Branch, PLRState, RobustPLR
from openended.ued.train import MUTATE


class ACCEL(RobustPLR):
    mutates = True

    def new_level(self, key: jax.Array) -> Level:
        return generators.sample_level(key, self.cfg.accel.start_walls)

    def _on_mutate(self, state: PLRState, key: jax.Array) -> tuple[PLRState, dict[str, jax.Array]]:
        cfg = self.cfg
        k_mut, k_roll = jax.random.split(key)
        parents = self.sampler.get(state.sampler, state.replayed)
        children = jax.vmap(
            lambda k, lv: generators.mutate_level(k, lv, cfg.accel.num_edits, cfg.accel.edit_probs)
        )(jax.random.split(k_mut, cfg.num_envs), parents)
        traj, adv, _ = self.student.rollout(k_roll, state.train, children)
        score, best = self.scores(traj, adv, jnp.full(cfg.num_envs, -jnp.inf), children)
        sampler, _ = self.sampler.insert_batch(state.sampler, children, score, best)
        metrics = {
            **self.student.rollout_metrics(traj),
            **self.student.no_learning(),
            "branch": jnp.int32(MUTATE),
        }
        return replace(state, sampler=sampler, mutate_next=jnp.zeros((), bool)), metrics

    def branches(self) -> list[Branch]:
        return [*super().branches(), self._on_mutate]
