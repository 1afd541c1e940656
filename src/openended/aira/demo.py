"""``--model scripted:aira-demo``: a scripted model for trying a search without a model. A test double, not
a result.

Every code operator (Draft, Improve, Debug, Crossover) is answered with one of three fixed solutions written
for this suite — a linear model, a random forest, gradient boosting — in turn; Debug always gets the linear
one. Each solution works on any task of the task contract: it reads the metric, the target and (for AUC)
the positive class from ``./data``, holds out 20 % of the training rows, prints ``Validation metric:``,
refits on all rows and writes ``submission.csv``. Analyze gets an empty verdict, so the harness's own
reading of the run stands. The search, the sandbox, the grader, the journal and the report all run for
real; what the model would have written does not.
"""

from __future__ import annotations

from openended.aira.prompts import ANALYZE, PROMPTS
from openended.llm.scripted import ScriptedLLM

DEMO_MODEL = "scripted:aira-demo"
ANALYZE_MARKER = ANALYZE.splitlines()[0]
# the heading that follows the failed program in each prompt set's Debug prompt ("# Buggy solution", ...)
DEBUG_MARKERS = tuple(p.texts["debug"].split("\n")[2] for p in PROMPTS.values())

MODELS = {
    "linear": (
        "LogisticRegression(C=1.0, max_iter=2000) if classify else Ridge(alpha=1.0)",
        "from sklearn.linear_model import LogisticRegression, Ridge",
    ),
    "forest": (
        "(RandomForestClassifier if classify else RandomForestRegressor)"
        "(n_estimators=200, min_samples_leaf=2, n_jobs=1, random_state=0)",
        "from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor",
    ),
    "boosting": (
        "(HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor)"
        "(learning_rate=0.05, max_iter=300, random_state=0)",
        "from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor",
    ),
}

SOLUTION = '''import re

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
{imports}

description = open("data/description.md").read()
metric = re.search(r"Metric: \\*\\*(\\w+)\\*\\*", description).group(1)
positive = re.search(r"probability that `[^`]+` is `([^`]+)`", description)
train, test = pd.read_csv("data/train.csv"), pd.read_csv("data/test.csv")
sample = pd.read_csv("data/sample_submission.csv")
target = [c for c in train.columns if c not in test.columns][0]
X, y = train.drop(columns=["id", target]), train[target]
classify = metric in ("accuracy", "auc", "log_loss")

numeric = [c for c in X.columns if X[c].dtype.kind in "biuf"]
other = [c for c in X.columns if c not in numeric]
text = [c for c in other if X[c].astype(str).str.len().mean() > 30]
categorical = [c for c in other if c not in text and X[c].nunique() <= 50]
for c in categorical:
    X[c], test[c] = X[c].astype(str), test[c].astype(str)
parts = [
    ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
    ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
     categorical),
] + [(f"text{{i}}", TfidfVectorizer(min_df=2, max_features=1000), c) for i, c in enumerate(text)]
features = ColumnTransformer(parts, sparse_threshold=0.0)
forward, inverse = {{"rmse_log": (np.log, np.exp), "rmsle": (np.log1p, np.expm1)}}.get(
    metric, (lambda v: v, lambda v: v)
)


def fit(X, y):
    model = make_pipeline(features, {model})
    return model.fit(X, y if classify else forward(y.to_numpy(dtype=float)))


def columns(model, X):
    """Predictions in the submission's form: a value, a label, P(positive) or one column per class."""
    if not classify:
        return {{target: inverse(model.predict(X))}}
    proba = model.predict_proba(X)
    classes = [str(c) for c in model.classes_]
    if metric == "accuracy":
        return {{target: model.classes_[proba.argmax(axis=1)]}}
    if metric == "auc":
        return {{target: proba[:, classes.index(positive.group(1))]}}
    return {{c: proba[:, classes.index(c)] for c in sample.columns[1:]}}


def score(y, pred):
    if metric == "accuracy":
        return float(np.mean(y.astype(str).to_numpy() == pred[target].astype(str)))
    if metric == "auc":
        from sklearn.metrics import roc_auc_score
        return roc_auc_score((y.astype(str) == positive.group(1)).to_numpy(), pred[target])
    if metric == "log_loss":
        p = np.clip(np.column_stack([pred[c] for c in sample.columns[1:]]), 1e-15, 1)
        index = {{c: i for i, c in enumerate(sample.columns[1:])}}
        return float(-np.mean(np.log(p[np.arange(len(y)), [index[str(v)] for v in y]])))
    t, p = y.to_numpy(dtype=float), pred[target]
    if metric == "rmse_log":
        t, p = np.log(t), np.log(np.maximum(p, 1e-9))
    elif metric == "rmsle":
        t, p = np.log1p(t), np.log1p(np.maximum(p, 0))
    return float(np.sqrt(np.mean((t - p) ** 2)))


X_fit, X_val, y_fit, y_val = train_test_split(
    X, y, test_size=0.2, random_state=0, stratify=y if classify else None
)
model = fit(X_fit, y_fit)
print("Validation metric:", round(score(y_val, columns(model, X_val)), 5))
model = fit(X, y)
pd.DataFrame({{"id": test["id"], **columns(model, test[X.columns])}}).to_csv("submission.csv", index=False)
'''


def solution(model: str) -> str:
    """The demo's program with model ``model`` (a key of :data:`MODELS`)."""
    estimator, imports = MODELS[model]
    return SOLUTION.format(model=estimator, imports=imports)


def demo_model() -> ScriptedLLM:
    """The scripted model behind ``scripted:aira-demo``."""
    order = list(MODELS)
    count = {"n": 0}

    def respond(prompt: str, _sample: int) -> str:
        if prompt.startswith(f"User: {ANALYZE_MARKER}"):  # Analyze's one user message (plain transcript)
            return "{}"  # Analyze: no verdict of its own; the printed metric and the exit code decide
        if any(marker in prompt for marker in DEBUG_MARKERS):
            name = "linear"
        else:
            name = order[count["n"] % len(order)]
            count["n"] += 1
        plan = f"A {name} model on imputed, one-hot and TF-IDF features (scripted demo)."
        return f"{plan}\n```python\n{solution(name)}```"

    return ScriptedLLM(DEMO_MODEL, respond=respond)
