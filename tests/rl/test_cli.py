"""End to end through the command line: train an expert, collect its datasets, evaluate it; resume."""

import json

import numpy as np
import pytest

from openended.cli import main
from openended.core.commands import execute
from openended.core.runs import read_metrics
from openended.core.serialize import load_tree
from openended.rl.cli import TRAIN_EXPERT
from openended.rl.config import ExpertConfig, PPOConfig
from openended.rl.datasets import load
from openended.rl.ppo import PPO

TINY = [
    "--game", "bigfish", "--total-steps", "256", "--ppo.num-envs", "4", "--ppo.num-steps", "16",
    "--ppo.minibatches", "2", "--ppo.epochs", "1", "--snapshots", "2", "--eval-every", "0",
    "--eval-episodes", "4", "--checkpoint-every", "1", "--threads", "1", "--network.hidden", "32",
]  # fmt: skip


@pytest.fixture(scope="module")
def expert(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    assert main(["rl", "train-expert", "--runs-root", str(root), "--name", "e", *TINY]) == 0
    return root / "e"


def test_train_expert_writes_snapshots_curves_and_a_report(expert):
    index = json.loads((expert / "artifacts" / "policies" / "index.json").read_text())
    assert index["game"] == "bigfish"
    assert [s["step"] for s in index["snapshots"]] == [128, 256]  # 4 updates of 64 steps, 2 snapshots
    rows = read_metrics(expert)
    assert [r["step"] for r in rows] == [64, 128, 192, 256]
    assert "eval_test_return" in rows[-1] and "eval_train_normalized" in rows[-1]
    assert (expert / "artifacts" / "returns.png").is_file() and (expert / "report.html").is_file()


@pytest.mark.parametrize("kind", ["expert", "mixed", "observation_only"])
def test_collect_writes_whole_episodes_of_the_chosen_snapshot(expert, tmp_path, kind):
    args = [
        "--experts",
        str(expert),
        "--kind",
        kind,
        "--transitions",
        "300",
        "--num-envs",
        "4",
        "--threads",
        "1",
    ]
    assert main(["rl", "collect", "--runs-root", str(tmp_path), "--name", "d", *args]) == 0
    data = load(tmp_path / "d" / "artifacts" / "dataset")
    assert 300 <= len(data.rewards) < 300 + 4 * 1000
    assert (data.actions is None) == (kind == "observation_only")
    assert all(0 <= s < 200 for s in data.level_seeds)  # the training levels only
    policy = json.loads(data.metadata["policies"])
    assert policy == (["bigfish/step_0000000128"] if kind == "mixed" else ["bigfish/step_0000000256"])
    summary = json.loads((tmp_path / "d" / "artifacts" / "summary.json").read_text())
    assert summary["transitions"] == len(data.rewards) and summary["bytes_on_disk"] > 0


def test_evaluate_reports_every_split_and_the_iqm(expert, tmp_path):
    args = [
        "--games",
        "bigfish",
        "--policies",
        str(expert),
        "--episodes",
        "4",
        "--num-envs",
        "4",
        "--threads",
        "1",
    ]
    assert (
        main(["rl", "evaluate", "--runs-root", str(tmp_path), "--name", "v", *args, "--bootstrap", "200"])
        == 0
    )
    result = json.loads((tmp_path / "v" / "artifacts" / "evaluation.json").read_text())
    assert [r["split"] for r in result["per_game"]] == ["train", "validation", "test"]
    assert all(r["episodes"] == 4 for r in result["per_game"])
    for agg in result["aggregate"].values():
        assert agg["ci95"][0] <= agg["iqm"] <= agg["ci95"][1]
    assert (tmp_path / "v" / "artifacts" / "train_vs_test.png").is_file()


def test_bad_input_is_one_message_naming_the_field(tmp_path, capsys):
    assert main(["rl", "collect", "--experts", str(tmp_path / "none"), "--runs-root", str(tmp_path)]) == 2
    assert "experts" in capsys.readouterr().err
    assert main(["rl", "train-expert", "--game", "pong"]) == 2
    assert "game" in capsys.readouterr().err
    junk = tmp_path / "junk.npz"
    junk.write_text("not a policy")
    args = ["rl", "evaluate", "--games", "bigfish", "--runs-root", str(tmp_path)]
    assert main([*args, "--policies", str(junk)]) == 2
    assert "policies" in (err := capsys.readouterr().err) and "not a usable policy" in err
    assert not any(p.name.startswith("rl-evaluate") for p in tmp_path.iterdir())  # refused before a run dir


def test_a_policy_of_another_game_is_refused(expert, tmp_path, capsys):
    policy = expert / "artifacts" / "policies" / "step_0000000256.npz"
    args = ["rl", "evaluate", "--games", "maze", "--policies", str(policy), "--runs-root", str(tmp_path)]
    assert main(args) == 2
    assert "is a bigfish policy, not maze" in capsys.readouterr().err
    (expert / "artifacts" / "policies" / "step_0000000128.npz").rename(tmp_path / "moved.npz")
    try:
        collect = ["rl", "collect", "--experts", str(expert), "--kind", "mixed", "--runs-root", str(tmp_path)]
        assert main(collect) == 2
        assert "does not exist" in capsys.readouterr().err
    finally:
        (tmp_path / "moved.npz").rename(expert / "artifacts" / "policies" / "step_0000000128.npz")


def test_an_interrupted_training_resumes_to_the_same_result(tmp_path, monkeypatch):
    cfg = ExpertConfig(
        game="bigfish", total_steps=256, snapshots=2, eval_every=0, eval_episodes=4, checkpoint_every=1,
        threads=1, ppo=PPOConfig(num_envs=4, num_steps=16, minibatches=2, epochs=1),
    )  # fmt: skip
    cfg = cfg.replace(network=cfg.network.replace(hidden=32))
    straight = execute(TRAIN_EXPERT, cfg, root=tmp_path, name="straight", report=False)
    real_update, calls = PPO.update, []

    def crash_on_third(self):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_update(self)

    monkeypatch.setattr(PPO, "update", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        execute(TRAIN_EXPERT, cfg, root=tmp_path, name="cut", report=False)
    monkeypatch.setattr(PPO, "update", real_update)
    cut = execute(TRAIN_EXPERT, resume=tmp_path / "cut", report=False)
    drop = ("time", "steps_per_s", "collect_s", "learn_s")  # wall-clock, not results
    assert [{k: v for k, v in r.items() if k not in drop} for r in read_metrics(cut)] == [
        {k: v for k, v in r.items() if k not in drop} for r in read_metrics(straight)
    ]
    a = load_tree(straight / "artifacts" / "policies" / "step_0000000256.npz")["weights"]
    b = load_tree(cut / "artifacts" / "policies" / "step_0000000256.npz")["weights"]
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_an_interrupted_collection_resumes_and_keeps_what_it_wrote(expert, tmp_path, monkeypatch):
    from openended.rl import collect as collect_module
    from openended.rl.cli import COLLECT
    from openended.rl.config import CollectConfig
    from openended.rl.datasets import DatasetWriter

    monkeypatch.setattr(collect_module, "WRITE_EVERY", 100)  # several batches in a small dataset
    real_write, calls = DatasetWriter.write, []

    def crash_on_second(self, episodes):
        calls.append(len(episodes))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_write(self, episodes)

    monkeypatch.setattr(DatasetWriter, "write", crash_on_second)
    cfg = CollectConfig(game="bigfish", experts=str(expert), transitions=400, num_envs=4, threads=1)
    with pytest.raises(KeyboardInterrupt):
        execute(COLLECT, cfg, root=tmp_path, name="c", report=False)
    first = load(tmp_path / "c" / "artifacts" / "dataset")
    assert 100 <= len(first.rewards) < 400  # the first batch is on disk
    monkeypatch.setattr(DatasetWriter, "write", real_write)
    execute(COLLECT, resume=tmp_path / "c", report=False)
    data = load(tmp_path / "c" / "artifacts" / "dataset")
    assert len(data.rewards) >= 400
    # what was written before the interruption is still there, unchanged, at the front
    assert np.array_equal(data.observations[: len(first.observations)], first.observations)
    assert [r["step"] for r in read_metrics(tmp_path / "c")] == sorted(
        {r["step"] for r in read_metrics(tmp_path / "c")}
    )
