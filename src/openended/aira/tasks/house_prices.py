import shutil
from pathlib import Path

from openended.aira.task import Task
from openended.aira.tasks._sources import aide_example


def _load():
    import pandas as pd

    return pd.read_csv(aide_example("house_prices") / "train.csv")


def _data_dictionary(public: Path) -> None:
    shutil.copy(aide_example("house_prices") / "data_description.txt", public / "data_description.txt")


TASK = Task(
    name="house-prices",
    title="House prices in Ames, Iowa",
    description="""Predict the sale price (`SalePrice`, US dollars) of residential homes from 79 features of
the house and lot: size, quality ratings, year built, neighbourhood, garage, basement, sale conditions.
`data_description.txt` explains every column and its codes. Scored on the logarithm of the price, so errors
on cheap and expensive houses weigh alike.""",
    metric="rmse_log",
    target="SalePrice",
    load=_load,
    drop=("Id",),
    source="aideml wheel: example_tasks/house_prices/train.csv (Kaggle House Prices training set)",
    files=_data_dictionary,
)
