"""How often the base model solves Countdown at several difficulties, before any training (issue: pick the
family's difficulty so the base pass rate lies between ~5 % and ~50 %).

    python benchmarks/exploratory_iteration/base_rate.py OUT.json [--model smollm2-135m] [--instances 100]

Per difficulty: the pass rate (exact solutions) and mean score of greedy answers and of answers sampled at
the training temperature (``GRPOSettings.temperature``) and at 1.0, and the share of answers that are valid
expressions.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

DIFFICULTIES = [
    {"numbers": 2, "max_number": 10, "uses": 2},
    {"numbers": 3, "max_number": 10, "uses": 2},
    {"numbers": 3, "max_number": 10, "uses": 3},
    {"numbers": 4, "max_number": 10, "uses": 3},
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--samples", type=int, default=4, help="sampled answers per instance and temperature")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument(
        "--difficulty", action="append", metavar="NUMBERS,MAX_NUMBER,USES",
        help="only these difficulties (repeatable; default: the four above)",
    )  # fmt: skip
    a = ap.parse_args()

    from openended.core.runs import provenance
    from openended.exploratory_iteration.config import GRPOSettings
    from openended.exploratory_iteration.countdown import Countdown, CountdownConfig
    from openended.llm import load

    model = load(a.model)
    rows = []
    chosen = DIFFICULTIES
    if a.difficulty:
        chosen = [
            dict(zip(("numbers", "max_number", "uses"), map(int, d.split(",")), strict=True))
            for d in a.difficulty
        ]
    for d in chosen:
        dom = Countdown(CountdownConfig(held_out=a.instances, **d))
        prompts = [[{"role": "user", "content": dom.task(i)}] for i in dom.held_out]
        t0 = time.perf_counter()
        row = {**d, "instances": a.instances}
        for name, temp in (("greedy", 0.0), ("train_temperature", GRPOSettings().temperature), ("t1", 1.0)):
            n = 1 if temp == 0 else a.samples
            out = model.generate(prompts, temperature=temp, max_tokens=a.max_tokens, seed=0, n=n)
            v = [dom.verify(i, t) for i, r in zip(dom.held_out, out, strict=True) for t in r.texts]
            row[f"{name}_pass"] = sum(x.solved for x in v) / len(v)
            row[f"{name}_score"] = sum(x.score for x in v) / len(v)
            row[f"{name}_valid"] = sum(x.value is not None for x in v) / len(v)
            if temp == 0:
                greedy = out
        row.update(
            {
                "seconds": round(time.perf_counter() - t0, 1),
                "example": {"prompt": prompts[0][0]["content"], "answer": greedy[0].texts[0]},
            }
        )
        print(json.dumps({k: v for k, v in row.items() if k != "example"}), flush=True)
        rows.append(row)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({**provenance(), "model": a.model, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
