"""Held-out self-improvement (paper §4): answer each held-out instance, then ask K times in a row to improve
the current answer, showing it with the verifier's feedback — the same prompt as training's improve steps —
and record the score after every step, beyond the depths seen in training too.

Each instance is run as ``samples`` independent sampled chains (the paper averages 8). Per step k the
result holds the mean score and the share solved of the answers at step k, and the same for the best
answer of each chain so far (what a user keeping the best iterate gets).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from openended.exploratory_iteration.config import EvalConfig
from openended.exploratory_iteration.countdown import Countdown
from openended.exploratory_iteration.curriculum import Attempt, Task, prompt


def self_improvement(
    model: Any, domain: Countdown, ev: EvalConfig, seed: int = 0, progress: Any = None
) -> dict[str, Any]:
    """Run the K-step evaluation of ``model`` (an ``openended.llm`` model) on the domain's held-out set."""
    instances = domain.held_out[: ev.instances]
    tasks = [Task(inst) for _ in range(ev.samples) for inst in instances]
    best_score = np.zeros(len(tasks))
    rows: list[dict[str, Any]] = []
    for k in range(ev.steps + 1):
        prompts = [prompt(t) for t in tasks]
        out = model.generate(
            prompts, temperature=ev.temperature, max_tokens=ev.max_tokens, seed=seed + k * len(tasks)
        )
        texts = [r.texts[0] if r.texts else "" for r in out]
        verdicts = [domain.verify(t.base, text) for t, text in zip(tasks, texts, strict=True)]
        scores = np.array([v.score for v in verdicts])
        best_score = np.maximum(best_score, scores)
        rows.append(
            {
                "step": k,
                "score": float(scores.mean()),
                "solved": float(np.mean(scores >= 1.0)),
                "valid": float(np.mean([v.value is not None for v in verdicts])),
                "best_score": float(best_score.mean()),
                "best_solved": float(np.mean(best_score >= 1.0)),
                # chains are laid out sample-major: the spread over samples of the mean score
                "score_per_sample": [
                    float(scores[s * len(instances) : (s + 1) * len(instances)].mean())
                    for s in range(ev.samples)
                ],
            }
        )
        tasks = [
            Task(t.base, Attempt(text, v.score, v.feedback), t.depth + 1)
            for t, text, v in zip(tasks, texts, verdicts, strict=True)
        ]
        if progress is not None:
            progress(k, rows[-1])
    first, last = rows[0], rows[-1]
    return {
        "instances": len(instances),
        "samples": ev.samples,
        "steps": rows,
        "improvement": last["score"] - first["score"],
        "solved_improvement": last["solved"] - first["solved"],
        "example": {"prompt": prompts[0][0]["content"], "answer": texts[0]},
    }
