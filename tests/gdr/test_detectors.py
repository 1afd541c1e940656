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
