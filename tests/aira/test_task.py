"""Task contract: deterministic splits, graders checked against hand-computed values, malformed submissions
rejected with a message and no score."""

import math

import numpy as np
import pandas as pd
import pytest

from openended.aira import task as task_module
from openended.aira.task import InvalidSubmission, Task
from openended.aira.tasks import registry, suite


def toy(metric, target_values, **kw):
    df = pd.DataFrame({"f": np.arange(len(target_values), dtype=float), "y": target_values})
    return Task(
        name=f"toy-{metric}", title="toy", description="toy", metric=metric, target="y", load=lambda: df, **kw
    )


ANS = pd.DataFrame({"id": [3, 1, 2, 0], "y": [1.0, 2.0, 4.0, 8.0]})


def test_regression_metrics_match_hand_computation():
    sub = pd.DataFrame({"id": [0, 1, 2, 3], "y": [8.0, 2.0, 2.0, 2.0]})  # errors: 0, 0, -2, +1 (id 3: 1 -> 2)
    assert toy("rmse", [1.0]).grade(sub, ANS) == round(math.sqrt((0 + 0 + 4 + 1) / 4), 5)
    want = math.sqrt((math.log(2 / 1) ** 2 + math.log(2 / 4) ** 2) / 4)
    assert toy("rmse_log", [1.0]).grade(sub, ANS) == round(want, 5)
    want = math.sqrt(((math.log(3) - math.log(2)) ** 2 + (math.log(3) - math.log(5)) ** 2) / 4)
    assert toy("rmsle", [1.0]).grade(sub, ANS) == round(want, 5)


def test_classification_metrics_match_hand_computation():
    ans = pd.DataFrame({"id": [0, 1, 2, 3], "y": ["a", "b", "a", "b"]})
    labels = pd.DataFrame({"id": [0, 1, 2, 3], "y": ["a", "a", "a", "b"]})
    assert toy("accuracy", ["a", "b"]).grade(labels, ans) == 0.75
    # AUC: positives (b) get 0.9, 0.4; negatives 0.1, 0.6 -> pairs won: (0.9>0.1, 0.9>0.6, 0.4>0.1) = 3 of 4
    p = pd.DataFrame({"id": [0, 1, 2, 3], "y": [0.1, 0.9, 0.6, 0.4]})
    assert toy("auc", ["a", "b"], positive="b").grade(p, ans) == 0.75
    probs = pd.DataFrame({"id": [0, 1, 2, 3], "a": [0.8, 0.5, 1.0, 0.0], "b": [0.2, 0.5, 0.0, 1.0]})
    want = -(math.log(0.8) + math.log(0.5) + math.log(1 - 1e-15) + math.log(1 - 1e-15)) / 4
    assert toy("log_loss", ["a", "b"]).grade(probs, ans) == pytest.approx(round(want, 5))
    # integer classes written as floats are the same classes
    ints = pd.DataFrame({"id": [0, 1], "y": [1, 0]})
    assert toy("accuracy", [0, 1]).grade(pd.DataFrame({"id": [1, 0], "y": [0.0, 1.0]}), ints) == 1.0


@pytest.mark.parametrize(
    "sub, message",
    [
        (pd.DataFrame({"id": [0, 1, 2, 3]}), "missing columns"),
        (pd.DataFrame({"id": [0, 1, 2, 3], "y": [1.0] * 4, "extra": 1}), "unexpected columns"),
        (pd.DataFrame({"id": [0, 1, 2], "y": [1.0] * 3}), "3 rows"),
        (pd.DataFrame({"id": [0, 1, 2, 2], "y": [1.0] * 4}), "duplicate ids"),
        (pd.DataFrame({"id": [0, 1, 2, 9], "y": [1.0] * 4}), "ids do not match"),
        (pd.DataFrame({"id": [0, 1, 2, 3], "y": [1.0, None, 1.0, 1.0]}), "missing values"),
        (pd.DataFrame({"id": [0, 1, 2, 3], "y": ["1", "x", "1", "1"]}), "must be numbers"),
        (pd.DataFrame({"id": [0, 1, 2, 3], "y": [1.0, float("inf"), 1.0, 1.0]}), "finite"),
        (pd.DataFrame({"id": [0, 1, 2, 3], "y": [1.0, 0.0, 1.0, 1.0]}), "> 0"),
        (pd.DataFrame({"id": [0.4, 1.4, 2.4, 3.4], "y": [1.0] * 4}), "integer ids"),  # not truncated
        (pd.DataFrame({"id": [0, 1, 2, float("inf")], "y": [1.0] * 4}), "integer ids"),
        (pd.DataFrame({"id": ["0", "1", "2", "3x"], "y": [1.0] * 4}), "integer ids"),
        (pd.DataFrame({"id": [0, 1, 2, 2**53 + 3.0], "y": [1.0] * 4}), "integer ids"),
        (pd.DataFrame({"id": ["0", "1", "2", "\u0663"], "y": [1.0] * 4}), "integer ids"),  # Arabic-Indic 3
        (pd.DataFrame({"id": ["0", "1", "2", "0_3"], "y": [1.0] * 4}), "integer ids"),
    ],
)
def test_malformed_regression_submissions_are_rejected(sub, message):
    with pytest.raises(InvalidSubmission, match=message):
        toy("rmse_log", [1.0]).grade(sub, ANS)


def test_malformed_classification_submissions_are_rejected():
    ans = pd.DataFrame({"id": [0, 1], "y": ["a", "b"]})
    with pytest.raises(InvalidSubmission, match="unknown labels"):
        toy("accuracy", ["a", "b"]).grade(pd.DataFrame({"id": [0, 1], "y": ["a", "c"]}), ans)
    with pytest.raises(InvalidSubmission, match=r"\[0, 1\]"):
        toy("auc", ["a", "b"], positive="b").grade(pd.DataFrame({"id": [0, 1], "y": [0.2, 1.5]}), ans)
    with pytest.raises(InvalidSubmission, match="sum to 1"):
        toy("log_loss", ["a", "b"]).grade(pd.DataFrame({"id": [0, 1], "a": [0.5, 0.5], "b": [0.4, 0.5]}), ans)
    with pytest.raises(InvalidSubmission, match="missing columns"):
        toy("log_loss", ["a", "b"]).grade(pd.DataFrame({"id": [0, 1], "a": [1.0, 1.0]}), ans)


def test_integral_ids_in_any_spelling_are_the_same_ids():
    sub = pd.DataFrame({"id": ["0", " 1 ", "2.0", 3.0], "y": [8.0, 2.0, 4.0, 1.0]})
    assert toy("rmse", [1.0]).grade(sub, ANS) == 0.0
    with pytest.raises(InvalidSubmission, match="duplicate ids"):
        toy("rmse", [1.0]).grade(pd.DataFrame({"id": ["0", "0.0", "2", "3"], "y": [1.0] * 4}), ANS)


def test_labels_that_read_as_non_finite_numbers_are_unknown_labels_not_a_crash():
    ans = pd.DataFrame({"id": [0, 1], "y": [0, 1]})
    for bad in (["inf", "inf"], ["1e300", "1e300"], ["nan", "0"]):
        with pytest.raises(InvalidSubmission, match=r"unknown labels|missing"):
            toy("accuracy", [0, 1]).grade(pd.DataFrame({"id": [0, 1], "y": bad}), ans)


def test_csv_bytes_are_parsed_within_bounds_and_any_failure_is_an_invalid_submission(tmp_path, monkeypatch):
    prepared = suite("iris")[0].prepare(tmp_path, 0)
    good = (prepared.public / "sample_submission.csv").read_bytes()
    n = len(prepared.answers())
    assert prepared.validate(good) is None and prepared.grade(good) == prepared.grade(
        prepared.public / "sample_submission.csv"
    )
    assert prepared.validate(b"\xef\xbb\xbf" + good.replace(b"\n", b"\r\n") + b"\n\n") is None  # BOM, CRLF
    cases = {
        b"\xff\xfe" + good: "not UTF-8",
        good.replace(b",", b"\x00,", 1): "NUL",
        b"id" + b",x" * 100_000 + b"\n": "100001 fields",
        good + good.split(b"\n", 1)[1] * 3: f"more than {n} rows",
        b'id,species\n"' + b"x" * 200_000 + b'"\n': "not a readable CSV",
        b"id,id\n" + b"0,0\n": "duplicate column names",
        good.rsplit(b",", 1)[0] + b"\n": "fields; the header has 2",
        b"": "empty",
    }
    for data, message in cases.items():
        problem = prepared.validate(data)
        assert problem is not None and message in problem, (message, problem)
        with pytest.raises(InvalidSubmission):
            prepared.grade(data)

    # a failure the checks did not foresee, anywhere in scoring, is still an invalid submission
    def metric(fn):
        broken = task_module.Metric("accuracy", "label", False, fn)
        monkeypatch.setitem(task_module.METRICS, "accuracy", broken)

    metric(lambda y, p: 1 / 0)
    assert prepared.validate(good) == "the submission could not be graded (ZeroDivisionError)"
    metric(lambda y, p: float("inf"))
    assert "non-finite accuracy" in prepared.validate(good)


def test_unreadable_file_is_invalid_and_validate_reveals_no_score(tmp_path):
    prepared = suite("iris")[0].prepare(tmp_path, 0)
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe\x00garbage")
    assert prepared.validate(tmp_path / "bad.csv") is not None
    assert prepared.validate(tmp_path / "missing.csv") == "no submission file at missing.csv"
    assert prepared.validate(prepared.public / "sample_submission.csv") is None


def test_bad_task_definitions_fail_early():
    with pytest.raises(ValueError, match="metric"):
        toy("f1", [1])
    with pytest.raises(ValueError, match="positive"):
        toy("auc", [0, 1])


def test_prepare_is_deterministic_and_reused(tmp_path):
    task = registry()["titanic"]
    a = task.prepare(tmp_path / "a", 0)
    b = task.prepare(tmp_path / "b", 0)
    assert (a.public / "train.csv").read_bytes() == (b.public / "train.csv").read_bytes()
    other = task.prepare(tmp_path / "c", 1)
    assert (other.public / "train.csv").read_bytes() != (a.public / "train.csv").read_bytes()
    (a.private / "answers.csv").write_text("id,Survived\n")  # tampered: prepared again
    task.prepare(tmp_path / "a", 0)
    assert (a.private / "answers.csv").read_bytes() == (b.private / "answers.csv").read_bytes()
