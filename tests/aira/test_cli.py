"""The aira commands: run (to a report), tasks, report across runs, ladder."""

import json

from openended.cli import main


def test_run_writes_journal_summary_tree_and_report_then_aggregates(tmp_path, capsys):
    # scripted:echo answers with the prompt itself: no code block, so every node is buggy without running
    args = ["aira", "run", "--task", "iris", "--model", "scripted:echo", "--steps", "3", "--llm-retries", "1"]
    assert main([*args, "--runs-root", str(tmp_path), "--name", "r"]) == 0
    run = tmp_path / "r"
    summary = json.loads((run / "artifacts" / "summary.json").read_text())
    assert summary["nodes"] == 3 and summary["valid_submission_rate"] == 0 and summary["selected"] is None
    assert summary["policy"] == "greedy"
    assert (run / "artifacts" / "tree.png").stat().st_size > 1000
    html = (run / "report.html").read_text()
    assert "Search tree" in html and "the reply had no code block" in html
    assert len((run / "journal.jsonl").read_text().splitlines()) == 3
    # resuming a finished run adds nothing
    assert main(["aira", "run", "--resume", str(run)]) == 0
    assert len((run / "journal.jsonl").read_text().splitlines()) == 3
    out = tmp_path / "all.html"
    assert main(["aira", "report", str(tmp_path), "--out", str(out), "--json", str(tmp_path / "s.json")]) == 0
    agg = json.loads((tmp_path / "s.json").read_text())["per_policy"]
    assert agg == [
        {
            "policy": "greedy",
            "runs": 1,
            "nodes": 3,
            "with code": "0 %",
            "ran cleanly": "0 %",
            "valid submissions": "0 %",
            "any good node": "0 %",
            "medal (selected)": "0 %",
            "medal (oracle)": "0 %",
            "above median (selected)": "0 %",
        }
    ]
    assert main(["aira", "report", str(tmp_path / "nothing")]) == 1


def test_tasks_lists_the_suite_with_thresholds(capsys):
    assert main(["aira", "tasks", "--suite", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "iris" in out and "accuracy" in out and "gold" in out and "house-prices" not in out


def test_ladder_command_writes_a_ladder_file(tmp_path):
    out = tmp_path / "ladders.json"
    assert (
        main(["aira", "ladder", "--suite", "iris", "--root", str(tmp_path / "splits"), "--out", str(out)])
        == 0
    )
    entry = json.loads(out.read_text())["tasks"]["iris"]
    assert entry["gold"] >= entry["silver"] >= entry["bronze"] and "provenance" in json.loads(out.read_text())
