"""LLM layer benchmark: decoding throughput per backend, and the overhead of our layer over llama-cpp-python.

    python benchmarks/llm/bench_llm.py cpu                 # -> benchmarks/results/llm-cpu.json
    python benchmarks/llm/bench_llm.py gpu --gguf M.gguf   # -> $OUT or results/llm-gpu.json

Greedy decoding of up to 64 new tokens on story prompts (they rarely stop early); tokens/s counts the tokens
actually generated, prompt processing included, wall time per call. "batch of 8" is one generate() call with 8
prompts: llama.cpp serves them one after another, transformers pads them into one batch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROMPTS = [
    "Once upon a time, in a village at the edge of a great forest, there lived",
    "The old lighthouse keeper climbed the stairs one last time and",
    "In the year 2150, the first city on Mars",
    "She opened the letter slowly, and the first line said",
    "The recipe had been in the family for generations: first you",
    "Deep under the ocean, the research submarine",
    "The detective looked at the muddy footprints and",
    "When the robot woke up for the first time, it",
]
MAX_TOKENS = 64
RESULTS = Path(__file__).resolve().parents[1] / "results"


def throughput(model, prompts, repeats: int) -> dict:
    model.generate(prompts[:1], temperature=0.0, max_tokens=8)  # warm-up
    rates, seconds, tokens = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        out = model.generate(prompts, temperature=0.0, max_tokens=MAX_TOKENS)
        wall = time.perf_counter() - start
        n = sum(r.usage.completion_tokens for r in out)
        rates.append(n / wall)
        seconds.append(wall)
        tokens.append(n)
    return {
        "tokens_per_s": statistics.median(rates),
        "tokens_per_s_all": rates,
        "seconds_median": statistics.median(seconds),
        "completion_tokens": tokens,
        "prompts": len(prompts),
    }


def llamacpp_overhead(threads: int, repeats: int) -> dict:
    """Our generate() vs the same Llama object's create_completion with the same parameters, interleaved."""
    from openended.llm import load

    ours = load(f"smollm2-135m?threads={threads}")
    llama = ours.model
    kwargs = {
        "max_tokens": MAX_TOKENS,
        "temperature": 0.0,
        "top_p": 1.0,
        "top_k": 0,
        "min_p": 0.0,
        "repeat_penalty": 1.0,
        "seed": 0,
    }

    def direct() -> int:
        return sum(llama.create_completion(p, **kwargs)["usage"]["completion_tokens"] for p in PROMPTS)

    def layer() -> int:
        return sum(
            r.usage.completion_tokens
            for r in ours.generate(PROMPTS, temperature=0.0, max_tokens=MAX_TOKENS, seed=0)
        )

    direct(), layer()  # warm-up
    t_direct, t_layer = [], []
    for _ in range(repeats):
        for fn, sink in ((direct, t_direct), (layer, t_layer)):
            start = time.perf_counter()
            fn()
            sink.append(time.perf_counter() - start)
    tokens = layer()
    assert tokens == direct(), "both paths must generate the same tokens"
    ours.close()
    d, o = statistics.median(t_direct), statistics.median(t_layer)
    return {
        "threads": threads,
        "prompts": len(PROMPTS),
        "completion_tokens": tokens,
        "direct_s_median": d,
        "layer_s_median": o,
        "overhead": o / d - 1,
        "goal": "within 10%",
        "direct_s": t_direct,
        "layer_s": t_layer,
    }


def cpu(repeats: int) -> dict:
    from openended.llm import load

    result: dict = {"llamacpp": {}, "transformers_cpu": {}}
    for threads in (1, 2):
        with load(f"smollm2-135m?threads={threads}") as m:
            result["llamacpp"][f"threads_{threads}"] = {
                "single": throughput(m, PROMPTS[:1], repeats),
                "batch_8": throughput(m, PROMPTS, repeats),
            }
        with load(f"hf:smollm2-135m?threads={threads}&device=cpu") as m:
            result["transformers_cpu"][f"threads_{threads}"] = {
                "single": throughput(m, PROMPTS[:1], repeats),
                "batch_8": throughput(m, PROMPTS, max(1, repeats // 2)),
            }
    result["overhead_vs_llama_cpp_python"] = [llamacpp_overhead(t, repeats) for t in (1, 2)]
    return result


def gpu(gguf: str, repeats: int) -> dict:
    import torch

    from openended.llm.hf import TransformersLLM, convert_gguf

    ckpt = Path(tempfile.mkdtemp()) / "smollm2-135m-hf"
    convert_gguf(gguf, ckpt)
    out: dict = {"device_name": torch.cuda.get_device_name(0), "torch": torch.__version__}
    for dtype in ("bfloat16", "float32"):
        m = TransformersLLM("hf:smollm2-135m", ckpt, device="cuda", dtype=dtype, batch_size=8)
        out[dtype] = {
            "single": throughput(m, PROMPTS[:1], repeats),
            "batch_8": throughput(m, PROMPTS, repeats),
        }
        m.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("part", choices=["cpu", "gpu"])
    parser.add_argument("--gguf", help="SmolLM2 GGUF file (gpu part)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("OPENENDED_PROGRESS", "0")
    from openended.core.runs import provenance

    body = cpu(args.repeats) if args.part == "cpu" else gpu(args.gguf, args.repeats)
    result = {
        "benchmark": f"llm-{args.part}",
        "provenance": provenance(),
        "model": "SmolLM2-135M-Instruct Q4_1",
        "max_tokens": MAX_TOKENS,
        "decoding": "greedy",
        **body,
    }
    target = Path(os.environ["OUT"]) if os.environ.get("OUT") else RESULTS
    path = target / f"llm-{args.part}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2)[:6000])
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
