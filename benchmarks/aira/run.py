"""Each search policy on the task suite with one model; the summary table of the AIRA README.

    python benchmarks/aira/run.py                          # embedded SmolLM2, full suite, 3 policies
    python benchmarks/aira/run.py --model openai:qwen2.5-coder@http://127.0.0.1:8000/v1 --steps 30

Every (policy, task) run resumes if interrupted. Writes ``benchmarks/results/aira.json``: per-run summaries
(selected vs oracle node, medals, valid-submission rate, generalization gap), a per-policy table and the
reference ladders.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from openended.aira.cli import EXPERIMENT
from openended.aira.config import AIRAConfig
from openended.aira.ladder import committed
from openended.aira.report import aggregate, collect, summary_row
from openended.aira.tasks import suite
from openended.core.commands import execute
from openended.core.runs import provenance

RESULTS = Path(__file__).resolve().parents[1] / "results"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="smollm2-135m?threads=2")
    p.add_argument("--suite", default="full")
    p.add_argument("--policies", default="greedy,mcts,evolutionary")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--max-tokens", type=int, default=768)
    p.add_argument("--exec-timeout-s", type=float, default=120.0)
    p.add_argument("--root", default="runs/aira-bench")
    p.add_argument("--out", default=str(RESULTS / "aira.json"))
    a = p.parse_args()
    root = Path(a.root)
    for policy in a.policies.split(","):
        for task in suite(a.suite):
            name = f"{policy}-{task.name}"
            cfg = AIRAConfig(
                task=task.name,
                policy=policy,  # type: ignore[arg-type]
                model=a.model,
                steps=a.steps,
                max_tokens=a.max_tokens,
                exec_timeout_s=a.exec_timeout_s,
            )
            path = root / name
            if (path / "artifacts" / "summary.json").is_file():
                continue
            if (path / "run.json").is_file():
                execute(EXPERIMENT, resume=path)
            else:
                execute(EXPERIMENT, cfg, root=root, name=name)
            print(summary_row(json.loads((path / "artifacts" / "summary.json").read_text())), flush=True)
    summaries = collect([root])
    out = {
        "provenance": provenance(),
        "setup": {
            "model": a.model,
            "steps": a.steps,
            "max_tokens": a.max_tokens,
            "exec_timeout_s": a.exec_timeout_s,
            "seed": 0,
            "note": "one seed per (policy, task); operators: aira prompt set",
        },
        "per_policy": aggregate(summaries),
        "runs": [summary_row(s) | {"nodes_buggy": s["buggy_rate"]} for s in summaries],
        "ladders": {
            k: {m: v[m] for m in ("median", "bronze", "silver", "gold")}
            for k, v in committed()["tasks"].items()
        },
    }
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    for row in out["per_policy"]:
        print(row)


if __name__ == "__main__":
    main()
