"""Item 1 of the GDR design: GDR + the fallback redaction releases no gold string that the Presidio baseline
catches, on any corpus — because GDR's detection includes Presidio at the baseline's own settings. Checked
as a property over generated corpora in several locales and genres, with rewriters that copy their input
(every row goes to the fallback) and that do as asked (rows pass on the rewrite)."""

import random

import pytest

from openended.core.runs import Run
from openended.gdr.baselines import presidio_anonymize
from openended.gdr.config import GDRConfig
from openended.gdr.corpus import pii_corpus
from openended.gdr.io import write_rows
from openended.gdr.runner import run_gdr
from openended.llm.scripted import ScriptedLLM
from tests.gdr.helpers import _ledger, apply_replacements, echo_text

pytest.importorskip("presidio_analyzer")

TEMPLATES = (
    "{name} wrote from {email}; call back on {phone}.",
    "Lieferung an {name}, {street}, {city}. Rückfragen: {phone}",
    "[10:02] {first}: ping me at {email}\n[10:03] {first2}: ok, ip is {ip}",
    "Facture pour {name}, IBAN {iban}, payée le {date}.",
    "user={first} pass-hint in ticket; card {card} exp 04/29",
)


def _corpus(seed: int, n: int) -> list[dict]:
    from faker import Faker

    rng = random.Random(seed)
    rows = []
    for i in range(n):
        fake = Faker(rng.choice(["en_GB", "de_DE", "fr_FR", "en_US", "it_IT", "nl_NL"]))
        fake.seed_instance(rng.randrange(2**31))
        values = {
            "name": fake.name(), "first": fake.first_name(), "first2": fake.first_name(),
            "email": fake.email(), "phone": fake.phone_number(), "street": fake.street_address(),
            "city": fake.city(), "ip": fake.ipv4_public(), "iban": fake.iban(), "date": fake.date(),
            "card": fake.credit_card_number(),
        }  # fmt: skip
        template = TEMPLATES[i % len(TEMPLATES)]
        used = [k for k in values if "{" + k + "}" in template]
        rows.append(
            {"id": f"g{seed}-{i}", "text": template.format(**values), "gold": [values[k] for k in used]}
        )
    return rows


@pytest.mark.parametrize(("seed", "respond"), [(1, echo_text), (2, apply_replacements)])
def test_gdr_with_fallback_never_releases_what_presidio_catches(tmp_path, seed, respond):
    corpus = _corpus(seed, 10) + [
        {"id": r["id"], "text": r["text"], "gold": [g["value"] for g in r["gold"]]}
        for r in pii_corpus(6, seed)
    ]
    src = write_rows([{"id": r["id"], "text": r["text"]} for r in corpus], tmp_path / "in.jsonl", "jsonl")
    cfg = GDRConfig(input=str(src), id_field="id", fallback="redact", min_similarity=0.0, max_attempts=1)
    with Run.create("gdr", cfg, root=tmp_path, name="run") as run:
        run_gdr(run, ScriptedLLM("scripted:rewriter", respond))
    released = {str(r["_gdr"]["id"]): r["text"] for r in _ledger(run.path)[0]}
    baseline = dict(
        zip([r["id"] for r in corpus], presidio_anonymize([r["text"] for r in corpus]), strict=True)
    )
    caught = checked = 0
    for row in corpus:
        for value in row["gold"]:
            if value in baseline[row["id"]]:
                continue  # Presidio lets it through: no claim
            caught += 1
            if row["id"] in released:
                checked += 1
                assert value not in released[row["id"]], (row["id"], value)
    assert caught > 20 and checked > 10  # the property was exercised, not vacuous
