"""Metrics of a refined corpus against its gold annotations.

- **leak rate**: fraction of gold PII values that survive in the output, *exactly* (case-insensitive) or
  *nearly* (up to whitespace, punctuation, case or one edit: ``4111-1111…`` for ``4111 1111…``,
  ``name @example.net``), each also reported alone (``leak_rate_exact``, ``leak_rate_near``);
- **over-redaction**: fraction of the original's non-PII words (outside gold values, 3+ letters) missing from
  the output: content damaged by the anonymizer;
- **utility**: MiniLM cosine similarity of output to original, and ROUGE-L F1 (Lin 2004) on words;
- **toxicity** before/after (alt-profanity-check), and **fact retention** for detoxification: fraction of
  the gold fact's words kept;
- **diversity** of a set of outputs: Vendi score, mean pairwise embedding distance, self-BLEU.

A row that is missing from the output (quarantined) counts as removed: no leak, all content lost. Both rates
are therefore reported with the coverage (rows output / rows in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from openended.gdr.matching import leak

_WORD = re.compile(r"[A-Za-z]{3,}")


def read_corpus(path: str | Path) -> list[dict[str, Any]]:
    """A gold corpus (JSONL): each line an object with ``text``, an optional ``id`` (default: the line's
    position; always compared as text) and ``gold``: ``[{"kind", "value"}]`` or a plain list of strings (kind
    ``PII``). A line that is not such an object is an error naming the file, line and field."""
    from openended.gdr.io import InputError

    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the corpus ({err})") from None
    rows: list[dict[str, Any]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}, line {n}: invalid JSON ({err.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InputError(f"{path}, line {n}, field 'text': each row needs a text")
        gold = row.get("gold", [])
        if not isinstance(gold, list):
            raise InputError(f"{path}, line {n}, field 'gold': expected a list")
        items = []
        for j, g in enumerate(gold):
            if isinstance(g, str):
                items.append({"kind": "PII", "value": g})
            elif isinstance(g, dict) and isinstance(g.get("value"), str):
                items.append({"kind": str(g.get("kind") or "PII"), "value": g["value"]})
            else:
                raise InputError(f"{path}, line {n}, field 'gold[{j}]': expected a string or {{kind, value}}")
        rid = row.get("id", len(rows))
        rows.append({**row, "id": str(rid), "gold": items})
    if not rows:
        raise InputError(f"{path}: the corpus is empty")
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise InputError(f"{path}: row ids repeat; each row needs its own id")
    return rows


def leaked(value: str, output: str) -> bool:
    """A gold value survives in the output, exactly or nearly (:func:`openended.gdr.matching.leak`)."""
    return leak(value, output) is not None


def content_words(text: str, gold: Sequence[Mapping[str, str]]) -> list[str]:
    for g in gold:
        text = text.replace(g["value"], " ")
    return [w.lower() for w in _WORD.findall(text)]


def rouge_l(reference: str, candidate: str) -> float:
    """ROUGE-L F1 on lower-cased words (longest common subsequence)."""
    a, b = reference.lower().split(), candidate.lower().split()
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, r = lcs / len(b), lcs / len(a)
    return 2 * p * r / (p + r)


def evaluate_pii(
    corpus: Sequence[Mapping[str, Any]], outputs: Mapping[str, str], embeddings: bool = True
) -> dict[str, Any]:
    """Metrics of ``outputs`` (row id → refined text; missing ids were quarantined) on a PII corpus.

    ``leak_rate``: share of all gold PII strings that appear in the released output (a quarantined row
    releases nothing); ``leak_rate_emitted``: the same over the rows that were released; ``over_redaction``:
    share of non-PII content words lost, a quarantined row counting as all lost; ``coverage``: rows released.
    """
    total = kept = 0
    by_kind: dict[str, list[bool]] = {}
    lost, utility, rouge = [], [], []
    pairs = []
    emitted_leaks: list[bool] = []  # gold spans of rows that reached the output
    exact: list[bool] = []
    for row in corpus:
        out = outputs.get(row["id"])
        for g in row["gold"]:
            how = leak(g["value"], out) if out is not None else None
            by_kind.setdefault(g["kind"], []).append(how is not None)
            exact.append(how == "exact")
            if out is not None:
                emitted_leaks.append(how is not None)
        words = content_words(row["text"], row["gold"])
        if out is None:
            lost.append(1.0)
            continue
        kept += 1
        out_words = set(_WORD.findall(out.lower()))
        lost.append(float(np.mean([w not in out_words for w in words])) if words else 0.0)
        rouge.append(rouge_l(row["text"], out))
        pairs.append((row["text"], out))
        total += 1
    if embeddings and pairs:
        from openended.llm.embeddings import embed

        a = embed([p[0] for p in pairs])
        b = embed([p[1] for p in pairs])
        utility = list(np.sum(a * b, axis=1))
    all_leaks = [x for v in by_kind.values() for x in v]
    return {
        "rows": len(corpus),
        "coverage": kept / len(corpus) if corpus else float("nan"),
        "leak_rate": float(np.mean(all_leaks)) if all_leaks else 0.0,  # exact or near
        "leak_rate_exact": float(np.mean(exact)) if exact else 0.0,
        "leak_rate_near": float(np.mean(all_leaks) - np.mean(exact)) if exact else 0.0,
        "leak_rate_by_kind": {k: float(np.mean(v)) for k, v in sorted(by_kind.items())},
        # among emitted rows only: a method that quarantines most rows cannot look safe by emitting little
        "leak_rate_emitted": float(np.mean(emitted_leaks)) if emitted_leaks else float("nan"),
        "over_redaction": float(np.mean(lost)) if lost else float("nan"),
        "similarity": float(np.mean(utility)) if utility else float("nan"),
        "rouge_l": float(np.mean(rouge)) if rouge else float("nan"),
    }


def evaluate_detox(
    corpus: Sequence[Mapping[str, Any]], outputs: Mapping[str, str], embeddings: bool = True
) -> dict[str, Any]:
    from openended.llm.classifiers import toxicity

    kept = [row for row in corpus if row["id"] in outputs]
    before = toxicity([row["text"] for row in corpus]) if corpus else np.zeros(0)
    after = toxicity([outputs[row["id"]] for row in kept]) if kept else np.zeros(0)
    retention = []
    for row in kept:
        fact_words = [w.lower() for w in _WORD.findall(row["gold"][0]["value"])]
        out_words = set(_WORD.findall(outputs[row["id"]].lower()))
        retention.append(float(np.mean([w in out_words for w in fact_words])) if fact_words else 1.0)
    utility: list[float] = []
    if embeddings and kept:
        from openended.llm.embeddings import embed

        a = embed([r["gold"][0]["value"] for r in kept])
        b = embed([outputs[r["id"]] for r in kept])
        utility = list(np.sum(a * b, axis=1))
    return {
        "rows": len(corpus),
        "coverage": len(kept) / len(corpus) if corpus else float("nan"),
        "toxicity_before": float(np.mean(before)) if len(before) else float("nan"),
        "toxicity_after": float(np.mean(after)) if len(after) else float("nan"),
        "toxic_rate_before": float(np.mean(before >= 0.5)) if len(before) else float("nan"),
        "toxic_rate_after": float(np.mean(after >= 0.5)) if len(after) else float("nan"),
        "fact_retention": float(np.mean(retention)) if retention else float("nan"),
        "fact_similarity": float(np.mean(utility)) if utility else float("nan"),
    }


def diversity(texts: Sequence[str]) -> dict[str, float]:
    from openended.llm.diversity import mean_pairwise_distance, self_bleu, vendi_score
    from openended.llm.embeddings import embed

    if len(texts) < 2:
        return {"vendi": float("nan"), "pairwise_distance": float("nan"), "self_bleu": float("nan")}
    e = embed(list(texts))
    return {
        "vendi": vendi_score(e),
        "pairwise_distance": mean_pairwise_distance(e),
        "self_bleu": self_bleu(list(texts)),
    }
