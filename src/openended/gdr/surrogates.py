"""Consistent, realistic surrogates for PII: the same original value always gets the same fake value.

The surrogate of ``(kind, value)`` is drawn by Faker seeded with HMAC-SHA256(key, kind + value), so it is
consistent across rows, runs and workers without storing any mapping from real to fake values (a mapping
file would itself be a leak). The key comes from the environment (``OPENENDED_GDR_KEY``) or is generated per
run and kept in the run directory; without the key the surrogates reveal nothing about the originals.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import string
from collections.abc import Callable, Iterable
from typing import Any

from openended.gdr.matching import leak

KEY_ENV = "OPENENDED_GDR_KEY"
_REDRAWS = 16  # a draw is a near copy of its value rarely (about 1 in 75 for a private IPv4): 16 suffice


def new_key() -> str:
    return secrets.token_hex(32)


def key_from_env_or(default: str) -> str:
    return os.environ.get(KEY_ENV) or default


def _secret_like(fake: Any, value: str) -> str:
    """A random token with the original's prefix convention and length (keys look like keys)."""
    for prefix in ("AKIA", "sk-", "ghp_", "gho_", "xoxb-", "AIza"):
        if value.startswith(prefix):
            body = len(value) - len(prefix)
            alphabet = (
                string.ascii_uppercase + string.digits
                if prefix == "AKIA"
                else string.ascii_letters + string.digits
            )
            return prefix + "".join(fake.random_element(alphabet) for _ in range(body))
    return "".join(
        fake.random_element(string.ascii_letters + string.digits) for _ in range(max(len(value), 16))
    )


_MAKERS: dict[str, Callable[[Any, str], str]] = {
    "PERSON": lambda f, v: f.name(),
    "EMAIL": lambda f, v: f.email(),
    "EMAIL_ADDRESS": lambda f, v: f.email(),
    "PHONE": lambda f, v: f.phone_number(),
    "PHONE_NUMBER": lambda f, v: f.phone_number(),
    "CREDIT_CARD": lambda f, v: f.credit_card_number(),
    "IBAN": lambda f, v: f.iban(),
    "IBAN_CODE": lambda f, v: f.iban(),
    "IP_ADDRESS": lambda f, v: f.ipv6() if ":" in v else f.ipv4_private(),
    "US_SSN": lambda f, v: f.ssn(),
    "SECRET": _secret_like,
    "LOCATION": lambda f, v: f.city(),
    "ADDRESS": lambda f, v: f.street_address(),
    "DATE_OF_BIRTH": lambda f, v: f.date_of_birth().isoformat(),
    "URL": lambda f, v: f.url(),
}


class Surrogates:
    def __init__(self, key: str, locale: str = "en_US") -> None:
        try:
            from faker import Faker
        except ImportError:
            raise ImportError("surrogates need Faker: pip install 'openended[gdr]'") from None
        if len(key) < 16:
            raise ValueError("the surrogate key must be at least 16 characters")
        self._key = key.encode()
        self._faker = Faker(locale)

    def __repr__(self) -> str:  # never show the key
        return "Surrogates(key=***)"

    def of(self, kind: str, value: str) -> str:
        """The surrogate of ``value``: never the value itself, nor a near copy of it (one edit away, as
        ``192.168.10.7`` is of ``192.168.10.77``), nor a part of it — the verifier would count any of those
        as a leak and set the row aside — so a draw that is one is redrawn, keyed the same way."""
        make = _MAKERS.get(kind, lambda f, v: f.bothify("?" * min(max(len(v), 4), 12)).upper())
        fake = value
        for attempt in range(_REDRAWS):
            digest = hmac.new(self._key, f"{kind}\x00{value}\x00{attempt}".encode(), hashlib.sha256).digest()
            self._faker.seed_instance(int.from_bytes(digest[:8], "big"))
            fake = make(self._faker, value)
            if leak(value, fake) is None and fake.casefold() not in value.casefold():
                return fake
        return fake + "0" * (len(value) + 1)  # no draw cleared it: pad past a near copy

    def mapping(self, findings: Iterable[Any]) -> dict[str, str]:
        """Original text → surrogate, for findings with ``kind`` and ``text``."""
        return {f.text: self.of(f.kind, f.text) for f in findings}
