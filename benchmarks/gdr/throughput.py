"""GDR's throughput (rows/s of ``openended gdr anonymize``) on the same rows of the development corpus, by
where the rewriter runs:

* ``checks only``: a rewriter that copies its input (``scripted:echo``), so every row fails verification and
  takes the redaction fallback — the cost of detection, verification and the fallback without any model;
* ``embedded``: SmolLM2-135M in-process through llama.cpp (the default rewriter);
* ``server``: the same GGUF behind llama.cpp's OpenAI-compatible server (``python -m llama_cpp.server``,
  started here on a free local port) reached through the ``openai:`` backend;
* ``ray``: the Ray Data path, ``--workers`` workers with one embedded model each.

    python benchmarks/gdr/throughput.py [--n 32] [--threads 2] [--workers 2] [--root runs/gdr-throughput]

Each configuration gets a fresh run (rows/s counts a whole pass). Writes
``benchmarks/results/gdr-throughput.json`` with commit, device and date, rows/s and the days one million
rows would take.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from openended.core.commands import run_or_resume
from openended.core.runs import provenance, read_metrics
from openended.gdr.cli import ANONYMIZE, AnonymizeConfig
from openended.gdr.corpus import pii_corpus
from openended.gdr.io import write_rows

HERE = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server(gguf: Path, threads: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """llama.cpp's OpenAI-compatible server on a local port, once it answers."""
    import httpx

    port = _free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2",
        "--n_threads", str(threads), "--n_threads_batch", str(threads), "--n_ctx", "2048",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                raise SystemExit(f"llama.cpp's server stopped (see {log})")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    return proc, url
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"llama.cpp's server did not answer in 120 s (see {log})")
    except BaseException:
        proc.kill()  # interrupted or failed while waiting: leave no server behind
        proc.wait()
        raise


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=32, help="rows of the development corpus")
    p.add_argument("--threads", type=int, default=2, help="llama.cpp threads (local and server)")
    p.add_argument("--workers", type=int, default=2, help="Ray workers (one thread each)")
    p.add_argument("--only", nargs="+", choices=["checks", "embedded", "server", "ray"])
    p.add_argument("--root", default="runs/gdr-throughput")
    p.add_argument("--out", default=str(HERE / "results" / "gdr-throughput.json"))
    a = p.parse_args()
    root = Path(a.root)
    root.mkdir(parents=True, exist_ok=True)
    corpus = pii_corpus(a.n, seed=0)
    src = write_rows([{"id": r["id"], "text": r["text"]} for r in corpus], root / "input.jsonl", "jsonl")
    from openended.llm.models import smollm2_gguf

    embedded = f"smollm2-135m?threads={a.threads}"
    out = Path(a.out)
    results: dict[str, Any] = json.loads(out.read_text())["configurations"] if out.is_file() else {}
    configs: dict[str, tuple[str, dict[str, Any]]] = {
        "checks": ("checks only: a copying rewriter (scripted:echo), every row redacted by the fallback", {
            "rewriter": "scripted:echo"}),
        "embedded": (f"embedded SmolLM2-135M, llama.cpp in-process, {a.threads} threads", {
            "rewriter": embedded}),
        "server": (f"SmolLM2-135M behind llama.cpp's OpenAI-compatible server, {a.threads} threads", {}),
        "ray": (f"Ray Data, {a.workers} workers, embedded SmolLM2-135M with 1 thread each", {
            "rewriter": "smollm2-135m?threads=1", "executor": "ray", "workers": a.workers}),
    }  # fmt: skip
    for key, (what, overrides) in configs.items():
        if a.only and key not in a.only:
            continue
        server: subprocess.Popen[bytes] | None = None
        try:
            if key == "server":
                server, url = _server(smollm2_gguf(), a.threads, root / "server.log")
                overrides = {"rewriter": f"openai:smollm2@{url}?max_concurrency=1&timeout=300"}
            name = f"gdr-{key}"
            shutil.rmtree(root / name, ignore_errors=True)
            cfg = AnonymizeConfig(
                input=str(src), id_field="id", fallback="redact", other_fields="drop", **overrides
            )
            start = time.perf_counter()
            run = run_or_resume(ANONYMIZE, cfg, root, name, report=False)
            wall = time.perf_counter() - start
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
        final = next(r for r in reversed(read_metrics(run)) if r.get("event") == "final")
        rows_per_s = final["rows_per_s"]
        results[key] = {
            "what": what,
            "rewriter": cfg.rewriter,
            "rows": final["rows"],
            "rows_per_s": rows_per_s,
            "wall_s_with_start_up": wall,
            "days_per_million_rows": 1e6 / rows_per_s / 86400 if rows_per_s else None,
            "output": final.get("output"),
            "quarantined": final.get("quarantine"),
            # --only measures some configurations again: each keeps the commit and date it was measured at
            "measured": {k: v for k, v in provenance().items() if k in ("commit", "dirty", "date")},
        }
        print(key, json.dumps(results[key]), flush=True)
    result = {
        "what": "rows/s of openended gdr anonymize (fallback redact) on the first rows of the development "
        "corpus, by where the rewriter runs",
        **provenance(),
        "device": f"cpu ({os.cpu_count()} cores)",
        "corpus": {"generator": "openended.gdr.corpus.pii_corpus", "seed": 0, "rows": a.n},
        "configurations": results,
        "not_measured": "a vLLM server on a GPU: it could not be set up offline (its wheels and CUDA "
        "dependencies are several hundred MB); llama.cpp's server is the OpenAI-compatible server measured "
        "instead, on the CPU",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
