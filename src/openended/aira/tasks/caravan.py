from openended.aira.task import Task
from openended.aira.tasks._sources import islp

TASK = Task(
    name="caravan",
    title="Caravan insurance",
    description="""Predict whether a customer buys caravan insurance (`Purchase`: Yes/No) from 85
socio-demographic and product-ownership features (coded integers; the first 43 describe the customer's
postal-code area). Only about 6 % of customers buy: the classes are very imbalanced.""",
    metric="auc",
    target="Purchase",
    positive="Yes",
    load=lambda: islp("Caravan"),
    source="islp: ISLP/data/Caravan.csv",
)
