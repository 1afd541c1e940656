from openended.aira.task import Task
from openended.aira.tasks._sources import sklearn_frame

TASK = Task(
    name="digits",
    title="Handwritten digits",
    description="""Recognise handwritten digits (`digit`, 0-9) from 8x8 images given as 64 pixel columns
`pixel_0_0` ... `pixel_7_7` (row, column), each an ink intensity from 0 to 16.""",
    metric="log_loss",
    target="digit",
    load=lambda: sklearn_frame("load_digits", "digit"),
    source="scikit-learn: load_digits()",
)
