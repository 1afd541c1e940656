"""Leak, over-redaction and ROUGE-L by hand."""

import pytest

from openended.gdr.metrics import content_words, evaluate_pii, leaked, rouge_l
from tests.gdr.helpers import CORPUS


def test_leak_and_over_redaction_by_hand():
    assert leaked("4111 1111 1111 1111", "card 4111-1111-1111-1111 ok")  # digits compared without separators
    assert not leaked("ann@x.org", "mail bob@y.org")
    assert content_words(CORPUS[0]["text"], CORPUS[0]["gold"]) == ["mail", "today"]
    outputs = {"a": "Mail Bob Ray at ann@x.org", "b": "Card 5500 0000 0000 0004 was charged"}
    m = evaluate_pii(CORPUS, outputs, embeddings=False)
    # gold values: ann@x.org leaked, Ann Lee removed, card removed → 1 of 3
    assert m["leak_rate"] == pytest.approx(1 / 3)
    assert m["leak_rate_by_kind"] == {"CREDIT_CARD": 0.0, "EMAIL": 1.0, "PERSON": 0.0}
    # row a lost "today" of (mail, today); row b kept (card, was, charged) → mean(0.5, 0)
    assert m["over_redaction"] == pytest.approx(0.25)
    quarantined = evaluate_pii(CORPUS, {"b": outputs["b"]}, embeddings=False)
    assert (
        quarantined["coverage"] == 0.5
        and quarantined["leak_rate"] == 0.0
        and quarantined["over_redaction"] == 0.5
    )


def test_rouge_l_by_hand():
    assert rouge_l("a b c d", "a b c d") == 1.0
    # LCS of (a b c d) and (a x c) = 2: P = 2/3, R = 2/4 → F = 4/7
    assert rouge_l("a b c d", "a x c") == pytest.approx(4 / 7)
    assert rouge_l("a b", "") == 0.0
