"""Pattern detectors: checksums, addresses, dates of birth."""

from openended.gdr.detectors import date_ok, iban_ok, luhn_ok, pattern_findings


def test_checksums_and_pattern_detectors():
    assert luhn_ok("4111 1111 1111 1111") and not luhn_ok("4111 1111 1111 1112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB82 WEST 1234 5698 7654 33")
    text = "mail bob@x.org, key AKIAIOSFODNN7EXAMPLE, ip 10.1.2.3, ssn 219-09-9999, bad ip 999.1.1.1"
    kinds = {(f.kind, f.text) for f in pattern_findings(text)}
    assert ("EMAIL", "bob@x.org") in kinds and ("SECRET", "AKIAIOSFODNN7EXAMPLE") in kinds
    assert ("IP_ADDRESS", "10.1.2.3") in kinds and ("US_SSN", "219-09-9999") in kinds
    assert not any(t == "999.1.1.1" for _, t in kinds)


def test_street_addresses_and_dates_of_birth_are_found_and_other_dates_are_content():
    text = (
        "Ann (born 1985-03-12) lives at 79402 Peterson Drives Apt. 511; DOB of her son: 03/12/2011, date of "
        "birth of her father 7 March 1950. The meeting is on 2024-05-01, she was born on 1985-02-30 (no such "
        "day), Python 3.11, expiry 09/27, office at 10 Downing Street, London."
    )
    kinds = [(f.kind, f.text) for f in pattern_findings(text)]
    assert kinds == [
        ("DATE_OF_BIRTH", "1985-03-12"),
        ("ADDRESS", "79402 Peterson Drives Apt. 511"),
        ("DATE_OF_BIRTH", "03/12/2011"),
        ("DATE_OF_BIRTH", "7 March 1950"),
        ("ADDRESS", "10 Downing Street"),
    ]
    assert date_ok("March 12, 1985") and date_ok("31/12/99") and not date_ok("13/13/1999")
    assert not date_ok("2023-02-29") and date_ok("2024-02-29")


import pytest  # noqa: E402

from openended.gdr.matching import leak  # noqa: E402


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("tel. 01147 104974 (office)", "PHONE", "01147 104974"),  # UK national
        ("ruf an: 030 12345678", "PHONE", "030 12345678"),  # DE national
        ("appelez le 01 42 68 53 00", "PHONE", "01 42 68 53 00"),  # FR
        ("mobile +91 98765 43210", "PHONE", "+91 98765 43210"),  # IN international
        ("bel 020-5551234", "PHONE", "020-5551234"),  # NL
        ("Amex 3782 822463 10005 on file", "CREDIT_CARD", "3782 822463 10005"),  # 15 digits
        ("card 6011000990139424", "CREDIT_CARD", "6011000990139424"),
        ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN", "DE89 3704 0044 0532 0130 00"),
        ("IBAN NL91ABNA0417164300", "IBAN", "NL91ABNA0417164300"),
        ("from 2001:db8::ff00:42:8329 today", "IP_ADDRESS", "2001:db8::ff00:42:8329"),
        ("ssh root@203.0.113.9", "IP_ADDRESS", "203.0.113.9"),
        ("STRIPE=sk_live_4eC39HqLyjWDarjtT1zdp7dc", "SECRET", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("token: glpat-xT9vB2kLmQ8rZ3wY7pN1", "SECRET", "glpat-xT9vB2kLmQ8rZ3wY7pN1"),
        ("hf_QwErTyUiOpAsDfGhJkLzXcVbNm123456 leaked", "SECRET", "hf_QwErTyUiOpAsDfGhJkLzXcVbNm123456"),
        ('password = "Zx81!qLr02Pm77TtVv9w"', "SECRET", "Zx81!qLr02Pm77TtVv9w"),
        ("NI number: AB 12 34 56 C", "NATIONAL_ID", "AB 12 34 56 C"),
        ("codice fiscale RSSMRA85T10A562S", "NATIONAL_ID", "RSSMRA85T10A562S"),
        ("BSN 111222333 in het dossier", "NATIONAL_ID", "111222333"),
        ("Passport no. C01X00T47 issued 2019", "PASSPORT", "C01X00T47"),
        ("Reisepass: C4J7RL2K8", "PASSPORT", "C4J7RL2K8"),
        ("born on the 3rd of May 1985 in Leeds", "DATE_OF_BIRTH", "the 3rd of May 1985"),
        ("geboren 12.04.1979", "DATE_OF_BIRTH", "12.04.1979"),
        ("Schillerstraße 12\n10625 Berlin", "ADDRESS", "Schillerstraße 12\n10625 Berlin"),
    ],
)
def test_each_kind_is_found_across_locales(text, kind, value):
    found = {(f.kind, f.text) for f in pattern_findings(text)}
    assert (kind, value) in found, found


@pytest.mark.parametrize(
    "text",
    [
        "order 1234567 shipped on 2024-05-01",  # an order number and a date are content
        "the timestamp 1699999999999 was logged",
        "commit 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b fixed the totals",  # a hash without a key cue
        "card 4111 1111 1111 1112 was declined",  # fails Luhn
        "IBAN GB82 WEST 1234 5698 7654 33",  # fails mod-97
        "version 1.2.3 of the tool, Python 3.11",
        "BSN 123456789",  # fails the eleven-test
        "the meeting is at 10:30 in room 4B",
    ],
)
def test_content_that_looks_like_pii_is_not_flagged(text):
    assert pattern_findings(text) == [], pattern_findings(text)


def test_near_leaks_are_leaks():
    assert leak("140.233.197.90", "host 140.23.3.197.90 up") == "near"  # a dot inserted
    assert leak("name@example.net", "write to name @example.net") == "near"
    assert leak("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "key sk_live_4eC39HqLyjWDarjtT1zdp7d") == "near"
    assert leak("Ann Lee", "ANN LEE said") == "exact"
    assert leak("Ann Lee", "Bob Smith said") is None
    assert leak("0121", "room 0122") is None  # short values are judged exactly only
