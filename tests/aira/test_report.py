"""What a run shows and the table across runs: only run directories are read, never what nodes wrote."""

import json
import os

from openended.aira.journal import ROOT
from openended.aira.report import _layout, aggregate, collect, summary_row
from openended.cli import main
from tests.aira.helpers import tree


def test_report_reads_runs_only_never_what_nodes_left_in_their_workspaces(tmp_path, capsys):
    args = ["aira", "run", "--task", "iris", "--model", "scripted:echo", "--steps", "1", "--llm-retries", "1"]
    assert main([*args, "--runs-root", str(tmp_path), "--name", "r"]) == 0
    nodes = tmp_path / "r" / "nodes"
    fake = nodes / "0000" / "fake"  # what a node could write: a run of its own with a gold medal
    (fake / "artifacts").mkdir(parents=True)
    (fake / "run.json").write_text("{}")
    summary = json.loads((tmp_path / "r" / "artifacts" / "summary.json").read_text())
    (fake / "artifacts" / "summary.json").write_text(json.dumps(summary | {"selected": {"medal": "gold"}}))
    # and runs elsewhere whose summary is a FIFO, a link to a host file, or nested too deep to parse
    for name, make in [
        ("fifo", lambda p: os.mkfifo(p)),
        ("link", lambda p: p.symlink_to("/etc/hostname")),
        ("deep", lambda p: p.write_text("[" * 100_000 + "]" * 100_000)),
    ]:
        (tmp_path / name / "artifacts").mkdir(parents=True)
        (tmp_path / name / "run.json").write_text("{}")
        make(tmp_path / name / "artifacts" / "summary.json")
    out = tmp_path / "all.json"
    assert main(["aira", "report", str(tmp_path), "--out", str(tmp_path / "a.html"), "--json", str(out)]) == 0
    runs = json.loads(out.read_text())["runs"]
    assert [r["run"] for r in runs] == [str(tmp_path / "r")]
    err = capsys.readouterr().err
    assert "skipped run" in err and "deep" in err and "fifo" not in err  # the FIFO is not a run.json'd file


def test_tree_layout_puts_leaves_side_by_side_and_parents_above_the_mean_of_their_children():
    # root -> drafts 0, 1; 0 -> 2, 3
    j = tree(
        [("draft", [], 0.5, 0), ("draft", [], None, 0), ("improve", [0], 0.6, 0), ("improve", [0], 0.7, 0)]
    )
    pos = _layout(j)
    assert pos[2] == (0.0, -2) and pos[3] == (1.0, -2) and pos[1] == (2.0, -1)
    assert pos[0] == (0.5, -1) and pos[ROOT] == (1.25, 0)


def summary(policy, valid, **extra):
    ladder = {"median": 0.8, "bronze": 0.85, "silver": 0.9, "gold": 0.95}
    base = {"task": "iris", "metric": "accuracy", "lower_is_better": False, "nodes": 4, "ladder": ladder}
    return {**base, "policy": policy, "valid_submission_rate": valid, **extra}


def test_aggregate_groups_runs_by_policy_and_averages_their_rates():
    runs = [
        summary("greedy", 0.5, code_rate=1.0, selected={"any_medal": True, "above_median": True}),
        summary(
            "greedy", 1.0, selected={"any_medal": False, "above_median": True}, oracle={"any_medal": True}
        ),
        summary("mcts", 0.25, code_rate=0.5, ran_rate=0.25),
    ]
    greedy, mcts = aggregate(runs)
    assert (greedy["policy"], greedy["runs"], greedy["nodes"]) == ("greedy", 2, 8)
    assert greedy["valid submissions"] == "75 %"
    assert (
        greedy["with code"] == "100 %" and greedy["ran cleanly"] == ""
    )  # a missing rate is left out of the mean
    assert (greedy["any good node"], greedy["medal (selected)"], greedy["medal (oracle)"]) == (
        "100 %",
        "50 %",
        "50 %",
    )
    assert greedy["above median (selected)"] == "100 %"
    assert (mcts["runs"], mcts["valid submissions"], mcts["with code"], mcts["ran cleanly"]) == (
        1,
        "25 %",
        "50 %",
        "25 %",
    )
    assert (mcts["any good node"], mcts["medal (selected)"]) == ("0 %", "0 %")


def test_summary_row_marks_the_direction_and_says_when_no_node_was_good():
    row = summary_row(summary("greedy", 0.0) | {"metric": "rmse", "lower_is_better": True, "selected": None})
    assert row["metric"] == "rmse \u2193" and row["selected: medal"] == "no good node"
    assert row["valid submissions"] == "0 %" and row["gold / bronze"] == "0.95 / 0.85"
    row = summary_row(summary("mcts", 1.0, selected={"score": 0.97, "medal": "gold"}, oracle={"score": 0.9}))
    assert (
        row["metric"] == "accuracy \u2191"
        and row["selected: medal"] == "gold"
        and row["oracle: medal"] == "none"
    )


def test_collect_skips_a_run_whose_summary_is_not_an_aira_summary(tmp_path):
    for name, content in [("good", summary("greedy", 1.0)), ("partial", {"task": "iris"})]:
        (tmp_path / name / "artifacts").mkdir(parents=True)
        (tmp_path / name / "run.json").write_text("{}")
        (tmp_path / name / "artifacts" / "summary.json").write_text(json.dumps(content))
    (tmp_path / "not-a-run" / "artifacts").mkdir(parents=True)  # no run.json: not a run
    (tmp_path / "not-a-run" / "artifacts" / "summary.json").write_text(json.dumps(summary("mcts", 1.0)))
    skipped = []
    found = collect([tmp_path], skipped)
    assert [s["run"] for s in found] == [str(tmp_path / "good")]
    assert len(skipped) == 1 and skipped[0].startswith(
        f"{tmp_path / 'partial'}: ValueError: not an AIRA summary"
    )
