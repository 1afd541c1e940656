from openended.aira.task import Task
from openended.aira.tasks._sources import sklearn_frame

TASK = Task(
    name="breast-cancer",
    title="Breast cancer diagnosis (tiny)",
    description="""Predict whether a breast mass is benign (`diagnosis` 1) or malignant (0) from 30
features of its cell nuclei computed from a digitised image (radius, texture, perimeter, area, smoothness,
... each as mean, standard error and worst value). 569 rows: a smoke test.""",
    metric="auc",
    target="diagnosis",
    positive=1,
    load=lambda: sklearn_frame("load_breast_cancer", "diagnosis"),
    tiny=True,
    source="scikit-learn: load_breast_cancer()",
)
