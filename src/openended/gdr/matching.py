"""Whether a PII value survives in a text: *exactly* (case-insensitive), or *nearly* — the same up to
whitespace, punctuation and case, or with one character inserted, deleted or replaced (``name @example.net``
for ``name@example.net``, ``140.23.3.197.90`` for ``140.233.197.90``, a key missing one character). A
rewrite that keeps a value nearly is a leak for the verifier and for the benchmark, which counts the two
kinds apart. Values shorter than ``NEAR_MIN`` characters after normalization are judged exactly only: two
short strings one edit apart are usually different values.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

NEAR_MIN = 6

Leak = Literal["exact", "near"]


def normalize(text: str) -> str:
    """Case-folded letters and digits only (any script)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance of ``a`` and ``b`` at most 1, in linear time."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def near_occurs(value: str, text: str) -> bool:
    """``value`` (normalized) occurs in ``text`` (normalized) with at most one edit. One edit leaves one half
    of the value intact, so only windows around an exact occurrence of a half are compared."""
    v, t = normalize(value), normalize(text)
    if len(v) < NEAR_MIN:
        return False
    if v in t:
        return True
    half = len(v) // 2
    for piece, offset in ((v[:half], 0), (v[half:], half)):
        start = t.find(piece)
        while start >= 0:
            base = start - offset
            for length in (len(v) - 1, len(v), len(v) + 1):
                for shift in (0, -1, 1):
                    a = base + shift if offset else base
                    if a >= 0 and a + length <= len(t) and _within_one_edit(v, t[a : a + length]):
                        return True
            start = t.find(piece, start + 1)
    return False


def leak(value: str, text: str) -> Leak | None:
    """``"exact"``, ``"near"`` or ``None``: how ``value`` survives in ``text``."""
    if not value.strip():
        return None
    if value.casefold() in text.casefold():
        return "exact"
    return "near" if near_occurs(value, text) else None
