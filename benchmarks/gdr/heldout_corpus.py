"""A second PII corpus for GDR, from a different generator than ``openended.gdr.corpus`` (the one the
detectors were developed on): other locales (en_GB, de_DE, fr_FR, nl_NL, en_IN, es_ES, it_IT, en_AU), other
genres (HR records, e-mail threads with signatures, support chats in lower case, config files and shell
history, CSV-like exports, forms), and formats the detectors were not written for first (national phone
formats, multi-line postal addresses, compressed IPv6, 15- and 19-digit cards, passport and national
insurance numbers, keys of many vendors, dates of birth in words).

It was written and its output fixed (``benchmarks/data/gdr-heldout.jsonl``, with its SHA-256 in
``benchmarks/data/gdr-heldout.sha256``) before the detectors were changed for issue 30, so that it measures
generalization rather than what the detectors were tuned on.

    python benchmarks/gdr/heldout_corpus.py [--n 160] [--seed 2026] [--out benchmarks/data/gdr-heldout.jsonl]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import string
from pathlib import Path
from typing import Any

LOCALES = ("en_GB", "de_DE", "fr_FR", "nl_NL", "en_IN", "es_ES", "it_IT", "en_AU")

# vendor key shapes (prefix, alphabet, length of the random part): Stripe, GitLab, Slack, SendGrid, npm,
# Hugging Face, Twilio, Shopify, PyPI-like, DigitalOcean, Mailgun, generic hex tokens
VENDORS = (
    ("sk_live_", string.ascii_letters + string.digits, 24),
    ("rk_live_", string.ascii_letters + string.digits, 24),
    ("glpat-", string.ascii_letters + string.digits + "_-", 20),
    ("xoxb-", string.digits + "-", 30),
    ("SG.", string.ascii_letters + string.digits + "_-", 43),
    ("npm_", string.ascii_letters + string.digits, 36),
    ("hf_", string.ascii_letters, 34),
    ("SK", "0123456789abcdef", 32),
    ("shpat_", "0123456789abcdef", 32),
    ("dop_v1_", "0123456789abcdef", 64),
    ("key-", "0123456789abcdef", 32),
    ("", "0123456789abcdef", 40),
)


def _secret(rng: random.Random) -> str:
    prefix, alphabet, n = rng.choice(VENDORS)
    return prefix + "".join(rng.choice(alphabet) for _ in range(n))


def _passport(rng: random.Random) -> str:
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.choice([1, 2])))
    return letters + "".join(rng.choice(string.digits) for _ in range(rng.choice([7, 8])))


def _nino(rng: random.Random) -> str:  # UK National Insurance number shape
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    digits = "".join(rng.choice(string.digits) for _ in range(6))
    return f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {rng.choice('ABCD')}"


def _dob_words(fake: Any) -> str:
    d = fake.date_of_birth(minimum_age=18, maximum_age=85)
    day = d.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"the {day}{suffix} of {d.strftime('%B')} {d.year}"


def _card(fake: Any, rng: random.Random) -> str:
    kind = rng.choice(["amex", "visa19", "mastercard", "maestro", "discover"])
    number = fake.credit_card_number(card_type=kind)
    if rng.random() < 0.5 and len(number) == 16:
        number = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


def _row(i: int, rng: random.Random) -> dict[str, Any]:
    from faker import Faker

    locale = LOCALES[i % len(LOCALES)]
    fake = Faker(locale)
    fake.seed_instance(rng.randrange(2**31))
    gold: list[dict[str, str]] = []

    def g(kind: str, value: str) -> str:
        gold.append({"kind": kind, "value": value})
        return value

    genre = rng.choice(["hr", "email", "chat", "config", "shell", "export", "form"])
    name = fake.name()
    if genre == "hr":
        text = (
            f"Employee record: {g('PERSON', name)} joined the "
            f"{rng.choice(['Leeds', 'Utrecht', 'Lyon'])} office in {fake.year()}. "
            f"{g('PERSON', name).split()[0]} was born on {g('DATE_OF_BIRTH', _dob_words(fake))} "
            f"and holds passport no. {g('PASSPORT', _passport(rng))}. National insurance: "
            f"{g('NATIONAL_ID', _nino(rng))}. Salary is paid to {g('IBAN', fake.iban())}."
        )
    elif genre == "email":
        text = (
            f"Hello team,\n\nthe supplier invoice is attached; please check the totals before Friday.\n\n"
            f"Kind regards,\n{g('PERSON', name)}\n{g('ADDRESS', fake.address())}\n"
            f"Tel. {g('PHONE', fake.phone_number())}\n{g('EMAIL', fake.free_email())}"
        )
    elif genre == "chat":
        other = fake.first_name().lower()
        text = (
            f"{other}: hey is {g('PERSON', fake.first_name().lower())} around?\n"
            f"{other}: the router at {g('IP_ADDRESS', fake.ipv6(network=False))} keeps dropping\n"
            f"admin: call me on {g('PHONE', fake.phone_number())} and I'll walk you through it"
        )
    elif genre == "config":
        text = (
            f"# service settings\nowner: {g('EMAIL', fake.company_email())}\n"
            f"api_token: {g('SECRET', _secret(rng))}\nbind: {g('IP_ADDRESS', fake.ipv4_private())}\n"
            f"retries: 3\ntimeout_s: 30"
        )
    elif genre == "shell":
        text = (
            f"$ export STRIPE_KEY={g('SECRET', _secret(rng))}\n"
            f"$ ssh deploy@{g('IP_ADDRESS', fake.ipv4_public())}\n"
            f"$ git commit -m 'fix totals' --author='{g('PERSON', name)} <{g('EMAIL', fake.email())}>'"
        )
    elif genre == "export":
        text = (
            "name;phone;card;city\n"
            f"{g('PERSON', name)};{g('PHONE', fake.phone_number())};{g('CREDIT_CARD', _card(fake, rng))};"
            f"{fake.city()}"
        )
    else:  # form
        text = (
            f"Full name: {g('PERSON', name)}\n"
            f"Date of birth: {g('DATE_OF_BIRTH', fake.date_of_birth().strftime('%d.%m.%Y'))}\n"
            f"Address:\n{g('ADDRESS', fake.address())}\nMobile: {g('PHONE', fake.phone_number())}\n"
            f"Comments: prefers contact in the morning."
        )
    seen, unique = set(), []
    for item in gold:
        if (item["kind"], item["value"]) not in seen:
            seen.add((item["kind"], item["value"]))
            unique.append(item)
    return {"id": f"heldout-{i}", "genre": genre, "locale": locale, "text": text, "gold": unique}


def heldout_corpus(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [_row(i, rng) for i in range(n)]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=160)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "data" / "gdr-heldout.jsonl"))
    a = p.parse_args()
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in heldout_corpus(a.n, a.seed))
    out.write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    out.with_suffix(".sha256").write_text(f"{digest}  {out.name}\n")
    print(f"wrote {out} ({a.n} rows), sha256 {digest}")


if __name__ == "__main__":
    main()
