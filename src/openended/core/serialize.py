"""A safe on-disk format for nested state: one ``.npz`` file, no pickle.

Checkpoints and archives hold nested dicts/lists of arrays, numbers and strings (RNG states included).
Pickle would make loading a run directory equivalent to running its code, so the tree is stored as JSON
with each array moved into the same ``.npz`` file and loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

_TREE_KEY = "__tree__"


def _encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError("object arrays cannot be saved safely; convert them to lists")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__ndarray__": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise TypeError("only string keys can be saved")
        if "__ndarray__" in obj or "__tuple__" in obj:
            raise TypeError("reserved key in saved dict")
        return {k: _encode(v, arrays) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if hasattr(obj, "__array__"):  # jax / torch arrays
        return _encode(np.asarray(obj), arrays)
    raise TypeError(f"cannot save a value of type {type(obj).__name__}")


def _decode(obj: Any, arrays: Any) -> Any:
    if isinstance(obj, dict):
        if "__ndarray__" in obj:
            return arrays[obj["__ndarray__"]]
        if "__tuple__" in obj:
            return tuple(_decode(v, arrays) for v in obj["__tuple__"])
        return {k: _decode(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    return obj


def replace_atomically(
    path: str | os.PathLike, write: Callable[[BinaryIO], object], mode: int = 0o666
) -> Path:
    """Write ``path`` through ``write(file)`` atomically: a crash leaves the old file or the new one, never
    half. The temporary file beside it gets a fresh random name, opened with ``O_EXCL``, so nothing planted at
    a fixed name (a link) is ever written through. ``mode``: the new file's permissions (the umask applies;
    0o600 for a file only its owner may read, from its first byte)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)  # umask applies, unlike mkstemp's 0600
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | os.PathLike, text: str, mode: int = 0o666) -> Path:
    """``text`` (UTF-8) to ``path`` through :func:`replace_atomically`."""
    return replace_atomically(path, lambda f: f.write(text.encode("utf-8")), mode)


def save_tree(path: str | os.PathLike, tree: Any) -> Path:
    """Write ``tree`` to ``path`` atomically (a crash leaves the old file or the new one, never half)."""
    arrays: dict[str, np.ndarray] = {}
    encoded = _encode(tree, arrays)
    arrays[_TREE_KEY] = np.array(json.dumps(encoded))
    # keys never collide with savez options
    return replace_atomically(path, lambda f: np.savez(f, **arrays))  # type: ignore[arg-type]


def load_tree(path: str | os.PathLike) -> Any:
    """Read a tree written by :func:`save_tree`."""
    with np.load(Path(path), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return _decode(json.loads(str(arrays.pop(_TREE_KEY))), arrays)
