"""openended.libribrain vs pnpl on the same synthetic files (speech: 0.8 s windows at 0.1 s stride; phoneme
and word: 0.5 s onset windows): windows per second over a pass in index order once a first pass is done,
each item a standardized float32 window as a training loop would read it; construction (reading,
statistics); **time to the first
batch** (construction + 32 windows in shuffled order) and **one full pass including construction** — what
a user waits for — both *cold* (the first construction on a machine: every run is read for its channel
statistics) and *warm* (later constructions of the same files: the statistics are cached, runs are read as
their windows are asked for). Each case is timed ``--repeats`` times, the median kept.

    python benchmarks/libribrain/bench_loader.py [--runs 4] [--run-s 120]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("PNPL_REMOTE_CONSTANTS_DISABLED", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from openended.core.runs import provenance
from openended.libribrain.dataset import PhonemeDataset, SpeechDataset, WordDataset
from openended.libribrain.synthetic import SyntheticSpec, make_synthetic


def rate(ds, n: int | None = None, batch: int | None = None) -> float:
    """Windows per second over a pass in index order, after one pass not timed: the rate of every epoch
    but the first (ours reads each run whole during the first pass; the full pass below times that)."""
    n = min(n or len(ds), len(ds))
    for i in range(n):
        ds[i]
    start = time.perf_counter()
    if batch:
        for a in range(0, n, batch):
            ds.batch(np.arange(a, min(a + batch, n)))
    else:
        for i in range(n):
            ds[i]
    return n / (time.perf_counter() - start)


def timed(make):
    start = time.perf_counter()
    ds = make()
    return ds, time.perf_counter() - start


def first_batch(make, size: int = 32) -> float:
    """Seconds from nothing to the first shuffled batch of ``size`` windows."""
    start = time.perf_counter()
    ds = make()
    order = np.random.default_rng(0).permutation(len(ds))[:size]
    for i in order:
        ds[int(i)]
    return time.perf_counter() - start


def full_pass(make) -> float:
    start = time.perf_counter()
    ds = make()
    for i in range(len(ds)):
        ds[i]
    return time.perf_counter() - start


def median(f, repeats: int, spread: dict | None = None, name: str = "") -> float:
    """The median of ``repeats`` timings of ``f``; every timing goes into ``spread[name]`` (this machine's
    times vary with the state of its memory, the ratios less)."""
    times = [f() for _ in range(repeats)]
    if spread is not None:
        spread[name] = times
    return float(np.median(times))


def cold(make):
    """``make`` with an empty statistics cache: the first construction on a machine."""

    def run():
        with tempfile.TemporaryDirectory() as cache:
            os.environ["OPENENDED_CACHE"] = cache
            return make()

    return run


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=4)
    p.add_argument("--run-s", type=float, default=120.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--out", default=str(Path(__file__).resolve().parents[1] / "results" / "libribrain-loader.json")
    )
    a = p.parse_args()
    warnings.simplefilter("ignore")
    from pnpl.datasets import LibriBrain100Word, LibriBrainPhoneme, LibriBrainSpeech

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        ours_root, pnpl_root = Path(tmp, "ours"), Path(tmp, "pnpl")
        keys = make_synthetic(ours_root, SyntheticSpec(train_runs=a.runs, run_s=a.run_s))[: a.runs]
        shutil.copytree(ours_root, pnpl_root)
        common = {"include_run_keys": keys, "download": False, "preload_files": False}
        cases = {
            "speech": (
                lambda: SpeechDataset(ours_root, keys=keys, tmax=0.8, stride=25),
                lambda pre: LibriBrainSpeech(
                    str(pnpl_root), tmin=0.0, tmax=0.8, stride=25, preload_h5=pre, **common
                ),
            ),
            "phoneme": (
                lambda: PhonemeDataset(ours_root, keys=keys),
                lambda pre: LibriBrainPhoneme(str(pnpl_root), tmin=0.0, tmax=0.5, preload_h5=pre, **common),
            ),
            # pnpl makes every word a sample; so does ours in keyword detection (word classification keeps
            # the vocabulary's words only): the same windows, the same work
            "word": (
                lambda: WordDataset(ours_root, keys=keys, keywords=("the",)),
                lambda pre: LibriBrain100Word(str(pnpl_root), include_run_keys=keys, download=False,
                                              preload_h5=pre),
            ),
        }  # fmt: skip
        warm_cache = str(Path(tmp, "cache"))
        for task, (ours_make, pnpl_make) in cases.items():
            os.environ["OPENENDED_CACHE"] = str(Path(tmp, f"cold-{task}"))
            ours, t_ours = timed(ours_make)
            pnpl_h5, t_pnpl = timed(lambda: pnpl_make(False))  # noqa: B023
            pnpl_pre, t_pre = timed(lambda: pnpl_make(True))  # noqa: B023
            assert abs(len(ours) - len(pnpl_h5)) <= 2 * a.runs
            r = {
                "windows": len(ours),
                "openended_items_per_s": rate(ours),
                "openended_batched_per_s": rate(ours, batch=64),
                "pnpl_items_per_s": rate(pnpl_h5),
                "pnpl_preload_h5_items_per_s": rate(pnpl_pre),
                "openended_construct_s": t_ours,
                "pnpl_construct_s": t_pnpl,
                "pnpl_preload_construct_s": t_pre,
            }
            r["pnpl_windows"] = len(pnpl_h5)
            spread: dict[str, list[float]] = {}

            def timing(name: str, f, repeats: int = a.repeats) -> None:
                r[name] = median(f, repeats, spread, name)  # noqa: B023

            # cold: nothing cached, every run is read for its statistics; warm: a later construction of the
            # same files finds them (cache keyed by path, size and modification time) and reads lazily
            timing("openended_cold_first_batch_s", lambda: first_batch(cold(ours_make)))  # noqa: B023
            timing("openended_cold_full_pass_s", lambda: full_pass(cold(ours_make)))  # noqa: B023
            os.environ["OPENENDED_CACHE"] = warm_cache
            ours_make()
            timing("openended_first_batch_s", lambda: first_batch(ours_make))  # noqa: B023
            timing("pnpl_first_batch_s", lambda: first_batch(lambda: pnpl_make(False)))  # noqa: B023
            timing("pnpl_preload_first_batch_s", lambda: first_batch(lambda: pnpl_make(True)))  # noqa: B023
            timing("openended_full_pass_s", lambda: full_pass(ours_make))  # noqa: B023
            timing("pnpl_full_pass_s", lambda: full_pass(lambda: pnpl_make(False)), 1)  # noqa: B023
            timing("pnpl_preload_full_pass_s", lambda: full_pass(lambda: pnpl_make(True)), 1)  # noqa: B023
            per_window = lambda s, n: s / n  # noqa: E731 -- counts may differ by a window at a run end
            r["cold_first_batch_speedup_vs_pnpl"] = (
                r["pnpl_first_batch_s"] / r["openended_cold_first_batch_s"]
            )
            r["cold_full_pass_speedup_vs_pnpl"] = per_window(
                r["pnpl_full_pass_s"], len(pnpl_h5)
            ) / per_window(r["openended_cold_full_pass_s"], len(ours))
            r["first_batch_speedup_vs_pnpl"] = r["pnpl_first_batch_s"] / r["openended_first_batch_s"]
            r["first_batch_speedup_vs_pnpl_preload_h5"] = (
                r["pnpl_preload_first_batch_s"] / r["openended_first_batch_s"]
            )
            r["full_pass_speedup_vs_pnpl"] = per_window(r["pnpl_full_pass_s"], len(pnpl_h5)) / per_window(
                r["openended_full_pass_s"], len(ours)
            )
            r["full_pass_speedup_vs_pnpl_preload_h5"] = per_window(
                r["pnpl_preload_full_pass_s"], len(pnpl_h5)
            ) / per_window(r["openended_full_pass_s"], len(ours))
            r["speedup_vs_pnpl"] = r["openended_items_per_s"] / r["pnpl_items_per_s"]
            r["speedup_vs_pnpl_preload_h5"] = r["openended_items_per_s"] / r["pnpl_preload_h5_items_per_s"]
            r["all_timings_s"] = spread
            results[task] = r
            print(task, {k: round(v, 2) for k, v in r.items() if isinstance(v, float | int)}, flush=True)
    out = {
        "benchmark": "libribrain-loader",
        "provenance": provenance(),
        "device": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "data": {"runs": a.runs, "run_s": a.run_s, "synthetic": True},
        "results": results,
    }
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
