"""Benchmark corpora generated with Faker, with gold annotations: PII spans, and facts for detoxification.

``pii_corpus``: prose (notes, e-mails, support tickets), chat logs and code snippets. Each row has ``text``,
``genre`` and ``gold``: the PII values it contains, each with its kind (PERSON, EMAIL, PHONE, ADDRESS,
CREDIT_CARD, IBAN, IP_ADDRESS, US_SSN, SECRET, DATE_OF_BIRTH). Everything outside the gold values is content
a good anonymizer keeps.

``toxic_corpus``: rows that state a fact and wrap it in insults; ``gold`` holds the fact, which a good
detoxifier keeps. Templates, facts and insults are written for this project; the values are synthetic.
"""

from __future__ import annotations

import random
import string
from typing import Any

PROSE = (
    "Hi {first}, the delivery for order {order} will reach {address} on Tuesday. If anything changes, call "
    "{name} on {phone} or write to {email}.",
    "Patient {name} (born {dob}) reported mild headaches for three weeks. Follow-up booked; contact {email}.",
    "Refund approved for {name}. Card ending in the number {card} will be credited 42.50 within five days.",
    "Please wire the deposit of 1,200 EUR to {name}, IBAN {iban}, before the end of the month.",
    "Our records show {name} lives at {address}. Social security number on file: {ssn}.",
    "Ticket 5521: user {name} cannot log in from {ip} since the update. Reset link sent to {email}.",
    "Minutes: {name} presented the quarterly budget; the team agreed to cut travel costs by 10 percent.",
    "Dear {name}, thank you for volunteering at the library on Saturday. Reply to {email} with questions.",
)
CHAT = (
    "[09:14] {name}: can you send me the wifi password?\n[09:15] {name2}: sure, also my number is {phone}\n"
    "[09:16] {name}: thanks, I'll text you",
    "[18:02] {name}: my new email is {email}\n[18:03] {name2}: got it, see you at {address}",
    "[11:40] support: please confirm the last four digits\n[11:41] {name}: full card is {card}, expiry 09/27",
)
CODE = (
    'import requests\n\nAPI_KEY = "{secret}"\nresp = requests.get("https://api.example.com/v1/items", '
    'headers={{"Authorization": API_KEY}})\nprint(resp.status_code)',
    '# contact: {name} <{email}>\nDB_HOST = "{ip}"\nDB_USER = "admin"\n\ndef connect():\n    return '
    "open_connection(DB_HOST, DB_USER)",
    'def notify():\n    send_sms(to="{phone}", body="Backup finished")  # owner: {name}\n',
)

FACTS = (
    "The Eiffel Tower was finished in 1889.",
    "Water boils at 100 degrees Celsius at sea level.",
    "The library closes at 8 pm on weekdays.",
    "The train to the airport leaves every 20 minutes.",
    "Mount Everest is about 8,849 metres high.",
    "The city council approved the new bike lanes last week.",
    "Bananas are a good source of potassium.",
    "The meeting was moved to Thursday at 3 pm.",
    "Light from the Sun takes about eight minutes to reach Earth.",
    "The museum is free on the first Sunday of every month.",
    "Python 3.11 is faster than Python 3.10 on many benchmarks.",
    "The bridge was closed for repairs until June.",
)
INSULTS = (
    "only an idiot would not know that",
    "you stupid moron",
    "what a pathetic loser you are",
    "shut up, you worthless clown",
    "anyone who disagrees is a brainless fool",
    "go away, dumbass",
)
TOXIC = (
    "{fact} {insult_cap}.",
    "{insult_cap}! {fact}",
    "Listen, {insult}. {fact} Get it right next time.",
)


def _secret(rng: random.Random) -> str:
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))
    return rng.choice(["sk-", "ghp_"]) + body


def pii_corpus(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` rows of prose, chat and code (in proportion 8:3:3) with gold PII values."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    templates = [("prose", t) for t in PROSE] + [("chat", t) for t in CHAT] + [("code", t) for t in CODE]
    rows = []
    for i in range(n):
        genre, template = templates[i % len(templates)] if i < len(templates) else rng.choice(templates)
        values = {
            "name": ("PERSON", fake.name()),
            "name2": ("PERSON", fake.name()),
            "first": ("PERSON", fake.first_name()),
            "email": ("EMAIL", fake.email()),
            "phone": ("PHONE", fake.numerify("(###) ###-####")),
            "address": ("ADDRESS", fake.street_address()),
            "card": ("CREDIT_CARD", fake.credit_card_number(card_type="visa16")),
            "iban": ("IBAN", fake.iban()),
            "ip": ("IP_ADDRESS", fake.ipv4_public()),
            "ssn": ("US_SSN", fake.ssn()),
            "secret": ("SECRET", _secret(rng)),
            "dob": ("DATE_OF_BIRTH", fake.date_of_birth(minimum_age=18, maximum_age=90).isoformat()),
            "order": ("", str(rng.randint(10000, 99999))),  # not PII: an order number is content
        }
        used = [k for k in values if "{" + k + "}" in template]
        text = template.format(**{k: v for k, (_, v) in values.items()})
        gold = [{"kind": values[k][0], "value": values[k][1]} for k in used if values[k][0]]
        rows.append({"id": f"pii-{i}", "genre": genre, "text": text, "gold": gold})
    return rows


def toxic_corpus(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` rows, each a fact wrapped in an insult; ``gold`` is the fact."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        fact, insult = rng.choice(FACTS), rng.choice(INSULTS)
        text = rng.choice(TOXIC).format(fact=fact, insult=insult, insult_cap=insult[0].upper() + insult[1:])
        rows.append(
            {"id": f"tox-{i}", "genre": "toxic", "text": text, "gold": [{"kind": "FACT", "value": fact}]}
        )
    return rows
