"""The 2026 competition's word task: its two 50-word vocabularies, how an event's word maps onto them, and the
word samples of a run (classification over a vocabulary, or detection of keywords).

**Vocabularies** (pnpl 0.2.0 ``competition/data/vocabulary.csv`` and ``moses-vocabulary.csv``): the
*primary* vocabulary is what the competition scores (balanced accuracy of the argmax); the *secondary*
("moses") vocabulary rides along in the submission under ``moses_`` column names. Column order = the order
below. The primary vocabulary's ``it’s`` is spelled with a right single quotation mark (U+2019).

**Matching an event's word** (``segment`` of a ``kind == "word"`` row): lower-cased, stripped of surrounding
whitespace and punctuation, with a straight apostrophe read as U+2019, so ``"It's,"`` matches ``it’s``.
pnpl 0.2's ``WordClassification`` does none of this: its classes are the distinct raw segments of whichever
runs are loaded (case-sensitive, sorted), so class ids change with the runs; here the ids are the fixed
vocabulary positions. Words outside the vocabulary are not classification samples (counted as
``out_of_vocabulary``); keyword detection, like pnpl's, makes every word onset a sample, labelled 1 when the
word is a keyword.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable, Sequence

import numpy as np

from openended.libribrain.layout import Event

PRIMARY_VOCABULARY: tuple[str, ...] = (
    "is", "the", "a", "to", "it", "i", "not", "was", "we", "be", "he", "that", "have", "this", "they", "of",
    "there", "and", "are", "in", "but", "will", "so", "all", "my", "for", "she", "were", "any", "really",
    "at", "out", "our", "am", "it\u2019s", "had", "him", "an", "very", "has", "do", "can", "time", "think",
    "good", "always", "new", "people", "as", "on",
)  # fmt: skip
SECONDARY_VOCABULARY: tuple[str, ...] = (
    "am", "are", "bad", "bring", "clean", "closer", "comfortable", "coming", "computer", "do", "faith",
    "family", "feel", "glasses", "going", "good", "goodbye", "have", "hello", "help", "here", "hope", "how",
    "hungry", "i", "is", "it", "like", "music", "my", "need", "no", "not", "nurse", "okay", "outside",
    "please", "right", "success", "tell", "that", "they", "thirsty", "tired", "up", "very", "what", "where",
    "yes", "you",
)  # fmt: skip
VOCABULARIES = {"primary": PRIMARY_VOCABULARY, "secondary": SECONDARY_VOCABULARY}
SECONDARY_PREFIX = "moses_"

_STRIP = (
    string.whitespace + string.punctuation.replace("'", "") + "\u201c\u201d\u2018\u2019\u2026\u2014\u2013"
)


def normalize_word(text: str) -> str:
    """Lower-case, straight apostrophes as U+2019, surrounding punctuation and whitespace removed (an
    apostrophe inside the word stays)."""
    word = text.strip().lower().replace("'", "\u2019")
    return word.strip(_STRIP)


def vocabulary(name: str) -> tuple[str, ...]:
    try:
        return VOCABULARIES[name]
    except KeyError:
        raise ValueError(f"vocabulary must be primary or secondary, got {name!r}") from None


def word_samples(
    events: Sequence[Event],
    vocab: Sequence[str] = PRIMARY_VOCABULARY,
    keywords: Iterable[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Onsets (s) and labels of a run's word samples, in file order, and the number of word rows left out.

    Classification (no ``keywords``): words of ``vocab``, label = the word's position there; other words
    are left out. Detection (``keywords``): every word, label 1 if it is one of the keywords, else 0."""
    index = {w: i for i, w in enumerate(vocab)}
    keys = {normalize_word(k) for k in keywords} if keywords is not None else None
    onsets, labels, left_out = [], [], 0
    for e in events:
        if e.kind != "word" or math.isnan(e.onset):
            continue
        word = normalize_word(e.segment)
        if keys is not None:
            label = int(word in keys)
        elif word in index:
            label = index[word]
        else:
            left_out += 1
            continue
        onsets.append(e.onset)
        labels.append(label)
    return np.asarray(onsets, dtype=np.float64), np.asarray(labels, dtype=np.int64), left_out
