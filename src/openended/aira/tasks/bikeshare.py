from openended.aira.task import Task
from openended.aira.tasks._sources import islp

TASK = Task(
    name="bikeshare",
    title="Bike sharing demand",
    description="""Predict the number of bikes rented in an hour (`bikers`) in Washington, D.C. from the
season, month, day, hour, holiday and working-day flags, weekday, weather situation, temperature, felt
temperature, humidity and wind speed.""",
    metric="rmsle",
    target="bikers",
    load=lambda: islp("Bikeshare"),
    drop=("casual", "registered"),  # they sum to the target
    source="islp: ISLP/data/Bikeshare.csv",
)
