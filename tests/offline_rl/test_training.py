"""The offline learners' data, their training with resume, and a whole grid on a tiny real dataset."""

import json

import numpy as np
import pytest
import torch

from openended.offline_rl.config import AblationConfig, GridConfig
from openended.offline_rl.data import OfflineData, subset
from openended.offline_rl.dt import DecisionTransformer, DTPlayer
from openended.rl.datasets import DatasetWriter, Episode, load

CPU = torch.device("cpu")


def _write(path, lengths, seeds, rng):
    eps = []
    for n, s in zip(lengths, seeds, strict=True):
        frames = [np.full((64, 64, 3), 10 * len(eps) + t, np.uint8) for t in range(n + 1)]  # labelled frames
        eps.append(Episode(frames, [int(a) for a in rng.integers(0, 15, n)], [1.0] * n, seed=s, policy=0))
    DatasetWriter(path, False, {"game": "bigfish"}).write(eps)
    return load(path)


def test_transitions_pair_each_frame_with_the_next_and_end_each_episode(tmp_path):
    data = _write(tmp_path / "ds", [3, 2], [5, 7], np.random.default_rng(0))
    od = OfflineData(data, CPU)
    batch = od.transitions(torch.arange(5))
    # episode 0 stores frames 0..3, episode 1 frames 10..12: transition i's next frame is its successor
    assert batch["obs"][:, 0, 0, 0].tolist() == [0, 1, 2, 10, 11]
    assert batch["next_obs"][:, 0, 0, 0].tolist() == [1, 2, 3, 11, 12]
    assert batch["done"].tolist() == [0, 0, 1, 0, 1]
    assert batch["action"].tolist() == data.actions.tolist()
    seg = od.segments(torch.tensor([1, 3]), context=3)
    assert seg["valid"].tolist() == [[True, True, False], [True, True, False]]  # never past an episode
    assert seg["rtg"][0, :2].tolist() == [2.0, 1.0] and seg["timesteps"][1, :2].tolist() == [0, 1]
    assert seg["frames"][0, :2, 0, 0, 0].tolist() == [1, 2]
    # an epoch visits every transition once
    seen = torch.cat(list(od.batches(2, torch.Generator().manual_seed(0))))
    assert sorted(seen.tolist()) == list(range(5))


def test_subsets_keep_whole_episodes_of_the_chosen_levels_within_the_budget(tmp_path):
    data = _write(tmp_path / "ds", [2, 3, 2, 4, 1], [1, 2, 1, 3, 2], np.random.default_rng(1))
    one = subset(data, 1, None, seed=0)
    assert len(set(one.level_seeds.tolist())) == 1
    assert len(one.observations) == len(one.rewards) + len(one.episode_starts)
    budget = subset(data, None, 4, seed=0)
    assert budget.level_seeds.tolist() == [1, 2]  # whole episodes until the budget is reached
    assert np.array_equal(budget.observations[:3], data.observations[:3])
    od = OfflineData(budget, CPU)
    assert od.transitions(torch.tensor([2]))["obs"][0, 0, 0, 0] == 10  # episode 1's first frame
    with pytest.raises(ValueError, match="levels"):
        subset(data, 9, None, seed=0)


def test_the_decision_transformer_plays_what_it_predicts_on_the_whole_prompt():
    torch.manual_seed(0)
    model = DecisionTransformer(5, context=4, max_timestep=20, embed=16, layers=1, heads=2).eval()
    player = DTPlayer(model, target_return=10.0)
    frames = torch.randint(0, 256, (6, 2, 64, 64, 3), dtype=torch.uint8)  # 6 steps of 2 envs
    rewards = [[1.0, 0.0], [2.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 0.0]]
    dones = [[0, 0], [0, 1], [0, 0], [0, 0], [0, 0], [0, 0]]
    played, gen = [], torch.Generator().manual_seed(0)
    for t in range(6):
        played.append(player.play(frames[t], True, gen))
        player.observe_step(np.array(rewards[t]), np.array(dones[t]))
    played = torch.stack(played)
    # env 0 never ended: its last prompt is steps 2..5 with returns to go 10-1-2=7, 7, 6, 6
    logits = model(frames[2:6, 0][None], played[2:6, 0][None], torch.tensor([[7.0, 7.0, 6.0, 6.0]]),
                   torch.arange(2, 6)[None])  # fmt: skip
    assert logits[0, -1].argmax() == played[5, 0]
    # env 1 ended after step 1: its prompt restarted at timestep 0 with the full target return
    logits = model(frames[2:6, 1][None], played[2:6, 1][None], torch.tensor([[10.0, 10.0, 10.0, 9.0]]),
                   torch.arange(0, 4)[None])  # fmt: skip
    assert logits[0, -1].argmax() == played[5, 1]


def _tiny(base, **kw):
    small = {"epochs": 1, "batch_size": 64}
    return GridConfig(
        **kw,
        bc=base.bc.replace(**small),
        bcq=base.bcq.replace(**small),
        cql=base.cql.replace(**small),
        iql=base.iql.replace(**small),
        dt=base.dt.replace(**small, context=3, embed=16, layers=1, heads=2),
        bct=base.bct.replace(**small, context=3, embed=16, layers=1, heads=2),
    )


@pytest.fixture(scope="module")
def bigfish(tmp_path_factory):
    """A real Minari dataset: 300 transitions of the shipped bigfish expert."""
    from openended.core.commands import execute
    from openended.rl.cli import COLLECT
    from openended.rl.config import CollectConfig

    root = tmp_path_factory.mktemp("datasets")
    execute(COLLECT, CollectConfig(game="bigfish", transitions=300, num_envs=8, device="cpu"), root=root,
            name="bigfish-expert")  # fmt: skip
    return root


def test_a_grid_of_every_algorithm_runs_end_to_end_and_resumes(bigfish, tmp_path):
    from openended.core.commands import execute
    from openended.offline_rl.cli import GRID

    torch.set_num_threads(1)
    cfg = _tiny(GridConfig(), datasets=str(bigfish), games=("bigfish",), kinds=("expert",), seeds=1,
                episodes=2, eval_envs=2, device="cpu")  # fmt: skip
    run = execute(GRID, cfg, root=tmp_path, name="grid")
    data = json.loads((run / "artifacts" / "results.json").read_text())
    cells = {c["algorithm"]: c for c in data["cells"]}
    assert set(cells) == {"ppo", "bc", "bcq", "cql", "iql", "dt", "bct"}
    for algo in ("bc", "bcq", "cql", "iql", "dt", "bct"):
        c = cells[algo]
        assert c["transitions"] >= 300 and c["gradient_steps"] == -(-c["transitions"] // 64)
        assert np.isfinite(c["train_normalized"]) and np.isfinite(c["test_normalized"])
    s = data["summary"]["expert"]["bc"]
    assert s["gap"]["iqm"] == pytest.approx(s["train"]["iqm"] - s["test"]["iqm"])  # one run, one game
    assert (run / "artifacts" / "train_vs_test_expert.png").is_file()
    assert not list((run / "artifacts" / "cells").glob("*/checkpoint.npz"))  # finished cells keep results


def test_a_cell_interrupted_after_an_epoch_resumes_to_the_same_result(bigfish, tmp_path):
    from openended.offline_rl.train import dataset_path, train_cell

    torch.set_num_threads(1)
    base = GridConfig()
    cfg = GridConfig(episodes=2, eval_envs=2, device="cpu", bc=base.bc.replace(epochs=2, batch_size=64))
    data = load(dataset_path(bigfish, "bigfish-expert"))

    def crash(epoch, stats):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_cell(tmp_path / "a", data, "bigfish", "bc", 0, cfg, ("train",), CPU, crash)
    assert (tmp_path / "a" / "checkpoint.npz").is_file()
    resumed = train_cell(tmp_path / "a", data, "bigfish", "bc", 0, cfg, ("train",), CPU)
    whole = train_cell(tmp_path / "b", data, "bigfish", "bc", 0, cfg, ("train",), CPU)
    assert resumed["gradient_steps"] == whole["gradient_steps"] == 2 * -(-len(data.rewards) // 64)
    assert resumed["train_return"] == whole["train_return"]
    # a finished cell is read back, not retrained
    assert train_cell(tmp_path / "a", None, "bigfish", "bc", 0, cfg, ("train",), CPU) == resumed


def test_the_cli_names_a_missing_dataset_in_one_line(tmp_path, capsys):
    from openended.cli import main

    code = main(["offline-rl", "ablation", "--datasets", str(tmp_path), "--games", "maze"])
    err = capsys.readouterr().err
    assert code != 0 and "datasets" in err and "maze-expert" in err and "Traceback" not in err
    assert AblationConfig().levels == (1, 10, 50, 200, 1000)
