"""Consistent, keyed, realistic surrogates."""

from openended.gdr.detectors import luhn_ok
from openended.gdr.surrogates import Surrogates


def test_surrogates_are_consistent_keyed_and_realistic():
    a, b = Surrogates("k" * 32), Surrogates("other-key-" * 4)
    assert a.of("EMAIL", "x@y.org") == a.of("EMAIL", "x@y.org") != "x@y.org"
    assert "@" in a.of("EMAIL", "x@y.org")
    assert a.of("EMAIL", "x@y.org") != b.of("EMAIL", "x@y.org")
    assert luhn_ok(a.of("CREDIT_CARD", "4111111111111111"))
    assert "k" * 32 not in repr(a)
