"""Trajectory datasets in Minari's format (the Farama Foundation's standard for offline RL data).

A dataset is a Minari storage directory (``metadata.json`` + ``main_data.hdf5``) that
``minari.MinariDataset(path)`` opens directly. Frames are stored raw: Minari JPEG-encodes image
observations by default, which is lossy (pixel errors up to ~90 on Procgen frames), so writers here pass
``jpeg_encoding=False``. Each episode keeps Minari's fields (``observations`` has one more frame than
``actions``: the frame after the last step) and, in ``infos``, the level seed and the collecting policy's
index into the dataset metadata's ``policies`` list. Observation-only datasets (LAPO) withhold the actions:
their action space is empty (shape ``(0,)``), so nothing about the actions is stored at all.

Procgen does not separate time-outs from real ends; every episode's last step is a termination, and an
episode cut by the end of collection is never written (datasets hold whole episodes only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from openended.rl.procgen import NUM_ACTIONS, OBS_SHAPE


def _minari() -> Any:
    try:
        import gymnasium
        import minari
        from minari.data_collector import EpisodeBuffer
        from minari.dataset.minari_storage import MinariStorage
    except ImportError as err:
        raise ImportError("datasets need Minari: pip install 'openended[rl]'") from err
    return gymnasium, minari, EpisodeBuffer, MinariStorage


@dataclass
class Episode:
    """One episode being recorded: ``len(observations) == len(actions) + 1``."""

    observations: list[np.ndarray] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    seed: int = -1
    policy: int = -1

    def __len__(self) -> int:
        return len(self.actions)


class DatasetWriter:
    """Appends whole episodes to a Minari storage at ``path`` (created on first use, reopened to resume)."""

    def __init__(self, path: str | Path, observation_only: bool, metadata: dict[str, Any]) -> None:
        gymnasium, minari, self._buffer_cls, storage_cls = _minari()
        # absolute: Minari's size accounting joins a relative path onto itself
        self.path = Path(path).resolve()
        self.observation_only = observation_only
        if (self.path / "metadata.json").is_file():
            self.storage = storage_cls.read(self.path)
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            obs_space = gymnasium.spaces.Box(0, 255, OBS_SHAPE, np.uint8)
            act_space = (
                gymnasium.spaces.Box(0.0, 0.0, (0,), np.float32)
                if observation_only
                else gymnasium.spaces.Discrete(NUM_ACTIONS)
            )
            self.storage = storage_cls.new(
                self.path,
                observation_space=obs_space,
                action_space=act_space,
                data_format="hdf5",
                jpeg_encoding=False,
            )
            # the two fields MinariDataset insists on, as create_dataset_from_buffers would write them
            required = {
                "dataset_id": metadata.get("dataset_id", "procgen"),
                "minari_version": minari.__version__,
            }
            self.storage.update_metadata({**required, **_flat(metadata)})

    @property
    def episodes(self) -> int:
        return int(self.storage.total_episodes)

    @property
    def steps(self) -> int:
        return int(self.storage.total_steps)

    def write(self, episodes: list[Episode]) -> None:
        buffers = []
        for k, ep in enumerate(episodes):
            n = len(ep)
            actions = (
                np.zeros((n, 0), np.float32) if self.observation_only else np.asarray(ep.actions, np.int64)
            )
            buffers.append(
                self._buffer_cls(
                    id=self.episodes + k,
                    observations=np.stack(ep.observations),
                    actions=actions,
                    rewards=np.asarray(ep.rewards, np.float64),
                    terminations=np.arange(n) == n - 1,
                    truncations=np.zeros(n, bool),
                    infos={
                        "level_seed": np.full(n + 1, ep.seed, np.int64),
                        "policy": np.full(n + 1, ep.policy, np.int64),
                    },
                )
            )
        self.storage.update_episodes(buffers)


def _flat(metadata: dict[str, Any]) -> dict[str, Any]:
    # Minari keeps metadata as hdf5 attributes: scalars and strings; nested values travel as JSON
    return {k: (v if isinstance(v, str | int | float | bool) else json.dumps(v)) for k, v in metadata.items()}


@dataclass(frozen=True)
class Loaded:
    """A dataset's arrays, episodes concatenated (``observations`` has one extra frame per episode)."""

    observations: np.ndarray
    actions: np.ndarray | None
    rewards: np.ndarray
    episode_starts: np.ndarray  # index into actions/rewards where each episode starts
    returns: np.ndarray
    level_seeds: np.ndarray
    policies: np.ndarray
    metadata: dict[str, Any]


def locate(path: str | Path) -> Path:
    """A dataset's folder, given it or the ``openended rl collect`` run that wrote it."""
    base = Path(path)
    for p in (base, base / "artifacts" / "dataset"):
        if (p / "metadata.json").is_file():
            return p
    raise FileNotFoundError(f"no dataset at {base} (looked for it and its artifacts/dataset)")


def load(path: str | Path) -> Loaded:
    """Read a dataset written by :class:`DatasetWriter` through ``minari.MinariDataset``."""
    _, minari, _, _ = _minari()
    ds = minari.MinariDataset(Path(path).resolve())
    obs, acts, rews, starts, rets, seeds, pols = [], [], [], [], [], [], []
    at = 0
    for ep in ds.iterate_episodes():
        starts.append(at)
        at += len(ep.rewards)
        obs.append(np.asarray(ep.observations))
        acts.append(np.asarray(ep.actions))
        rews.append(np.asarray(ep.rewards))
        rets.append(float(np.sum(ep.rewards)))
        seeds.append(int(ep.infos["level_seed"][0]))
        pols.append(int(ep.infos["policy"][0]))
    metadata = dict(ds.storage.metadata)
    observation_only = ds.action_space.shape == (0,)  # how DatasetWriter withholds actions
    return Loaded(
        observations=np.concatenate(obs) if obs else np.zeros((0, *OBS_SHAPE), np.uint8),
        actions=None if observation_only else (np.concatenate(acts) if acts else np.zeros(0, np.int64)),
        rewards=np.concatenate(rews) if rews else np.zeros(0),
        episode_starts=np.asarray(starts, np.int64),
        returns=np.asarray(rets),
        level_seeds=np.asarray(seeds, np.int64),
        policies=np.asarray(pols, np.int64),
        metadata=metadata,
    )
