"""The generated corpora: gold values in the text; detoxification metrics on them."""

from openended.gdr.corpus import pii_corpus, toxic_corpus
from openended.gdr.metrics import evaluate_detox
from tests.conftest import need


def test_corpus_gold_values_are_in_the_text_and_detox_metrics():
    need("faker")
    rows = pii_corpus(20, seed=3)
    assert {r["genre"] for r in rows} == {"prose", "chat", "code"}
    assert all(g["value"] in r["text"] for r in rows for g in r["gold"])
    assert pii_corpus(5, seed=3) == rows[:5]
    tox = toxic_corpus(6, seed=1)
    need("profanity_check")
    clean = {r["id"]: r["gold"][0]["value"] for r in tox}
    m = evaluate_detox(tox, clean, embeddings=False)
    assert m["toxic_rate_before"] > 0.5 and m["toxic_rate_after"] == 0.0 and m["fact_retention"] == 1.0
