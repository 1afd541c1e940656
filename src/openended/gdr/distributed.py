"""The Ray Data execution path: many workers, each with its own model (or LLM endpoint), one ledger.

Rows stream through ``map_batches`` to ``workers`` actors; actor *i* loads ``endpoints[i mod n]`` (default:
the rewriter spec), so a list of OpenAI-compatible servers is spread over the workers. Results come back to
the driver, which alone writes the ledger, so exactly-once accounting and resume work as in the local path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from openended.core.config import to_dict
from openended.gdr.config import GDRConfig
from openended.gdr.io import Row


def refine_with_ray(config: GDRConfig, rows: Iterable[Row], key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        import ray
    except ImportError:
        raise ImportError("the Ray executor needs Ray Data: pip install 'openended[gdr]'") from None
    items = [{"id": r.id, "data": json.dumps(r.data)} for r in rows]
    if not items:
        return
    ray.init(ignore_reinit_error=True, num_cpus=config.workers, include_dashboard=False, log_to_driver=False)

    @ray.remote
    class Counter:
        def __init__(self) -> None:
            self.n = -1

        def next(self) -> int:
            self.n += 1
            return self.n

    counter = Counter.remote()  # type: ignore[attr-defined]
    endpoints = list(config.endpoints) or [config.rewriter]

    class RefineBatch:
        def __init__(self, config_dict: dict[str, Any], key: str) -> None:
            from openended.core.config import from_dict
            from openended.gdr.pipeline import build_refiner
            from openended.llm import load

            cfg = from_dict(GDRConfig, config_dict)
            spec = endpoints[ray.get(counter.next.remote()) % len(endpoints)]
            judge = load(cfg.judge) if cfg.judge else None
            self.refiner = build_refiner(cfg, load(spec), judge, key)
            self.fields = cfg.fields

        def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
            rows = [Row(str(i), json.loads(d)) for i, d in zip(batch["id"], batch["data"], strict=True)]
            out = self.refiner.refine(rows, self.fields)
            records = [json.dumps(r, ensure_ascii=False) for _, r in out]
            return {"where": [w for w, _ in out], "record": records}

    ds = ray.data.from_items(items).map_batches(
        RefineBatch,
        fn_constructor_kwargs={"config_dict": to_dict(config), "key": key},
        concurrency=config.workers,
        batch_size=config.batch_size,
        num_cpus=1,
    )
    for row in ds.iter_rows():
        yield row["where"], json.loads(row["record"])
