"""What every UED benchmark's result JSON starts with: what was measured, from what code, on which device.

Imported by the scripts beside it (run them as scripts, so this directory is on the path).
"""

from __future__ import annotations

from typing import Any

import jax

from openended.core.runs import provenance


def header(benchmark: str) -> dict[str, Any]:
    device = jax.devices()[0]
    return {
        "benchmark": benchmark,
        "provenance": provenance(),
        "device": str(device),
        "device_kind": device.device_kind,  # the model, e.g. the GPU's name
        "jax": jax.__version__,
    }
