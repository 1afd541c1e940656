"""The task contract, MLE-bench style, on data that ships inside installed packages.

A task is a table with a target. ``prepare(root, seed)`` splits it once, deterministically:

    public/   train.csv (features, id, target), test.csv (features, id), sample_submission.csv,
              description.md           -> mounted read-only into the sandbox as ./data
    private/  answers.csv (id, target) -> never mounted; only ``grade`` reads it, in the harness

``grade(submission, answers)`` returns the task's metric and raises :class:`InvalidSubmission` on a
malformed file; ``validate`` says only whether a file is well formed (what an agent may ask, MLE-bench's
validation endpoint) and reveals no score. Medals come from the task's reference ladder
(:mod:`openended.aira.ladder`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

CHECKSUMS = "checksums.json"  # beside public/ and private/: the seed and md5 of every prepared file
Kind = Literal["value", "label", "probability", "probabilities"]
Submission: TypeAlias = "bytes | str | Path | pd.DataFrame"
# A path given to grade is read like a workspace file, under this cap (the harness's own cap is the
# sandbox's Limits.max_read_mb, applied when it copies a submission out)
MAX_SUBMISSION_BYTES = 256 << 20


class InvalidSubmission(ValueError):
    """A submission the grader cannot score: the message says what is wrong, never how good it is."""


def _rmse(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - p) ** 2)))


def _rmse_log(y: np.ndarray, p: np.ndarray) -> float:
    if (p <= 0).any():
        raise InvalidSubmission("predictions must be > 0 (the metric takes their logarithm)")
    return _rmse(np.log(y), np.log(p))


def _rmsle(y: np.ndarray, p: np.ndarray) -> float:
    if (p < 0).any():
        raise InvalidSubmission("predictions must be >= 0 (the metric takes log(1 + prediction))")
    return _rmse(np.log1p(y), np.log1p(p))


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def _accuracy(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(y.astype(str) == p.astype(str)))


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    # y: class indices; p: (n, k) rows summing to 1; clipped as Kaggle does
    p = np.clip(p, 1e-15, 1 - 1e-15)
    p = p / p.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind  # what a submission holds: a value, a class label, P(positive) or one column per class
    lower_is_better: bool
    fn: Callable[[np.ndarray, np.ndarray], float] = field(repr=False, compare=False)


METRICS = {
    "rmse": Metric("rmse", "value", True, _rmse),
    "rmse_log": Metric("rmse_log", "value", True, _rmse_log),
    "rmsle": Metric("rmsle", "value", True, _rmsle),
    "auc": Metric("auc", "probability", False, _auc),
    "accuracy": Metric("accuracy", "label", False, _accuracy),
    "log_loss": Metric("log_loss", "probabilities", True, _log_loss),
}


@dataclass(frozen=True)
class Prepared:
    """Where a prepared task lives; ``public`` is all an agent may see."""

    task: Task
    public: Path
    private: Path

    def answers(self) -> pd.DataFrame:
        import pandas as pd

        return pd.read_csv(self.private / "answers.csv")

    def checksums(self) -> dict[str, str]:
        """md5 of every prepared file, as recorded when the split was written."""
        return json.loads((self.public.parent / CHECKSUMS).read_text())["files"]

    def grade(self, submission: Submission) -> float:
        """The submission's score on the private answers. A submission is the bytes of a CSV (what the
        harness copied out of a workspace), a path, or a DataFrame; any failure to read, parse or score it
        is an :class:`InvalidSubmission`."""
        answers = self.answers()
        want = self.task.submission_columns(self.task.classes(answers))
        try:
            return self.task.grade(read_submission(submission, len(answers), len(want)), answers)
        except InvalidSubmission:
            raise
        except Exception as e:  # whatever the content provokes is the submission's failure, not the harness's
            raise InvalidSubmission(f"the submission could not be graded ({type(e).__name__})") from e

    def validate(self, submission: Submission) -> str | None:
        """None for a submission that grades, else why not: the message, never the score (MLE-bench's
        validation endpoint). ``validate(s) is None`` exactly when ``grade(s)`` returns a score."""
        try:
            self.grade(submission)
        except InvalidSubmission as e:
            return str(e)
        return None


def read_submission(submission: Submission, max_rows: int, max_columns: int) -> pd.DataFrame:
    """A submission as a DataFrame of strings (DataFrames pass through). CSV bytes are parsed by the standard
    library's reader with every size bounded — UTF-8 only, at most ``max_rows`` data rows, ``max_columns``
    fields per row, 128 KiB per field — so no content can make the parser allocate more than the file
    holds. A path is read without following links, like a workspace file."""
    import pandas as pd

    from openended.sandbox import WorkspaceError, workspace

    if isinstance(submission, pd.DataFrame):
        return submission
    if not isinstance(submission, bytes):
        path = Path(submission)
        try:
            submission = workspace.read(path.parent, path.name, MAX_SUBMISSION_BYTES)
        except WorkspaceError as e:
            message = str(e).replace(f"no file {path.name}", f"no submission file at {path.name}")
            raise InvalidSubmission(message) from None
    try:
        text = submission.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidSubmission(f"submission is not UTF-8 text (byte {e.start})") from None
    if "\x00" in text:
        raise InvalidSubmission("submission contains NUL bytes")
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if not row:  # a blank line, as pandas skips them
                continue
            if len(row) > max_columns:
                fields = f"{len(row)} fields; expected {max_columns}"
                raise InvalidSubmission(f"line {reader.line_num} has {fields}")
            rows.append(row)
            if len(rows) > max_rows + 1:
                raise InvalidSubmission(f"more than {max_rows} rows; expected {max_rows} (one per test id)")
    except csv.Error as e:
        raise InvalidSubmission(f"submission is not a readable CSV: line {reader.line_num}: {e}") from None
    if not rows:
        raise InvalidSubmission("submission is empty")
    header, body = rows[0], rows[1:]
    if len(set(header)) != len(header):
        raise InvalidSubmission(f"duplicate column names in {header}")
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise InvalidSubmission(f"data row {i + 1} has {len(row)} fields; the header has {len(header)}")
    return pd.DataFrame(body, columns=header, dtype=object)


@dataclass(frozen=True)
class Task:
    """One task. Subclass nothing: a task module builds one of these and names it ``TASK``.

    ``load`` returns the raw table (target included); ``target`` names its column; ``positive`` is the class
    whose probability an AUC submission holds; ``max_rows`` subsamples big tables (seeded) so every task
    runs on a 2-core CPU in minutes; ``files`` copies extra public documents (e.g. a data dictionary).
    """

    name: str
    title: str
    description: str  # markdown: the problem, the columns, the metric, the submission format
    metric: str
    target: str
    load: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    positive: Any = None
    test_size: float = 0.2
    max_rows: int | None = None
    drop: tuple[str, ...] = ()  # columns removed before the split (row names, leaks)
    text: bool = False  # a text task: reference pipelines use bag-of-words features
    tiny: bool = False  # small enough for CI
    source: str = ""  # package and table the data comes from
    files: Callable[[Path], None] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"task {self.name}: metric must be in {sorted(METRICS)}, got {self.metric!r}")
        if not 0 < self.test_size < 1:
            raise ValueError(f"task {self.name}: test_size must be in (0, 1), got {self.test_size}")
        if METRICS[self.metric].kind == "probability" and self.positive is None:
            raise ValueError(f"task {self.name}: an AUC task names its positive class")

    @property
    def metric_spec(self) -> Metric:
        """What ``metric`` (its name) stands for: the kind of prediction, the direction, the function."""
        return METRICS[self.metric]

    @property
    def lower_is_better(self) -> bool:
        return self.metric_spec.lower_is_better

    # -- data ---------------------------------------------------------------------------------------
    def table(self, seed: int = 0) -> pd.DataFrame:
        df = self.load()
        df = df.drop(columns=[c for c in self.drop if c in df.columns])
        if self.target not in df.columns:
            raise ValueError(f"task {self.name}: target column {self.target!r} not in {list(df.columns)}")
        df = df[df[self.target].notna()]
        if self.max_rows and len(df) > self.max_rows:
            df = df.sample(self.max_rows, random_state=seed)
        return df.reset_index(drop=True)

    def classes(self, df: pd.DataFrame) -> list[str]:
        return sorted(class_labels(df[self.target]).unique())

    def prepare(self, root: str | Path, seed: int = 0) -> Prepared:
        """Split into public/private under ``root`` (idempotent: an existing split with matching checksums
        is reused). Ids are assigned after shuffling, so row order carries no signal."""
        root = Path(root)
        public, private = root / "public", root / "private"
        stamp = root / CHECKSUMS
        if stamp.is_file():
            recorded = json.loads(stamp.read_text())
            if recorded.get("seed") == seed and _checksums(public, private) == recorded["files"]:
                return Prepared(self, public, private)
        public.mkdir(parents=True, exist_ok=True)
        private.mkdir(parents=True, exist_ok=True)
        from sklearn.model_selection import train_test_split

        df = self.table(seed).sample(frac=1.0, random_state=seed).reset_index(drop=True)
        df.insert(0, "id", np.arange(len(df)))
        classify = self.metric_spec.kind != "value"
        train, test = train_test_split(
            df, test_size=self.test_size, random_state=seed, stratify=df[self.target] if classify else None
        )
        train, test = train.sort_values("id"), test.sort_values("id")
        if classify and self.classes(test) != self.classes(df):
            # graders check labels and probability columns against the test answers' classes
            raise ValueError(f"task {self.name}: a class is missing from the test split; raise test_size")
        train.to_csv(public / "train.csv", index=False)
        test.drop(columns=[self.target]).to_csv(public / "test.csv", index=False)
        self.sample_submission(test["id"].to_numpy(), self.classes(df)).to_csv(
            public / "sample_submission.csv", index=False
        )
        answers = test[["id", self.target]]
        answers.to_csv(private / "answers.csv", index=False)
        # owner-only: a process that is not the harness (the read-back helper, other users) reads nothing here
        os.chmod(private, 0o700)
        os.chmod(private / "answers.csv", 0o600)
        (public / "description.md").write_text(self.render_description(self.classes(df)))
        if self.files is not None:
            self.files(public)
        stamp.write_text(json.dumps({"seed": seed, "files": _checksums(public, private)}, indent=1))
        return Prepared(self, public, private)

    def submission_columns(self, classes: list[str]) -> list[str]:
        return ["id", *classes] if self.metric_spec.kind == "probabilities" else ["id", self.target]

    def sample_submission(self, ids: np.ndarray, classes: list[str]) -> pd.DataFrame:
        import pandas as pd

        kind = self.metric_spec.kind
        if kind == "probabilities":
            return pd.DataFrame({"id": ids, **{c: 1.0 / len(classes) for c in classes}})
        value: Any = {"value": 0.0, "label": classes[0], "probability": 0.5}[kind]
        if self.metric in ("rmse_log", "rmsle"):
            value = 1.0
        return pd.DataFrame({"id": ids, self.target: value})

    def render_description(self, classes: list[str]) -> str:
        kind = self.metric_spec.kind
        fmt = {
            "value": f"`id,{self.target}` with a numeric prediction per test row",
            "label": f"`id,{self.target}` with one of the classes {classes} per test row",
            "probability": f"`id,{self.target}` with the probability that `{self.target}` is "
            f"`{self.positive}` per test row",
            "probabilities": f"`id,{','.join(classes)}`: one probability column per class, rows summing to 1",
        }[kind]
        direction = "lower is better" if self.lower_is_better else "higher is better"
        return (
            f"# {self.title}\n\n{self.description.strip()}\n\n## Evaluation\n\nMetric: **{self.metric}** "
            f"({direction}) on the hidden labels of `test.csv`.\n\n## Files\n\n- `train.csv`: training rows "
            f"with the target column `{self.target}`\n- `test.csv`: rows to predict (no target)\n"
            f"- `sample_submission.csv`: a valid submission of the right shape\n\n## Submission\n\n"
            f"Write `submission.csv` with columns {fmt}, one row for every `id` in `test.csv`.\n"
        )

    # -- grading ------------------------------------------------------------------------------------
    def check(self, sub: pd.DataFrame, answers: pd.DataFrame) -> np.ndarray:
        """Validate ``sub`` against the answers' ids; return the predictions aligned with ``answers``."""
        import pandas as pd

        classes = self.classes(answers)  # stratified split: every class of the task is in the answers
        want = self.submission_columns(classes)
        missing = [c for c in want if c not in sub.columns]
        if missing:
            raise InvalidSubmission(f"missing columns {missing}; expected {want}")
        extra = [c for c in sub.columns if c not in want]
        if extra:
            raise InvalidSubmission(f"unexpected columns {extra}; expected {want}")
        if len(sub) != len(answers):
            raise InvalidSubmission(f"{len(sub)} rows; expected {len(answers)} (one per test id)")
        ids = exact_ids(sub["id"])
        if len(np.unique(ids)) != len(ids):
            raise InvalidSubmission("duplicate ids")
        if set(ids.tolist()) != set(answers["id"].tolist()):
            raise InvalidSubmission("ids do not match the ids of test.csv")
        sub = sub.assign(id=ids).set_index("id").loc[answers["id"].to_numpy()]
        cols = want[1:]
        blank = sub[cols].map(lambda v: v is None or (isinstance(v, str) and not v.strip()))
        if sub[cols].isna().any().any() or blank.any().any():
            raise InvalidSubmission("missing values in the predictions")
        if self.metric_spec.kind == "label":
            pred = class_labels(sub[self.target]).to_numpy()
            bad = set(pred) - set(classes)
            if bad:
                raise InvalidSubmission(f"unknown labels {sorted(bad)[:5]}")
            return pred
        values = sub[cols].apply(pd.to_numeric, errors="coerce")
        if values.isna().any().any():
            raise InvalidSubmission("predictions must be numbers")
        arr = values.to_numpy(dtype=float)
        if not np.isfinite(arr).all():
            raise InvalidSubmission("predictions must be finite")
        if self.metric_spec.kind in ("probability", "probabilities") and ((arr < 0) | (arr > 1)).any():
            raise InvalidSubmission("probabilities must lie in [0, 1]")
        if self.metric_spec.kind == "probabilities":
            if np.abs(arr.sum(axis=1) - 1).max() > 1e-3:
                raise InvalidSubmission("class probabilities must sum to 1 in every row")
            return arr
        return arr[:, 0]

    def grade(self, sub: pd.DataFrame, answers: pd.DataFrame) -> float:
        pred = self.check(sub, answers)
        y = answers[self.target]
        if self.metric_spec.kind == "probability":
            truth = (class_labels(y) == str(self.positive)).to_numpy(dtype=int)
        elif self.metric_spec.kind == "probabilities":
            truth = class_labels(y).map({c: i for i, c in enumerate(self.classes(answers))}).to_numpy()
        elif self.metric_spec.kind == "label":
            truth = class_labels(y).to_numpy()
        else:
            truth = y.to_numpy(dtype=float)
        score = float(self.metric_spec.fn(truth, pred))
        if not math.isfinite(score):  # e.g. predictions so large that their squares overflow
            raise InvalidSubmission(f"the predictions give a non-finite {self.metric}")
        return round(score, 5)  # MLE-bench rounds scores to 5 decimals


# ASCII digits only: int() and float() would also take "١٢" and "1_0"
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[eE][+-]?[0-9]{1,3})?")


def exact_ids(values: pd.Series) -> np.ndarray:
    """The ids as int64, each an exact integer (``7``, ``"7"``, ``7.0``, ``"7.0"``); anything else — a
    fraction, ``inf``, ``nan``, a number beyond 2**53 written as a float, text — is an invalid submission."""
    out = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values.tolist()):
        value: int | None = None
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**63:
            value = v
        elif isinstance(v, str) and INTEGER.fullmatch(v.strip()):
            value = int(v.strip())
        elif isinstance(v, float) or (isinstance(v, str) and DECIMAL.fullmatch(v.strip())):
            x = float(v)
            if math.isfinite(x) and x.is_integer() and abs(x) <= 2**53:
                value = int(x)
        if value is None:
            raise InvalidSubmission(f"ids must be the integer ids of test.csv; found {str(v)[:30]!r}")
        out[i] = value
    return out


def class_labels(values: pd.Series) -> pd.Series:
    """Class labels as strings, with integral numbers written as integers (1.0 and 1 are the same class).
    Only finite integers below 2**53 are read so; anything else (``inf``, ``1e300``) stays text."""
    import pandas as pd

    num = pd.to_numeric(values, errors="coerce")
    finite = num.notna().all() and bool(np.isfinite(num).all()) and bool((num.abs() <= 2**53).all())
    if finite and (num == num.round()).all():
        return num.astype("int64").astype(str)
    return values.astype(str)


def _checksums(*dirs: Path) -> dict[str, str]:
    out = {}
    for d in dirs:
        for p in sorted(d.glob("*")):
            if p.is_file():
                out[f"{d.name}/{p.name}"] = hashlib.md5(p.read_bytes()).hexdigest()
    return out
