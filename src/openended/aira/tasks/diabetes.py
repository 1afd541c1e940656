from openended.aira.task import Task
from openended.aira.tasks._sources import sklearn_frame

TASK = Task(
    name="diabetes",
    title="Diabetes progression (tiny)",
    description="""Predict a quantitative measure of disease progression one year after baseline
(`progression`) from ten standardised baseline variables: age, sex, body-mass index, blood pressure and six
blood serum measurements (`s1`-`s6`). 442 rows: a smoke test.""",
    metric="rmse",
    target="progression",
    load=lambda: sklearn_frame("load_diabetes", "progression"),
    tiny=True,
    source="scikit-learn: load_diabetes()",
)
