"""Distillation (beyond the paper's experiments): fine-tune a small rewriter on verified rewrites.

A teacher run — GDR with a larger model behind an OpenAI-compatible server, or any run's verified output —
provides pairs (the rewriter prompt the student will see, the accepted rewrite). Only rows in the run's output
(every one passed the verifiers) are used; rows accepted through the redaction fallback are included only when
asked (they teach the student to apply the replacement list, which is what makes a 135M model useful here).
The prompt is rebuilt exactly as the pipeline's first attempt builds it, with the run's surrogate key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openended.core.runs import load_config
from openended.gdr.config import GDRConfig
from openended.gdr.io import Row, read_rows
from openended.gdr.ledger import Ledger
from openended.gdr.runner import surrogate_key
from openended.gdr.tasks import Item, make_task
from openended.llm.finetune import Example


def teacher_examples(run_dir: str | Path, include_fallback: bool = False, shots: int = 0) -> list[Example]:
    """(prompt, accepted rewrite) pairs. The student's prompt has ``shots`` worked examples (default none:
    what the examples taught is what the student learns, and its prompts are ~5x shorter to train on and
    to run); run the student with the same ``--shots``."""
    run_dir = Path(run_dir)
    config = load_config(run_dir, GDRConfig).replace(shots=shots)
    with Ledger(run_dir) as ledger:
        accepted = {r["_gdr"]["id"]: r for r in ledger.records("output")}
    task = make_task(config, surrogate_key(run_dir))  # prompts only: no model is needed
    examples = []
    for row in read_rows(config.input, config.fields, config.input_format, config.id_field):
        if not isinstance(row, Row) or row.id not in accepted:
            continue
        record = accepted[row.id]
        for f in config.fields:
            if record["_gdr"]["fallback"][f] and not include_fallback:
                continue
            item = Item(row, f, row.data[f])
            task.prepare(item)
            examples.append(Example(list(task.prompt(item)), record[f]))
    return examples


def distill(
    run_dir: str | Path,
    out: str | Path,
    base: str = "hf:smollm2-135m",
    include_fallback: bool = False,
    shots: int = 0,
    **kw: Any,
) -> dict[str, Any]:
    from openended.llm.finetune import sft

    examples = teacher_examples(run_dir, include_fallback, shots)
    if not examples:
        raise ValueError(f"{run_dir} has no verified rewrites to learn from (try --include-fallback)")
    return sft(base, examples, out, **kw)
