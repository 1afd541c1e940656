"""Domain randomization: every update the student trains on a batch of freshly generated levels."""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
from flax import struct
from flax.training.train_state import TrainState

from openended.ued.train import NEW, Trainer


@struct.dataclass
class DRState:
    train: TrainState
    key: jax.Array
    update: jax.Array


class DomainRandomization(Trainer[DRState]):
    def init(self, key: jax.Array) -> DRState:
        k_params, k_level, key = jax.random.split(key, 3)
        train = self.student.init(k_params, self.domain.sample_level(k_level))
        state = DRState(train=train, key=key, update=jnp.zeros((), jnp.int32))
        return jax.device_put(state, self.replicated)

    def _step(self, state: DRState) -> tuple[DRState, dict[str, jax.Array]]:
        key, _, k_branch = jax.random.split(state.key, 3)  # as PLR's step, which also draws a replay decision
        k_gen, k_roll = jax.random.split(k_branch)
        train, traj, _, info = self.student.visit_and_learn(k_roll, state.train, self.new_levels(k_gen))
        metrics = {
            **self.student.rollout_metrics(traj),
            **info,
            "branch": jnp.int32(NEW),
            "buffer_size": jnp.int32(0),
        }
        return replace(state, train=train, key=key, update=state.update + 1), metrics
