from openended.aira.task import Task
from openended.aira.tasks._sources import sklearn_frame

TASK = Task(
    name="iris",
    title="Iris species (tiny)",
    description="""Predict the species of an iris flower (`species`: 0 setosa, 1 versicolor, 2 virginica)
from sepal and petal length and width (cm). 150 rows: a smoke test.""",
    metric="accuracy",
    target="species",
    load=lambda: sklearn_frame("load_iris", "species"),
    test_size=0.3,
    tiny=True,
    source="scikit-learn: load_iris()",
)
