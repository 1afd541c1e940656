from openended.aira.task import Task


def _load():
    from openended.aira.tasks._sources import MissingData

    try:
        from palmerpenguins import load_penguins
    except ImportError as e:
        raise MissingData("this task's data ships in palmerpenguins: pip install palmerpenguins") from e
    df = load_penguins()
    return df.astype({c: object for c in ("species", "island", "sex")})


TASK = Task(
    name="penguins",
    title="Palmer penguins",
    description="""Predict the species of a penguin (Adelie, Chinstrap or Gentoo) from its island, bill
length and depth, flipper length, body mass, sex and the year it was measured. Some measurements are
missing.""",
    metric="log_loss",
    target="species",
    load=_load,
    test_size=0.3,
    source="palmerpenguins: load_penguins()",
)
