import json

import numpy as np
import pytest
import torch

from openended.rl.networks import ActorCritic
from openended.rl.policies import Snapshot, choose, load_policy, save_policy, snapshots, write_index


def test_a_saved_policy_loads_with_the_same_outputs(tmp_path):
    torch.manual_seed(0)
    model = ActorCritic(15, scale=1, hidden=32)
    frames = torch.randint(0, 256, (3, 64, 64, 3), dtype=torch.uint8)
    path = save_policy(tmp_path / "p.npz", model, {"game": "maze", "step": 7})
    loaded, info = load_policy(path)
    assert info == {"game": "maze", "step": 7}
    assert torch.equal(loaded(frames)[0], model.eval()(frames)[0])
    half = save_policy(tmp_path / "h.npz", model, {}, half=True)
    assert half.stat().st_size < 0.6 * path.stat().st_size
    assert torch.allclose(load_policy(half)[0](frames)[0], model(frames)[0], atol=1e-2)


def test_a_file_that_is_no_policy_is_refused(tmp_path):
    np.savez(tmp_path / "x.npz", a=np.zeros(3))
    with pytest.raises((ValueError, KeyError)):
        load_policy(tmp_path / "x.npz")


def _snaps(returns):
    return [Snapshot(None, k, r, f"g/{k}") for k, r in enumerate(returns)]  # type: ignore[arg-type]


def test_choosing_snapshots_for_each_dataset_kind():
    snaps = _snaps([1.0, 4.0, 7.0, 9.0, 10.0])
    assert choose(snaps, "expert") == [snaps[-1]]
    assert choose(snaps, "observation_only") == [snaps[-1]]
    assert choose(snaps, "suboptimal") == snaps
    # 75 % of the expert's 10 is 7.5: the snapshot at 7 (the expert itself is never the mixed one)
    assert choose(snaps, "mixed") == [snaps[2]]
    assert choose(snaps, "mixed", fraction=0.9) == [snaps[3]]
    with pytest.raises(ValueError):
        choose(snaps, "random")


def test_snapshot_index_round_trip_and_wrong_game(tmp_path):
    folder = tmp_path / "artifacts" / "policies"
    write_index(folder, "maze", [{"file": "step_1.npz", "step": 1, "mean_return": 5.5}])
    (snap,) = snapshots(tmp_path, "maze")
    assert snap.path == folder / "step_1.npz" and snap.mean_return == 5.5 and snap.id == "maze/step_1"
    with pytest.raises(ValueError, match="not 'bigfish'"):
        snapshots(tmp_path, "bigfish")
    with pytest.raises(FileNotFoundError):
        snapshots(tmp_path / "nowhere", "maze")
    assert json.loads((folder / "index.json").read_text())["game"] == "maze"
