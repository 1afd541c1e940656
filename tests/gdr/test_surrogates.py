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


def test_a_surrogate_is_never_a_near_copy_or_a_part_of_its_value():
    # a private IPv4 drawn for 192.168.10.77 is sometimes 192.168.10.7: one edit away, a leak to the verifier,
    # so the row was set aside; without the redraw about 1 key in 75 hit it
    from openended.gdr.detectors import detect
    from openended.gdr.matching import leak
    from openended.gdr.verifiers import PIIVerifier

    value, text = "192.168.10.77", "The server at 192.168.10.77 is down again."
    findings = detect(text, False)
    for n in range(400):
        fake = Surrogates(f"key-{n:04d}-" * 3).of("IP_ADDRESS", value)
        assert leak(value, fake) is None and fake not in value
        assert PIIVerifier(use_presidio=False)(text, text.replace(value, fake), findings).passed
