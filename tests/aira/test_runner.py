"""A whole run: journal, summary, tree and report written, resume adds nothing, runs aggregate."""

import json

import pytest

from openended.aira.config import AIRAConfig
from openended.aira.runner import load_models, resolve_task
from openended.cli import main
from openended.core.config import ConfigError


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


def test_resolve_task_names_the_config_field_that_is_wrong(tmp_path):
    assert resolve_task(AIRAConfig(task="iris")).name == "iris"
    with pytest.raises(ConfigError, match="unknown task 'nonexistent'") as e:
        resolve_task(AIRAConfig(task="nonexistent"))
    assert e.value.field == "task"
    # a task file wins over the task name, and a missing one is an error of that field
    with pytest.raises(ConfigError, match="does not exist") as e:
        resolve_task(AIRAConfig(task="iris", task_file=str(tmp_path / "missing.py")))
    assert e.value.field == "task_file"


def test_one_model_per_distinct_spec_and_the_demo_model_is_scripted():
    models = load_models(AIRAConfig(model="scripted:aira-demo"))
    assert list(models) == ["scripted:aira-demo"]  # Analyze uses the same model when none is named
    models = load_models(AIRAConfig(model="scripted:aira-demo", analyze_model="scripted:echo"))
    assert sorted(models) == ["scripted:aira-demo", "scripted:echo"]
    prompt = [{"role": "user", "content": "Write a solution."}]
    assert models["scripted:echo"].complete(prompt).text == "Write a solution."
    assert "```python" in models["scripted:aira-demo"].complete(prompt).text  # the demo's solutions
