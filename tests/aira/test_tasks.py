"""The task suite: every built-in task's split and grader against hand-computed scores, and tasks a user adds
in one module (or breaks) without hiding the others."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from openended.aira import ladder as ladders
from openended.aira.task import InvalidSubmission
from openended.aira.tasks import suite
from tests.aira.helpers import USER_TASK


def test_suite_has_eight_full_tasks_and_tiny_ones():
    assert len(suite("full")) >= 8
    assert {t.name for t in suite("tiny")} >= {"iris", "diabetes", "breast-cancer"}


def test_every_task_grades_constant_and_perfect_submissions_as_computed_by_hand(prepared_suite):
    for name, p in prepared_suite.items():
        task, ans = p.task, p.answers()
        train = pd.read_csv(p.public / "train.csv")
        test = pd.read_csv(p.public / "test.csv")
        assert task.target not in test.columns and len(test) == len(ans), name
        assert set(test["id"]).isdisjoint(train["id"]), name
        y = ans[task.target]
        kind = task.metric_spec.kind
        if kind == "value":
            c = float(train[task.target].median())
            sub = pd.DataFrame({"id": ans["id"], task.target: c})
            f = {"rmse": lambda v: v, "rmse_log": np.log, "rmsle": np.log1p}[task.metric]
            want = float(np.sqrt(np.mean((f(y.to_numpy(float)) - f(c)) ** 2)))
            perfect = pd.DataFrame({"id": ans["id"], task.target: y}), 0.0
        elif kind == "label":
            c = y.astype(str).mode()[0]
            sub = pd.DataFrame({"id": ans["id"], task.target: c})
            want = float(np.mean(y.astype(str) == c))
            perfect = pd.DataFrame({"id": ans["id"], task.target: y}), 1.0
        elif kind == "probability":
            sub = pd.DataFrame({"id": ans["id"], task.target: 0.3})
            want = 0.5  # a constant score ranks nothing
            hit = (y.astype(str) == str(task.positive)).astype(float)
            perfect = pd.DataFrame({"id": ans["id"], task.target: hit}), 1.0
        else:
            classes = task.classes(ans)
            sub = pd.DataFrame({"id": ans["id"], **{k: 1 / len(classes) for k in classes}})
            want = math.log(len(classes))
            onehot = {k: (y.astype(str) == k).astype(float) for k in classes}
            perfect = pd.DataFrame({"id": ans["id"], **onehot}), 0.0
        assert p.grade(sub) == pytest.approx(want, abs=1e-5), name
        assert p.grade(perfect[0]) == pytest.approx(perfect[1], abs=1e-5), name
        with pytest.raises(InvalidSubmission):
            p.grade(sub.iloc[1:])


def test_a_user_adds_a_task_with_one_module(tmp_path, monkeypatch):
    from openended.aira.tasks import get, load_file

    folder = tmp_path / "mytasks"
    folder.mkdir()
    (folder / "user_linear.py").write_text(USER_TASK)
    assert load_file(folder / "user_linear.py").name == "user-linear"
    monkeypatch.setenv("OPENENDED_AIRA_TASKS", str(folder))
    task = get("user-linear")
    prepared = task.prepare(tmp_path / "split", 0)
    lad = ladders.ladder_for(prepared, 0, cache=tmp_path / "ladder.json")
    assert lad["source"] == "computed" and (tmp_path / "ladder.json").is_file()
    assert (
        lad["scores"]["linear"] < 0.01 < lad["scores"]["dummy"]
    )  # a linear target: the linear rung is exact
    assert ladders.ladder_for(prepared, 0, cache=tmp_path / "ladder.json") == lad  # cached


def test_broken_and_clashing_task_files_are_skipped_with_a_reason_and_hide_nothing(tmp_path, monkeypatch):
    from openended.aira.tasks import TaskFileError, UnknownTask, discover, get, load_file

    folder = tmp_path / "mytasks"
    folder.mkdir()
    (folder / "user_linear.py").write_text(USER_TASK)
    (folder / "a_no_task.py").write_text("X = 1\n")
    (folder / "b_raises.py").write_text("import math\n\nvalue = math.sqrt(-1)\n")
    (folder / "c_syntax.py").write_text("def f(:\n")
    (folder / "d_iris.py").write_text(USER_TASK.replace('"user-linear"', '"iris"'))
    (folder / "e_twice.py").write_text(USER_TASK)
    (folder / "f_exits.py").write_text("import sys\nsys.exit(0)\n")  # must not end the listing
    monkeypatch.setenv("OPENENDED_AIRA_TASKS", str(folder))
    tasks, skipped = discover()
    assert "user-linear" in tasks and tasks["iris"].source.startswith("scikit-learn")  # the built-in stays
    why = {Path(line.split(":")[0].split(" ")[0]).name: line for line in skipped}
    assert len(skipped) == 6
    assert "a_no_task.py defines no TASK" in why["a_no_task.py"]
    assert why["b_raises.py"] == f"{folder / 'b_raises.py'}:3: ValueError: math domain error"
    assert f"{folder / 'c_syntax.py'}:1: SyntaxError" in why["c_syntax.py"]
    assert "'iris' is a built-in task's" in why["d_iris.py"]
    assert "already defined by" in why["user_linear.py"] and "e_twice.py" in why["user_linear.py"]
    assert f"{folder / 'f_exits.py'}:2: SystemExit" in why["f_exits.py"]
    assert get("user-linear").name == "user-linear"
    with pytest.raises(UnknownTask, match=r"skipped task files: .*a_no_task\.py"):
        get("nonexistent")
    with pytest.raises(TaskFileError, match="built-in"):
        load_file(folder / "d_iris.py")
