"""What every UED curriculum shares: the device mesh, the domain, the :class:`Student`, and one jitted step.

A curriculum decides which levels the student meets and when it learns: domain randomization (``dr.py``),
prioritized level replay and its robust variant (``plr.py``), ACCEL (``accel.py``), PAIRED (``paired.py``),
ReMiDi (``remidi.py``). Each is a :class:`Trainer` with its own state; only the ones that replay levels own a
level buffer. ``openended.ued.experiment.make_trainer`` picks one from ``UEDConfig.algorithm``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from openended.ued.config import UEDConfig
from openended.ued.domains import make_domain
from openended.ued.level import Level
from openended.ued.student import Student

NEW, REPLAY, MUTATE = 0, 1, 2  # which branch an update took (logged as "branch")

State = TypeVar("State")


class Trainer(ABC, Generic[State]):
    """Data parallelism: a one-axis mesh over the devices; everything with a leading environment axis (levels,
    rollouts, LSTM states) is sharded over it, parameters, optimizer and level buffer are replicated, and XLA
    inserts the cross-device gradient reduction. One device gives the plain single-device program.
    """

    uses_buffer: ClassVar[bool] = False  # whether the curriculum curates a level buffer

    def __init__(self, cfg: UEDConfig) -> None:
        self.cfg = cfg
        devices = jax.devices()
        if cfg.devices is not None:
            if cfg.devices > len(devices):
                raise ValueError(f"devices={cfg.devices} but only {len(devices)} are visible")
            devices = devices[: cfg.devices]
        elif cfg.num_envs % len(devices):
            raise ValueError(
                f"num_envs ({cfg.num_envs}) must be divisible by the {len(devices)} visible devices"
            )
        self.mesh = Mesh(np.array(devices), ("data",))
        self.batch_sharding = NamedSharding(self.mesh, PartitionSpec("data"))
        self.replicated = NamedSharding(self.mesh, PartitionSpec())
        self.domain = make_domain(cfg.domain, cfg.n_walls, cfg.max_episode_steps)
        self.env = self.domain.env
        self.student = Student(cfg, self.env, self.batch_sharding)
        self.step = jax.jit(self._step)

    @property
    def network(self) -> Any:
        return self.student.network

    def new_level(self, key: jax.Array) -> Level:
        """A freshly generated level (the domain's randomization)."""
        return self.domain.sample_level(key)

    def new_levels(self, key: jax.Array) -> Level:
        return jax.vmap(self.new_level)(jax.random.split(key, self.cfg.num_envs))

    @abstractmethod
    def init(self, key: jax.Array) -> State:
        """The curriculum's state at update 0, placed on the devices."""

    @abstractmethod
    def _step(self, state: State) -> tuple[State, dict[str, jax.Array]]:
        """One update (jitted as ``step``): the next state and the update's metrics."""
