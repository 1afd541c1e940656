"""The aira commands: run (to a report), tasks, report across runs, ladder."""

import json
import os
from pathlib import Path

import pytest

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


def test_tasks_shows_a_task_file_and_names_broken_files_without_a_traceback(tmp_path, monkeypatch, capsys):
    from tests.aira.test_tasks import USER_TASK

    folder = tmp_path / "mytasks"
    folder.mkdir()
    (folder / "user_linear.py").write_text(USER_TASK)
    (folder / "broken.py").write_text("import nonexistent_module_xyz\n")
    assert main(["aira", "tasks", "--task-file", str(folder / "user_linear.py")]) == 0
    out = capsys.readouterr().out
    assert "user-linear" in out and "rmse" in out and "ladder computed on first use" in out
    monkeypatch.setenv("OPENENDED_AIRA_TASKS", str(folder))
    assert main(["aira", "tasks"]) == 0
    captured = capsys.readouterr()
    assert "user-linear" in captured.out and "iris" in captured.out
    assert f"skipped task file {folder / 'broken.py'}:1: ModuleNotFoundError" in captured.err
    assert "Traceback" not in captured.err
    # bad task names and files: one line naming the field, exit 2
    monkeypatch.chdir(tmp_path)
    assert main(["aira", "run", "--task", "nonexistent", "--model", "scripted:echo"]) == 2
    assert "invalid config: task: unknown task 'nonexistent'" in capsys.readouterr().err
    assert main(["aira", "run", "--task-file", str(folder / "broken.py"), "--model", "scripted:echo"]) == 2
    err = capsys.readouterr().err
    assert "invalid config: task_file:" in err and "broken.py:1" in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()  # refused before any run directory was made


def test_ladders_go_to_the_users_cache_where_runs_find_them(tmp_path, monkeypatch):
    from openended.aira import ladder
    from openended.aira.tasks import get

    monkeypatch.setenv("OPENENDED_CACHE", str(tmp_path / "cache"))
    package = Path(ladder.__file__).with_name("ladders.json")
    before = package.read_bytes()
    assert main(["aira", "ladder", "--suite", "iris", "--root", str(tmp_path / "splits")]) == 0
    assert package.read_bytes() == before  # the installed package is never written
    written = json.loads((tmp_path / "cache" / "aira" / "ladders.json").read_text())["tasks"]["iris"]
    assert written["source"] == "user"
    # a split the committed ladders do not cover (seed 0, but a changed file) finds the user's ladder
    monkeypatch.setattr(ladder, "committed", lambda: {"tasks": {}})
    prepared = get("iris").prepare(tmp_path / "splits" / "iris", 0)
    assert ladder.ladder_for(prepared, 0) == written


def test_a_ladder_never_goes_through_a_planted_link_and_a_broken_one_is_ignored(
    tmp_path, monkeypatch, capsys
):
    cache = tmp_path / "cache" / "aira"
    cache.mkdir(parents=True)
    victim = tmp_path / "root-only.txt"
    victim.write_text("precious")
    (cache / "ladders.tmp").symlink_to(victim)
    monkeypatch.setenv("OPENENDED_CACHE", str(tmp_path / "cache"))
    assert main(["aira", "ladder", "--suite", "iris", "--root", str(tmp_path / "splits")]) == 0
    assert victim.read_text() == "precious"
    assert json.loads((cache / "ladders.json").read_text())["tasks"]["iris"]["source"] == "user"
    (cache / "ladders.json").write_text("{not json")
    with pytest.warns(UserWarning, match="is not a ladder file"):
        assert main(["aira", "tasks", "--suite", "iris"]) == 0
    assert "iris" in capsys.readouterr().out


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


def test_the_demo_model_runs_a_whole_search_from_the_cli(tmp_path, bwrap_ok):
    # scripted:aira-demo replays fixed working solutions: a test double that exercises the whole loop
    args = ["aira", "run", "--task", "penguins", "--model", "scripted:aira-demo", "--steps", "4"]
    assert main([*args, "--greedy.num-drafts", "3", "--runs-root", str(tmp_path), "--name", "demo"]) == 0
    summary = json.loads((tmp_path / "demo" / "artifacts" / "summary.json").read_text())
    assert summary["valid_submission_rate"] == 1.0 and summary["selected"]["score"] is not None
    nodes = [json.loads(line) for line in (tmp_path / "demo" / "journal.jsonl").read_text().splitlines()]
    assert [n["operator"] for n in nodes] == ["draft", "draft", "draft", "improve"]
    assert len({n["code"] for n in nodes[:3]}) == 3  # three different models


def test_ladder_command_writes_a_ladder_file(tmp_path):
    out = tmp_path / "ladders.json"
    assert (
        main(["aira", "ladder", "--suite", "iris", "--root", str(tmp_path / "splits"), "--out", str(out)])
        == 0
    )
    entry = json.loads(out.read_text())["tasks"]["iris"]
    assert entry["gold"] >= entry["silver"] >= entry["bronze"] and "provenance" in json.loads(out.read_text())
