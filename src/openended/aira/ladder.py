"""Medal ladders: MLE-bench's medals need a Kaggle leaderboard, which these tasks lack. Each task gets a
fixed ladder of five reference pipelines instead, in order of sophistication, run once on the task's split
(seed 0, one thread):

    tabular: dummy → linear (one-hot + Ridge / logistic regression) → gbm (HistGradientBoosting defaults)
             → gbm_tuned (lower learning rate, more trees, early stopping, L2) → ensemble (mean of linear,
             gbm_tuned and a random forest)
    text:    dummy → words (TF-IDF 1-2-grams + LR) → chars (char 2-5-grams + LR) → both (words + chars,
             C = 4) → ensemble (mean of the three)

The four pipelines after the dummy form the task's leaderboard (the dummy is the floor, reported beside it):
a score at least as good as the best of them earns *gold*, as the second *silver*, as the third *bronze*;
*above median* = strictly better than their median. So gold means the agent matched the best of a
practitioner's standard pipelines on the same split, and MLE-bench's rule "medal = top of the leaderboard"
keeps its meaning with a leaderboard of four. The ladders of the built-in tasks are committed in
``ladders.json`` with the split's checksums; ``openended aira ladder`` writes a user's ladders to the user's
cache (``$OPENENDED_CACHE/aira/ladders.json``), where runs find them; a task with neither gets its ladder
computed on first use and cached in the run directory.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from openended.aira.task import Prepared, Task, class_labels
from openended.core.errors import UserError
from openended.core.paths import cache_dir
from openended.core.serialize import write_text_atomic

if TYPE_CHECKING:
    import pandas as pd

TABULAR = ("dummy", "linear", "gbm", "gbm_tuned", "ensemble")
TEXT = ("dummy", "words", "chars", "both", "ensemble")
MEDALS = ("gold", "silver", "bronze")
MAX_CATEGORIES = 50  # string columns with more distinct values (names, ids) are dropped by the references


def _columns(task: Task, train: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    feats = [c for c in train.columns if c not in ("id", task.target)]
    num = [c for c in feats if train[c].dtype.kind in "biuf"]
    rest = [c for c in feats if c not in num]
    if task.text:
        text = [c for c in rest if train[c].astype(str).str.len().mean() > 20]
        cat = [c for c in rest if c not in text]
        return num, cat, text
    return num, [c for c in rest if train[c].nunique() <= MAX_CATEGORIES], []


def _estimator(name: str, task: Task, train: pd.DataFrame, seed: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    classify = task.metric_spec.kind != "value"
    num, cat, text = _columns(task, train)
    if name == "dummy":
        return DummyClassifier(strategy="prior") if classify else DummyRegressor()
    if task.text:
        if name == "ensemble":
            return _Mean([_estimator(n, task, train, seed) for n in ("words", "chars", "both")])
        col = text[0]
        words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True)
        vec = {"words": words, "chars": chars, "both": make_union(words, chars)}[name]
        return make_pipeline(
            ColumnTransformer([("text", vec, col)]),
            LogisticRegression(C=4.0 if name == "both" else 1.0, max_iter=3000),
        )
    onehot = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", min_frequency=5),
                ),
                cat,
            ),
        ]
    )
    ordinal = ColumnTransformer(
        [
            ("num", "passthrough", num),
            (
                "cat",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
                ),
                cat,
            ),
        ]
    )
    mask = [False] * len(num) + [True] * len(cat)
    gbm = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
    if name == "linear":
        lin = LogisticRegression(C=1.0, max_iter=3000) if classify else Ridge(alpha=1.0)
        return make_pipeline(onehot, lin)
    if name == "gbm":
        return make_pipeline(ordinal, gbm(categorical_features=mask, random_state=seed))
    if name == "gbm_tuned":
        tuned = gbm(
            categorical_features=mask,
            learning_rate=0.05,
            max_iter=600,
            early_stopping=True,
            validation_fraction=0.15,
            n_iter_no_change=30,
            l2_regularization=1.0,
            random_state=seed,
        )
        return make_pipeline(ordinal, tuned)
    if name == "ensemble":
        forest = (RandomForestClassifier if classify else RandomForestRegressor)(
            n_estimators=300, min_samples_leaf=2, n_jobs=1, random_state=seed
        )
        imputed = ColumnTransformer(
            [
                ("num", SimpleImputer(strategy="median"), num),
                (
                    "cat",
                    make_pipeline(SimpleImputer(strategy="most_frequent"), ordinal.transformers[1][1]),
                    cat,
                ),
            ]
        )
        return _Mean(
            [
                _estimator("linear", task, train, seed),
                _estimator("gbm_tuned", task, train, seed),
                make_pipeline(imputed, forest),
            ]
        )
    raise ValueError(f"unknown reference pipeline {name!r}")


class _Mean:
    """Average of members' predictions (probabilities for classifiers)."""

    def __init__(self, members: list[Any]) -> None:
        self.members = members

    def fit(self, x: Any, y: Any) -> _Mean:
        for m in self.members:
            m.fit(x, y)
        self.classes_ = getattr(self.members[0], "classes_", None)
        return self

    def predict(self, x: Any) -> np.ndarray:
        return np.mean([m.predict(x) for m in self.members], axis=0)

    def predict_proba(self, x: Any) -> np.ndarray:
        return np.mean([m.predict_proba(x) for m in self.members], axis=0)


def reference_submission(name: str, prepared: Prepared, seed: int = 0) -> pd.DataFrame:
    """Fit reference pipeline ``name`` on the public train split; its submission for the test split."""
    import pandas as pd

    task = prepared.task
    train = pd.read_csv(prepared.public / "train.csv")
    test = pd.read_csv(prepared.public / "test.csv")
    sample = pd.read_csv(prepared.public / "sample_submission.csv")
    x, y = train.drop(columns=["id", task.target]), train[task.target]
    test = test.copy()
    for c in x.columns:
        if x[c].dtype.kind not in "biuf":  # categories as plain strings, missing as its own category
            x[c] = x[c].astype("string").fillna("NA").astype(object)
            test[c] = test[c].astype("string").fillna("NA").astype(object)
    est = _estimator(name, task, train, seed)
    kind = task.metric_spec.kind
    if kind == "value":
        fwd, inv = {"rmse_log": (np.log, np.exp), "rmsle": (np.log1p, np.expm1)}.get(
            task.metric, (lambda v: v, lambda v: v)
        )
        est.fit(x, fwd(y.to_numpy(dtype=float)))
        pred = inv(est.predict(test[x.columns]))
        if task.metric in ("rmse_log", "rmsle"):
            pred = np.maximum(pred, 1e-6 if task.metric == "rmse_log" else 0.0)
        return pd.DataFrame({"id": test["id"], task.target: pred})
    labels = class_labels(y).to_numpy()
    est.fit(x, labels)
    proba = est.predict_proba(test[x.columns])
    classes = [str(c) for c in est.classes_]
    if kind == "probability":
        return pd.DataFrame({"id": test["id"], task.target: proba[:, classes.index(str(task.positive))]})
    if kind == "label":
        return pd.DataFrame({"id": test["id"], task.target: np.asarray(classes)[proba.argmax(axis=1)]})
    cols = [c for c in sample.columns if c != "id"]
    return pd.DataFrame({"id": test["id"], **{c: proba[:, classes.index(c)] for c in cols}})


def compute(prepared: Prepared, seed: int = 0) -> dict[str, Any]:
    """Run the task's five reference pipelines; scores and medal thresholds."""
    from threadpoolctl import threadpool_limits

    task = prepared.task
    names = TEXT if task.text else TABULAR
    # one thread: OpenMP gradient boosting on a busy 2-core machine is 10-20x slower with two
    with threadpool_limits(1):
        scores = {n: prepared.grade(reference_submission(n, prepared, seed)) for n in names}
    return {"pipelines": list(names), "scores": scores, **thresholds(scores, names, task.lower_is_better)}


def thresholds(scores: dict[str, float], names: tuple[str, ...], lower: bool) -> dict[str, Any]:
    """The four non-trivial pipelines form a leaderboard: gold = its best score, silver the second, bronze
    the third; above median = better than the median of the four."""
    board = sorted((scores[n] for n in names[1:]), reverse=not lower)  # best first
    return {
        "median": float(np.median(board)),
        "bronze": board[2],
        "silver": board[1],
        "gold": board[0],
        "lower_is_better": lower,
    }


def medal(score: float | None, ladder: dict[str, Any]) -> dict[str, Any]:
    """MLE-bench's report fields for one score against a ladder."""
    out: dict[str, Any] = {"score": score, "any_medal": False, "above_median": False, "medal": None}
    if score is None:
        return out
    lower = ladder["lower_is_better"]

    def reaches(threshold: float) -> bool:
        return score <= threshold if lower else score >= threshold

    out["above_median"] = score < ladder["median"] if lower else score > ladder["median"]
    for m in MEDALS:
        out[f"{m}_medal"] = False
    for m in MEDALS:
        if reaches(ladder[m]):
            out["medal"], out[f"{m}_medal"], out["any_medal"] = m, True, True
            break
    return out


def committed() -> dict[str, Any]:
    """The ladders shipped with the package (the built-in tasks' seed-0 splits)."""
    return _read(Path(__file__).with_name("ladders.json"))


def user_path() -> Path:
    """Where ``openended aira ladder`` writes by default, and where runs look after the committed ladders:
    the user's cache, never the installed package."""
    return cache_dir() / "aira" / "ladders.json"


def known() -> dict[str, Any]:
    """Every ladder a run may find, by task: the user's, with the committed ones taking precedence."""
    return {**user_ladders()["tasks"], **committed()["tasks"]}


def user_ladders() -> dict[str, Any]:
    """The user's ladders; a file that does not parse is ignored with a warning (runs compute their own)."""
    try:
        return _read(user_path())
    except LadderError as e:
        warnings.warn(f"{e}; ignored", stacklevel=2)
        return {"tasks": {}}


class LadderError(UserError, ValueError):
    """A ladder file that cannot be used; the message names it."""


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {"tasks": {}}
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or not isinstance(data.get("tasks"), dict):
            raise ValueError("no 'tasks' object")
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise LadderError(
            f"ladder file {path} is not a ladder file ({e}); delete it or recompute it"
        ) from None
    return data


def ladder_for(prepared: Prepared, seed: int = 0, cache: Path | None = None) -> dict[str, Any]:
    """The ladder computed on this very split: the committed one, else the user's (``user_path``), else the
    run's ``cache``; computed (and written to ``cache``) when none matches the split's checksums."""
    stamp = prepared.checksums()
    if seed == 0:
        for ladders in (committed(), user_ladders()):
            entry = ladders["tasks"].get(prepared.task.name)
            if entry and entry["checksums"] == stamp:
                return entry
    if cache is not None and cache.is_file():
        cached = json.loads(cache.read_text())
        if cached.get("checksums") == stamp:
            return cached
    entry = {**compute(prepared, seed), "checksums": stamp, "source": "computed"}
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(entry, indent=1))
    return entry


def build(tasks: list[Task], root: Path, path: Path | None = None) -> dict[str, Any]:
    """Compute the ladders of ``tasks`` on their seed-0 splits (prepared under ``root``) and write them to
    ``path`` (default: :func:`user_path`), keeping other tasks' entries. Refreshing the package's own
    ``ladders.json`` is a maintainer's step: pass that path explicitly."""
    import sklearn

    from openended.core.runs import provenance

    path = path or user_path()
    out = _read(path)
    for task in tasks:
        prepared = task.prepare(root / task.name, 0)
        out["tasks"][task.name] = {
            **compute(prepared, 0),
            "checksums": prepared.checksums(),
            "source": "committed" if path == Path(__file__).with_name("ladders.json") else "user",
        }
    out["provenance"] = {**provenance(), "scikit-learn": sklearn.__version__}
    write_text_atomic(path, json.dumps(out, indent=1) + "\n")
    return out
