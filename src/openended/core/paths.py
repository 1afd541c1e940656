"""Where openended keeps what it makes outside run directories (converted models, a user's medal ladders)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$OPENENDED_CACHE`` or ``~/.cache/openended``."""
    return Path(os.environ.get("OPENENDED_CACHE", Path.home() / ".cache" / "openended"))
