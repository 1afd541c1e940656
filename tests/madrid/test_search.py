"""The archive's cells, the three searches, and MADRID end to end through the command line (CPU, 3v3)."""

import json

import numpy as np
import pytest
import torch

from openended.cli import main
from openended.core.runs import read_metrics
from openended.core.serialize import load_tree
from openended.madrid.analysis import pitch_map, summarize
from openended.madrid.chaser import Chaser
from openended.madrid.config import FootballConfig, SearchConfig
from openended.madrid.regret import Evaluator, Reference
from openended.madrid.search import Search, make_archive, measures

FOOTBALL = ["--football.players", "3", "--football.episode-steps", "24"]
TARGET = [
    *FOOTBALL, "--ppo.num-envs", "8", "--ppo.num-steps", "16", "--total-steps", "384",
    "--train-episode-steps", "48", "--snapshots", "3", "--device", "cpu", "--checkpoint-every", "1",
]  # fmt: skip


def test_the_archive_maps_ball_position_and_reference_to_its_cell():
    cfg = SearchConfig(football=FootballConfig(players=3))
    archive = make_archive(cfg, references=4, seed=0)
    assert archive.cells == 16 * 10 * 4  # the paper's 160 cells per reference
    levels = np.zeros((4, 10))
    levels[:, :2] = [[-0.9, -0.4], [0.899, 0.399], [0.0, 0.0], [-0.79, 0.33]]
    m = measures(levels, np.array([0, 3, 1, 2]))
    grid = archive.int_to_grid_index(archive.index_of(m))
    # x: 16 bins of 0.1125 over [-0.9, 0.9]; y: 10 bins of 0.08 over [-0.4, 0.4]; third axis: the reference
    assert grid.tolist() == [[0, 0, 0], [15, 9, 3], [8, 5, 1], [0, 9, 2]]
    heat = pitch_map({"objective": np.array([0.5, 1.0, -0.25, 1.5]), "measures": m}, (16, 10))
    assert heat[0, 0] == 0.5 and heat[15, 9] == 1.0 and heat[8, 5] == -0.25 and heat[0, 9] == 1.5
    assert np.isnan(heat).sum() == 160 - 4


@pytest.mark.parametrize("method", ["madrid", "targeted", "random"])
def test_each_search_fills_its_archive_and_resumes_without_losing_an_elite(method):
    football = FootballConfig(players=3, episode_steps=24)
    cfg = SearchConfig(method=method, emitters=2, batch_size=2, repeats=2, football=football)
    target = Chaser()
    refs = [Reference("itself", policy=target), Reference("scripted 0.5", strength=0.5)]
    ev = Evaluator(target, refs, football, cfg.repeats, 4, torch.device("cpu"), 0)
    search = Search(cfg, ev)
    for _ in range(2):
        step = search.step()
        assert step.levels.shape == (4, 10) and step.regret.shape == (4, 2)
        assert np.all(np.abs(step.levels[:, 0::2]) <= 0.9) and np.all(np.abs(step.levels[:, 1::2]) <= 0.4)
    stats = search.stats(step)
    assert stats["levels_evaluated"] == 8
    if method == "random":
        assert search.archive is None and "archive_mean_regret" not in stats
        return
    # every level evaluated enters both references' slices unless a better one holds the cell
    assert 0 < stats["elites"] <= 16
    again = Search(cfg, ev)
    again.load(search.state())
    before = search.archive.data()
    after = again.archive.data()
    assert len(after["objective"]) == len(before["objective"])
    assert sorted(after["objective"].tolist()) == sorted(before["objective"].tolist())
    assert again.iteration == 2 and again.rng.random() == search.rng.random()
    assert again.step().levels.shape == (4, 10)


def test_summaries_count_the_levels_where_the_reference_does_better():
    archive = {
        "objective": np.array([1.0, 0.5, -0.5, 0.0]),
        "cross_play": np.array([1.0, 0.0, -0.5, 0.0]),
        "measures": np.array([[0, 0, 0.5], [0, 0, 1.5], [0.2, 0, 0.5], [0.3, 0, 1.5]]),
    }
    refs = [{"name": "a", "kind": "snapshot"}, {"name": "b", "kind": "scripted"}]
    s = summarize(archive, refs, (16, 10))
    assert s["share_reference_beats_target"] == 0.5
    assert (
        s["share_reference_scores"] == 0.5
    )  # of the two positive-regret levels, one has the reference ahead
    assert [r["elites"] for r in s["per_reference"]] == [2, 2]
    # the snapshot's slot alone: one of its two levels has positive regret, and there it scored
    assert s["share_snapshot_beats_target"] == 0.5 and s["share_snapshot_scores"] == 1.0
    assert s["per_reference"][0]["mean_regret"] == 0.25


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    assert main(["madrid", "train-target", "--runs-root", str(root), "--name", "t", *TARGET]) == 0
    return root / "t"


def test_train_target_keeps_snapshots_with_their_strength(target):
    index = json.loads((target / "artifacts" / "policies" / "index.json").read_text())
    assert index["game"] == "football-3v3"
    assert [s["step"] for s in index["snapshots"]] == [128, 256, 384]  # 3 updates of 8 games x 16 steps
    rows = read_metrics(target)
    assert len(rows) == 3 and all("value_vs_scripted_0.5" in r for r in rows)
    assert all(-1 <= r["value_vs_scripted_0.95"] <= 1 for r in rows)
    assert (target / "artifacts" / "training.png").is_file() and (target / "report.html").is_file()


def test_self_play_can_start_from_a_trained_team(target, tmp_path, capsys):
    from openended.madrid.target import initial_policy
    from openended.rl.policies import load_policy, snapshots

    start = initial_policy(str(target), 3)  # a run directory: its last snapshot
    shipped = initial_policy("shipped", 3)
    assert start.obs_dim == shipped.obs_dim
    # with a vanishing learning rate the first snapshot of a warm-started run is the starting team itself
    args = [*TARGET, "--init-from", str(target), "--scripted-share", "0", "--ppo.lr", "1e-30"]
    assert main(["madrid", "train-target", "--runs-root", str(tmp_path), "--name", "w", *args]) == 0
    first, _ = load_policy(snapshots(tmp_path / "w", "football-3v3")[0].path)
    for a, b in zip(first.state_dict().values(), start.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)
    # a team of another shape, or nothing there: one line, and no run left behind
    for bad in (["--hidden", "32"], ["--init-from", str(tmp_path / "nothing")]):
        code = main(["madrid", "train-target", "--runs-root", str(tmp_path), "--name", "bad", *args, *bad])
        assert code != 0 and "init_from" in capsys.readouterr().err
        assert not (tmp_path / "bad").exists()


def test_a_two_iteration_search_end_to_end_with_resume(target, tmp_path):
    args = [
        "--target", str(target), *FOOTBALL, "--emitters", "2", "--batch-size", "2", "--repeats", "2",
        "--bot-strengths", "0.5", "--device", "cpu", "--checkpoint-every", "1",
    ]  # fmt: skip
    root = str(tmp_path)
    assert main(["madrid", "search", "--runs-root", root, "--name", "s", "--iterations", "1", *args]) == 0
    run = tmp_path / "s"
    # continue the finished one-iteration run to two by resuming a copy whose config asks for two
    cfg = json.loads((run / "config.json").read_text())
    cfg["iterations"] = 2
    (run / "config.json").write_text(json.dumps(cfg))
    meta = json.loads((run / "run.json").read_text())
    meta["status"] = "interrupted"
    (run / "run.json").write_text(json.dumps(meta))
    assert main(["madrid", "search", "--resume", str(run)]) == 0
    rows = read_metrics(run)
    assert [r["iteration"] for r in rows] == [1, 2]
    assert rows[1]["levels_evaluated"] == 8
    summary = json.loads((run / "artifacts" / "summary.json").read_text())
    refs = json.loads((run / "artifacts" / "references.json").read_text())
    # the target is the last snapshot; the two earlier ones and the bot are the references
    assert [r["kind"] for r in refs] == ["snapshot", "snapshot", "scripted"]
    archive = load_tree(run / "artifacts" / "archive.npz")
    assert summary["elites"] == len(archive["objective"]) > 0
    assert len(summary["gallery"]) == min(4, summary["elites"])
    for g in summary["gallery"]:
        assert (run / "artifacts" / g["file"]).read_bytes()[:4] == b"GIF8" and g["failure"]
    assert "data:image/gif" in (run / "report.html").read_text()
    out = tmp_path / "cmp.json"
    assert (
        main(["madrid", "report", str(tmp_path), "--out", str(tmp_path / "r.html"), "--json", str(out)]) == 0
    )
    assert json.loads(out.read_text())["madrid"]["seeds"] == 1


def test_a_missing_target_is_one_line_naming_the_field(tmp_path, capsys):
    code = main(
        ["madrid", "search", "--runs-root", str(tmp_path), "--target", str(tmp_path / "nope"), *FOOTBALL]
    )
    assert code != 0
    err = capsys.readouterr().err
    assert "target" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())  # no run directory for a refused config


def test_searches_run_together_each_keep_their_own_run(target, tmp_path):
    from openended.core.runs import Run
    from openended.madrid.search import run_searches

    football = FootballConfig(players=3, episode_steps=16)
    common = {"target": str(target), "football": football, "emitters": 2, "batch_size": 2, "repeats": 1}
    cfgs = [
        SearchConfig(method="madrid", iterations=2, seed=0, device="cpu", **common),
        SearchConfig(method="random", iterations=1, seed=1, device="cpu", **common),
    ]
    runs = [Run.create("madrid-search", c, root=tmp_path, name=f"r{i}") for i, c in enumerate(cfgs)]
    run_searches(runs)
    assert [r["iteration"] for r in read_metrics(tmp_path / "r0")] == [1, 2]
    assert [r["iteration"] for r in read_metrics(tmp_path / "r1")] == [1]
    assert (tmp_path / "r0" / "artifacts" / "summary.json").is_file()
    assert not (tmp_path / "r1" / "artifacts" / "archive.npz").exists()  # random keeps no archive
    other = SearchConfig(
        method="random", iterations=1, repeats=2, device="cpu", target=str(target), football=football
    )
    with pytest.raises(ValueError, match="must share repeats"):
        run_searches([Run.create("madrid-search", cfgs[0], root=tmp_path, name="a"),
                      Run.create("madrid-search", other, root=tmp_path, name="b")])  # fmt: skip
