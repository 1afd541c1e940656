"""The aira commands: tasks (listing, task files, bad names), ladder --out."""

import json

from openended.cli import main


def test_tasks_lists_the_suite_with_thresholds(capsys):
    assert main(["aira", "tasks", "--suite", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "iris" in out and "accuracy" in out and "gold" in out and "house-prices" not in out


def test_tasks_shows_a_task_file_and_names_broken_files_without_a_traceback(tmp_path, monkeypatch, capsys):
    from tests.aira.helpers import USER_TASK

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


def test_ladder_command_writes_a_ladder_file(tmp_path):
    out = tmp_path / "ladders.json"
    assert (
        main(["aira", "ladder", "--suite", "iris", "--root", str(tmp_path / "splits"), "--out", str(out)])
        == 0
    )
    entry = json.loads(out.read_text())["tasks"]["iris"]
    assert entry["gold"] >= entry["silver"] >= entry["bronze"] and "provenance" in json.loads(out.read_text())
