"""Typed configs: dataclasses with documented, validated defaults.

A system's config is a frozen dataclass deriving from :class:`Config`; each field is declared with
:func:`param`, which records its help text and allowed range. Values come from the defaults, then an
optional YAML/TOML/JSON file, then command-line flags (``--field value``, nested as ``--ppo.lr``). Every
value is checked when the config is built, so a bad one fails before any work with one message naming the
field and what is allowed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import operator
import tomllib
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import yaml

from openended.core.errors import UserError

C = TypeVar("C", bound="Config")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_BOUNDS = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}
_SYMBOLS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}


class ConfigError(UserError, ValueError):
    """An invalid config value; ``field`` is the dotted name of the offending field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"invalid config: {field}: {message}" if field else f"invalid config: {message}")

    def within(self, prefix: str) -> ConfigError:
        return ConfigError(f"{prefix}{self.field}", self.message)


def param(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    check: Callable[[Any], str | None] | None = None,
    default_factory: Callable[[], Any] | Any = dataclasses.MISSING,
) -> Any:
    """Declare a config field with its help text and bounds (``ge``/``gt``/``le``/``lt``).

    ``check`` is an extra test returning an error message (or ``None`` when the value is fine).
    """
    meta = {"help": help, "ge": ge, "gt": gt, "le": le, "lt": lt, "check": check}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclasses.dataclass(frozen=True)
class Config:
    """Base of every system config: validates all fields on construction."""

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            try:
                _check_value(value, hints[f.name], f.metadata)
            except ConfigError as err:
                raise ConfigError(f.name + (f".{err.field}" if err.field else ""), err.message) from None
        self.validate()

    def validate(self) -> None:
        """Cross-field checks; override and raise :class:`ConfigError` naming the field."""

    def replace(self: C, **changes: Any) -> C:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


# --- type handling -------------------------------------------------------------------------------


def _is_config(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Config)


def _optional_inner(tp: Any) -> Any | None:
    """For ``X | None`` return ``X``; otherwise ``None``."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0]
    return None


def describe_type(tp: Any) -> str:
    inner = _optional_inner(tp)
    if inner is not None:
        return f"{describe_type(inner)} or none"
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if get_origin(tp) in (tuple, list):
        return f"a list of {describe_type(get_args(tp)[0])}"
    return getattr(tp, "__name__", str(tp))


def coerce(value: Any, tp: Any) -> Any:
    """Convert ``value`` (from a file or the command line) to type ``tp``; raise ConfigError('')."""
    inner = _optional_inner(tp)
    if inner is not None:
        if value is None or (isinstance(value, str) and value.lower() in {"none", "null"}):
            return None
        return coerce(value, inner)
    origin = get_origin(tp)
    if origin is Literal:
        allowed = get_args(tp)
        for a in allowed:
            if value == a or (isinstance(value, str) and not isinstance(a, str) and value == str(a)):
                return a
        raise ConfigError("", f"{value!r} is not allowed: must be {describe_type(tp)}")
    if origin in (tuple, list):
        (item_tp, *_rest) = get_args(tp) or (Any,)
        items = value
        if isinstance(value, str):
            items = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(items, list | tuple):
            raise ConfigError("", f"{value!r} is not {describe_type(tp)}")
        out = [coerce(v, item_tp) for v in items]
        return tuple(out) if origin is tuple else out
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise ConfigError("", f"{value!r} is not a boolean (true/false)")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError("", f"{value!r} is not an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise ConfigError("", f"{value!r} is not an integer")
    if tp is float:
        if isinstance(value, bool):
            raise ConfigError("", f"{value!r} is not a number")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError("", f"{value!r} is not a number") from None
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError("", f"{value!r} is not a string")
    return value


def _check_value(value: Any, tp: Any, meta: Mapping[str, Any]) -> None:
    """Check type and bounds of an already-built value; raise ConfigError('') on failure."""
    if _is_config(tp):
        if not isinstance(value, tp):
            raise ConfigError("", f"expected a {tp.__name__}, got {type(value).__name__}")
        return
    coerced = coerce(value, tp)
    if coerced is None:
        return
    if isinstance(value, str) and not isinstance(coerced, str):
        raise ConfigError("", f"{value!r} is a string; expected {describe_type(tp)}")
    for item in coerced if isinstance(coerced, tuple | list) else [coerced]:
        if isinstance(item, float) and math.isnan(item):
            raise ConfigError("", "must not be NaN")
        for key, ok in _BOUNDS.items():
            bound = meta.get(key)
            if bound is not None and isinstance(item, int | float) and not ok(item, bound):
                raise ConfigError("", f"{value!r} is out of range: must be {describe_bounds(meta)}")
    check = meta.get("check")
    if check is not None and (message := check(coerced)):
        raise ConfigError("", f"{value!r} is invalid: {message}")


def describe_bounds(meta: Mapping[str, Any]) -> str:
    parts = [f"{symbol} {meta[key]}" for key, symbol in _SYMBOLS.items() if meta.get(key) is not None]
    return " and ".join(parts) if parts else "any value"


# --- building configs ----------------------------------------------------------------------------


def iter_fields(cls: type[Config], prefix: str = "") -> Iterator[tuple[str, Any, dataclasses.Field]]:
    """Yield ``(dotted_name, type, field)`` for every leaf field, descending into nested configs."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if _is_config(tp):
            yield from iter_fields(tp, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", tp, f


def from_dict(cls: type[C], data: Mapping[str, Any], prefix: str = "") -> C:
    """Build ``cls`` from a (possibly nested) mapping, coercing and validating every value."""
    if not isinstance(data, Mapping):
        raise ConfigError(prefix.rstrip("."), f"expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]}", f"unknown field (known: {', '.join(sorted(names))})")
    kwargs: dict[str, Any] = {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name, value in data.items():
        tp = hints[name]
        if _is_config(tp):
            # a partial nested mapping overrides *this* class's default for the section, which may differ
            # from the section class's own defaults (a preset subclass)
            factory = fields[name].default_factory
            if isinstance(value, Mapping) and factory is not dataclasses.MISSING:
                value = _merge(to_dict(factory()), value)
            kwargs[name] = from_dict(tp, value, f"{prefix}{name}.")
        else:
            try:
                kwargs[name] = coerce(value, tp)
            except ConfigError as err:
                raise err.within(f"{prefix}{name}") from None
    try:
        return cls(**kwargs)
    except ConfigError as err:
        raise err.within(prefix) from None


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def to_dict(cfg: Config) -> dict[str, Any]:
    """Plain nested dict of a config (tuples become lists), suitable for JSON/YAML."""
    return json.loads(json.dumps(dataclasses.asdict(cfg)))


def load_file(path: str | Path) -> dict[str, Any]:
    """Read a config mapping from a ``.yaml``/``.yml``, ``.toml`` or ``.json`` file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("", f"config file {path} does not exist")
    text = path.read_text()
    suffix = path.suffix.lower()
    try:
        if suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(text) or {}
        elif suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError("", f"config file {path} must end in .yaml, .yml, .toml or .json")
    except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError) as err:
        raise ConfigError("", f"cannot parse {path}: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError("", f"{path} must hold a mapping of field names to values")
    return data


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """``data["a"]["b"] = value`` for ``dotted`` = ``"a.b"`` (a config's dict form, before ``from_dict``)."""
    *parents, leaf = dotted.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(dotted, f"{p} is not a nested config")
    node[leaf] = value


def resolve(cls: type[C], file: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> C:
    """Defaults, then ``file``, then ``overrides`` (dotted names), validated."""
    data: dict[str, Any] = load_file(file) if file else {}
    for dotted, value in (overrides or {}).items():
        set_dotted(data, dotted, value)
    return from_dict(cls, data)


# --- command line --------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser, cls: type[Config]) -> None:
    """Add one ``--name`` flag per (nested) field of ``cls``; parsed values land under ``cfg:<name>``."""
    group = parser.add_argument_group(f"{cls.__name__} fields (defaults < --config file < flags)")
    defaults = to_dict(cls())
    for dotted, tp, f in iter_fields(cls):
        default: Any = defaults
        for part in dotted.split("."):
            default = default[part]
        bounds = describe_bounds(f.metadata)
        extra = [f"default {default!r}"]
        if bounds != "any value":
            extra.append(bounds)
        if get_origin(tp) is Literal:
            extra.append(describe_type(tp))
        help_text = f"{f.metadata.get('help', '')} ({'; '.join(extra)})".replace("%", "%%")
        flag = "--" + dotted.replace("_", "-")
        if tp is bool:
            group.add_argument(
                flag,
                dest=f"cfg:{dotted}",
                action=argparse.BooleanOptionalAction,
                default=argparse.SUPPRESS,
                help=help_text,
            )
        else:
            group.add_argument(
                flag,
                dest=f"cfg:{dotted}",
                default=argparse.SUPPRESS,
                metavar=dotted.split(".")[-1].upper(),
                help=help_text,
            )


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    return {k[4:]: v for k, v in vars(args).items() if k.startswith("cfg:")}
