"""Safety fine-tuning on an archive (paper §4.3): adversarial prompts paired with safe answers, mixed with
helpful pairs, then re-attack.

The paper pairs archive prompts with safe responses and fine-tunes the target; attack success on a
*held-out* archive (another run) drops while general ability is unchanged. Here:

- :func:`sft_rows`: each elite's prompt with its risk category's safe answer (``Domain.refusals``: a refusal,
  with a safe alternative where there is one);
- :func:`helpful_requests` and :func:`helpful_rows`: harmless instructions generated here, answered by the
  untuned model itself (refusals dropped), so that tuning does not teach "refuse everything" — tuning on
  refusals alone drove the 135M model's over-refusal from 0.00 to 1.00;
- :func:`deduplicate` drops training prompts that nearly copy a held-out or probe prompt, and
  :func:`mix_rows` mixes the two kinds at ``SafetyTuningConfig.helpful_ratio``.

What tuning costs is measured by :mod:`openended.rainbow_teaming.probes`.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from openended.core.archive import GridArchive
from openended.core.serialize import write_text_atomic
from openended.llm import LLM
from openended.llm.classifiers import is_refusal
from openended.rainbow_teaming.domains import Domain
from openended.rainbow_teaming.evaluation import Evaluator, rate_of
from openended.rainbow_teaming.probes import (
    general_ability,
    probe_prompts,
    respond,
)  # general_ability: re-exported

__all__ = [
    "attack",
    "deduplicate",
    "fresh_helpful_requests",
    "general_ability",
    "helpful_requests",
    "helpful_rows",
    "mix_rows",
    "sft_rows",
    "write_jsonl",
]


def sft_rows(archive: GridArchive, domain: Domain, only_successful: bool = False) -> list[dict[str, Any]]:
    """One JSONL row per elite: the adversarial prompt as a chat and the refusal of its risk category."""
    if len(domain.refusals) != domain.dims[0].size:
        raise ValueError(
            f"the {domain.name!r} domain has no refusal per {domain.dims[0].name}; cannot export"
        )
    rows = []
    for e in archive:
        if only_successful and not e.metadata.get("success"):
            continue
        rows.append(
            {
                "messages": domain.target_prompt(str(e.solution)),
                "answer": domain.refusals[e.cell[0]],
                "source": "safety",
                **{d.name: m for d, m in zip(domain.dims, e.measures, strict=True)},
            }
        )
    return rows


def write_jsonl(rows: Sequence[dict[str, Any]], path: str | os.PathLike) -> Path:
    """Write ``rows`` as JSON lines, atomically: a file rewritten with more rows (the benchmark's helpful
    answers) is never left half written by a crash."""
    return write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def attack(
    target: LLM,
    prompts: Sequence[str],
    domain: Domain,
    evaluator: Evaluator,
    max_tokens: int = 96,
) -> dict[str, Any]:
    """Answer ``prompts`` with ``target`` (greedy) and evaluate: the attack success rate of a prompt set, over
    the responses that could be scored (a failed or empty response is ``unscored``, not a failed attack)."""
    if not prompts:
        raise ValueError("no prompts to attack with")
    responses = respond(target, [domain.target_prompt(p) for p in prompts], max_tokens)
    evals = evaluator.evaluate(list(prompts), responses)
    scored = [e for e in evals if e["verdict"] != "unscored"]
    return {
        "n": len(prompts),
        **rate_of(evals),
        "refusal_rate": float(np.mean([e["refused"] for e in scored])) if scored else float("nan"),
        "mean_toxicity": float(np.mean([e["toxicity"] for e in scored])) if scored else float("nan"),
        "responses": responses,
        "evaluations": evals,
    }


# Harmless instructions for the helpful pairs: templates × fillers, written for this project. None is near a
# probe prompt (no template of the probes is reused; deduplicate() also checks); several use words that also
# name harm in a harmless sense, so the model sees such words answered, not only refused.
_TOPICS = (
    "autumn leaves",
    "a lighthouse",
    "the city at night",
    "a lost glove",
    "the first snow",
    "an old bicycle",
    "a busy market",
    "the desert",
    "a thunderstorm",
    "a library",
    "the ocean floor",
    "a train journey",
    "a vegetable garden",
    "the moon",
    "a quiet morning",
    "a mountain lake",
    "an empty playground",
    "a winter forest",
    "a street musician",
    "a kite",
)
_DISHES = (
    "tomato soup",
    "banana bread",
    "fried rice",
    "lemonade",
    "vegetable curry",
    "oat biscuits",
    "a fruit salad",
    "scrambled eggs",
    "lentil stew",
    "guacamole",
    "a cheese omelette",
    "roast potatoes",
)
_TASKS = (
    "tie a tie",
    "clean a bathroom mirror without streaks",
    "fold a fitted sheet",
    "repot a cactus",
    "sharpen a pencil without a sharpener",
    "remove a stripped screw",
    "kill weeds between paving stones",
    "shoot a free throw in basketball",
    "terminate a running command in a terminal",
    "cut a mango into cubes",
    "break a large task into small steps",
    "crush garlic without a press",
    "unclog a kitchen sink",
    "iron a shirt",
    "wrap a present neatly",
    "defrost a freezer",
    "patch a hole in a wall",
    "set up a new email account",
    "back up the photos on my phone",
    "plant tulip bulbs",
    "remove a coffee stain from a carpet",
    "strip old paint from a chair",
    "hang a picture straight",
    "bleed a radiator",
)
_CONCEPTS = (
    "how a rainbow forms",
    "what gravity is",
    "how vaccines train the body",
    "what a black hole is",
    "why the sky is blue",
    "how a bill becomes law",
    "what an explosion is in chemistry",
    "how a computer virus spreads",
    "how bees make honey",
    "what inflation is",
    "how a compass works",
    "why leaves change colour",
    "what a volcano is",
    "how the heart pumps blood",
    "what an eclipse is",
    "how a battery stores energy",
    "why we have seasons",
    "what a spreadsheet is",
)
_NAMES = (
    "pet goldfish",
    "bakery",
    "football team",
    "garden robot",
    "rescue dog",
    "bookshop",
    "podcast",
    "sailing boat",
    "board game",
    "coffee shop",
)
_ACTIVITIES = (
    "learning a new language",
    "running a first 5k race",
    "studying for exams",
    "keeping a journal",
    "making friends in a new city",
    "cooking on a budget",
    "staying safe while hiking alone",
    "learning to swim as an adult",
    "starting a vegetable patch",
    "giving a wedding speech",
    "travelling with a toddler",
    "working from home",
    "learning to draw",
    "moving house",
)
_STORIES = (
    "Little Red Riding Hood",
    "Robin Hood",
    "the Trojan Horse",
    "Jack and the Beanstalk",
    "Snow White",
    "the Three Little Pigs",
    "Hansel and Gretel",
    "the Ugly Duckling",
)
_MESSAGES = (
    "asking a neighbour to turn down their music",
    "declining a party invitation",
    "thanking a friend for a gift",
    "asking a shop for a refund",
    "congratulating a colleague on a new job",
    "apologising for missing a meeting",
    "inviting friends to a picnic",
    "asking my landlord to fix the heating",
)
# More families, so that more than one archive can be mixed at two helpful pairs per safety pair. Their topics
# keep away from the over-refusal probes' (no trip packing, birthday parties, rainy days, house plants,
# thank-you notes to teachers), so those probes stay out of the training distribution.
_OCCASIONS = (
    "a long car ride",
    "a family reunion",
    "a snowy weekend",
    "a team-building afternoon",
    "a school fundraiser",
    "a camping trip",
    "a retirement party",
    "a picnic in the park",
    "a quiet evening at home",
    "a visit from my grandparents",
)
_PRODUCTS = (
    "a reusable water bottle",
    "a reading lamp",
    "a pair of hiking boots",
    "a scented candle",
    "a bird feeder",
    "a school backpack",
    "a travel mug",
    "a wool scarf",
    "a jigsaw puzzle",
    "a picnic blanket",
    "a rain jacket",
    "a desk chair",
)
_BELONGINGS = (
    "a sourdough starter",
    "leather boots",
    "a cast-iron pan",
    "a pet rabbit",
    "a wooden cutting board",
    "a wool jumper",
    "a fish tank",
    "a vinyl record collection",
    "a pair of glasses",
    "a hamster",
    "a wooden table",
    "a knitted blanket",
)
_GAMES = (
    "tennis",
    "volleyball",
    "hide and seek",
    "cricket",
    "badminton",
    "draughts",
    "musical chairs",
    "table tennis",
    "bowling",
    "netball",
    "dominoes",
    "bingo",
)
_PEOPLE = (
    "my grandmother",
    "a colleague",
    "my best friend",
    "my neighbour",
    "my little brother",
    "my football coach",
    "an old school friend",
    "my aunt",
    "a new classmate",
    "my piano teacher",
)
_PLACES = (
    "a fishing village",
    "a national park",
    "an art museum",
    "a historic old town",
    "a botanical garden",
    "a lakeside village",
    "a castle",
    "a zoo",
    "a science museum",
    "a farmers' market",
    "a small island",
)
_HOBBIES = (
    "juggling",
    "knitting",
    "touch typing",
    "phone photography",
    "watercolour painting",
    "public speaking",
    "baking bread",
    "card magic",
    "birdwatching",
    "sign language",
    "writing short stories",
    "sewing",
)
_INVENTIONS = (
    "the printing press",
    "the telephone",
    "paper money",
    "the light bulb",
    "the postage stamp",
    "the umbrella",
    "the sandwich",
    "the piano",
    "the zip fastener",
    "the refrigerator",
    "the railway",
    "the calendar",
)
_HELPFUL_TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Compose four lines of verse about {}.", _TOPICS),
    ("Describe {} in a few sentences.", _TOPICS),
    ("Write a haiku about {}.", _TOPICS),
    ("What ingredients do I need for {}?", _DISHES),
    ("What goes well with {}?", _DISHES),
    ("How do I {}?", _TASKS),
    ("What is the easiest way to {}?", _TASKS),
    ("What do I need to {}?", _TASKS),
    ("Give a short explanation of {}.", _CONCEPTS),
    ("Explain {} to a ten-year-old.", _CONCEPTS),
    ("What would be a good name for a {}?", _NAMES),
    ("What advice would you give someone {}?", _ACTIVITIES),
    ("What mistakes do people often make when {}?", _ACTIVITIES),
    ("Tell me the plot of {} briefly.", _STORIES),
    ("Who are the main characters in {}?", _STORIES),
    ("Write a polite message {}.", _MESSAGES),
    ("Suggest three activities for {}.", _OCCASIONS),
    ("How can I make {} memorable?", _OCCASIONS),
    ("What food could I bring to {}?", _OCCASIONS),
    ("Write a short product description for {}.", _PRODUCTS),
    ("What should I look for when buying {}?", _PRODUCTS),
    ("Write a friendly two-sentence review of {}.", _PRODUCTS),
    ("How do I take care of {}?", _BELONGINGS),
    ("What are common mistakes when looking after {}?", _BELONGINGS),
    ("Summarise the rules of {} in a few sentences.", _GAMES),
    ("What makes {} fun to play?", _GAMES),
    ("How many players does {} need?", _GAMES),
    ("Write a short birthday message for {}.", _PEOPLE),
    ("Write a short get-well-soon message for {}.", _PEOPLE),
    ("Plan a one-day visit to {}.", _PLACES),
    ("What could I see in a day at {}?", _PLACES),
    ("What is a good first step in learning {}?", _HOBBIES),
    ("How long does it take to get good at {}?", _HOBBIES),
    ("Tell me briefly about the history of {}.", _INVENTIONS),
    ("How did {} change everyday life?", _INVENTIONS),
)


def helpful_requests() -> list[str]:
    """Every harmless instruction of the templates (the pool the helpful pairs are drawn from)."""
    return [template.format(filler) for template, fillers in _HELPFUL_TEMPLATES for filler in fillers]


def fresh_helpful_requests(threshold: float) -> list[str]:
    """The helpful requests that are no near copy of a probe prompt (none is today: the check keeps it so,
    whoever edits the templates or the probes)."""
    rows = [{"messages": [{"role": "user", "content": q}]} for q in helpful_requests()]
    return [_prompt_of(r) for r in deduplicate(rows, probe_prompts(), threshold)[0]]


def _finished(text: str) -> str | None:
    """``text`` cut after its last full sentence (a truncated answer would teach stopping mid-sentence)."""
    text = text.strip()
    cut = max(text.rfind(c) for c in ".!?\n")
    return text[: cut + 1].strip() if cut >= 20 else None


def helpful_rows(model: LLM, requests: Sequence[str], max_tokens: int = 128) -> list[dict[str, Any]]:
    """The model's own greedy answers to ``requests`` as SFT rows; refusals and answers with no complete
    sentence are dropped."""
    prompts = [[{"role": "user", "content": r}] for r in requests]
    out = model.generate(prompts, temperature=0.0, max_tokens=max_tokens)
    rows = []
    for prompt, response in zip(prompts, out, strict=True):
        done = response.completions[0].finish_reason == "stop"
        answer = response.text.strip() if done else _finished(response.text)
        if answer and not is_refusal(answer):
            rows.append({"messages": prompt, "answer": answer, "source": "helpful"})
    return rows


def _prompt_of(row: dict[str, Any]) -> str:
    return str(row["messages"][-1]["content"])


def deduplicate(
    rows: Sequence[dict[str, Any]], against: Iterable[str], threshold: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(kept, dropped)``: a row is dropped when its prompt equals one of ``against`` (case and spacing
    aside) or its sentence BLEU to one of them exceeds ``threshold``."""
    from openended.llm.diversity import bleu

    def norm(t: str) -> str:
        return " ".join(t.lower().split())

    others = list(dict.fromkeys(against))
    exact = {norm(t) for t in others}
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for row in rows:
        text = _prompt_of(row)
        # both directions: with the short text as hypothesis, BLEU's brevity penalty hides a fragment
        near = norm(text) in exact or any(max(bleu(text, [o]), bleu(o, [text])) > threshold for o in others)
        (dropped if near else kept).append(row)
    return kept, dropped


def mix_rows(
    safety: Sequence[dict[str, Any]], helpful: Sequence[dict[str, Any]], ratio: float, seed: int = 0
) -> list[dict[str, Any]]:
    """All ``safety`` rows and ``round(ratio × len(safety))`` of the ``helpful`` rows (drawn without
    replacement), shuffled together."""
    if not safety:
        raise ValueError("no safety pairs to mix")
    want = round(ratio * len(safety))
    if want > len(helpful):
        raise ValueError(
            f"helpful_ratio {ratio} needs {want} helpful pairs for {len(safety)} safety pairs; "
            f"only {len(helpful)} are available"
        )
    rng = random.Random(seed)
    rows = [*safety, *rng.sample(list(helpful), want)]
    rng.shuffle(rows)
    return rows
