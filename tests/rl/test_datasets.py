import numpy as np
import pytest

from openended.rl.datasets import DatasetWriter, Episode, load


def _episodes(rng, lengths, policy=0):
    return [
        Episode(
            observations=[rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(n + 1)],
            actions=[int(a) for a in rng.integers(0, 15, n)],
            rewards=[float(r) for r in rng.random(n)],
            seed=int(rng.integers(0, 200)),
            policy=policy,
        )
        for n in lengths
    ]


def test_minari_round_trip_gives_back_the_same_arrays_losslessly(tmp_path):
    import minari

    rng = np.random.default_rng(0)
    eps = _episodes(rng, [5, 9, 3])
    writer = DatasetWriter(tmp_path / "ds", False, {"game": "bigfish", "policies": ["bigfish/step_1"]})
    writer.write(eps[:2])
    DatasetWriter(tmp_path / "ds", False, {}).write(eps[2:])  # reopened: appends, as a resumed run does
    data = load(tmp_path / "ds")
    # random pixels survive exactly: JPEG would not
    assert np.array_equal(data.observations, np.concatenate([np.stack(e.observations) for e in eps]))
    assert np.array_equal(data.actions, np.concatenate([e.actions for e in eps]))
    assert np.allclose(data.rewards, np.concatenate([e.rewards for e in eps]))
    assert data.episode_starts.tolist() == [0, 5, 14]
    assert data.returns == pytest.approx([sum(e.rewards) for e in eps])
    assert data.level_seeds.tolist() == [e.seed for e in eps]
    # it is a Minari dataset: Minari itself opens it, with our metadata
    ds = minari.MinariDataset(tmp_path / "ds")
    assert ds.total_episodes == 3 and ds.total_steps == 17
    assert "bigfish/step_1" in ds.storage.metadata["policies"]
    ep = next(iter(ds.iterate_episodes()))
    assert ep.terminations.tolist() == [False] * 4 + [True] and not ep.truncations.any()


def test_a_relative_dataset_path_works(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    DatasetWriter("rel/ds", False, {}).write(_episodes(np.random.default_rng(2), [3]))
    assert len(load("rel/ds").rewards) == 3


def test_observation_only_datasets_store_no_actions(tmp_path):
    rng = np.random.default_rng(1)
    eps = _episodes(rng, [4, 6], policy=2)
    DatasetWriter(tmp_path / "obs", True, {"observation_only": True}).write(eps)
    data = load(tmp_path / "obs")
    assert data.actions is None
    assert data.observations.shape == (12, 64, 64, 3)
    assert data.policies.tolist() == [2, 2]
    stored = (tmp_path / "obs" / "main_data.hdf5").stat().st_size
    assert stored < 12 * 64 * 64 * 3 + 200_000  # frames plus bookkeeping, and nothing about actions
