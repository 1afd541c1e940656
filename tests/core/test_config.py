from dataclasses import dataclass
from typing import Literal

import pytest

from openended.core.config import Config, ConfigError, from_dict, param, resolve, to_dict


@dataclass(frozen=True)
class Inner(Config):
    lr: float = param(3e-4, "learning rate", gt=0.0)
    layers: tuple[int, ...] = param((16, 32), "widths", ge=1)


@dataclass(frozen=True)
class Outer(Config):
    temperature: float = param(0.3, "temperature", gt=0.0)
    mode: Literal["rank", "power"] = param("rank", "mode")
    steps: int = param(10, "steps", ge=1)
    flag: bool = param(False, "a switch")
    k: int | None = param(None, "optional", ge=1)
    inner: Inner = param(default_factory=Inner)


def test_defaults_and_to_dict():
    cfg = Outer()
    assert to_dict(cfg) == {
        "temperature": 0.3,
        "mode": "rank",
        "steps": 10,
        "flag": False,
        "k": None,
        "inner": {"lr": 3e-4, "layers": [16, 32]},
    }


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"temperature": -1.0}, "temperature", "must be > 0.0"),
        ({"temperature": "hot"}, "temperature", "not a number"),
        ({"mode": "softmax"}, "mode", "one of 'rank', 'power'"),
        ({"steps": 2.5}, "steps", "not an integer"),
        ({"steps": 0}, "steps", ">= 1"),
        ({"k": 0}, "k", ">= 1"),
        ({"flag": "maybe"}, "flag", "boolean"),
        ({"inner": {"lr": 0}}, "inner.lr", "> 0.0"),
        ({"inner": {"layers": [16, 0]}}, "inner.layers", ">= 1"),
        ({"inner": {"nope": 1}}, "inner.nope", "unknown field"),
        ({"tempreature": 1.0}, "tempreature", "unknown field"),
        ({"temperature": float("nan")}, "temperature", "NaN"),
    ],
)
def test_bad_values_name_the_field(data, field, fragment):
    with pytest.raises(ConfigError) as err:
        from_dict(Outer, data)
    assert err.value.field == field
    assert fragment in str(err.value)
    assert str(err.value).startswith(f"invalid config: {field}:")


def test_direct_construction_is_validated_too():
    with pytest.raises(ConfigError, match="temperature"):
        Outer(temperature=0.0)
    with pytest.raises(ConfigError, match="steps"):
        Outer(steps="3")  # strings only via from_dict/resolve, which coerce them


def test_strings_from_the_command_line_are_coerced():
    cfg = from_dict(
        Outer, {"temperature": "1.5", "steps": "7", "flag": "yes", "k": "none", "inner": {"layers": "8,4"}}
    )
    assert (cfg.temperature, cfg.steps, cfg.flag, cfg.k, cfg.inner.layers) == (1.5, 7, True, None, (8, 4))


@pytest.mark.parametrize("suffix", [".yaml", ".toml", ".json"])
def test_file_then_overrides(tmp_path, suffix):
    text = {
        ".yaml": "temperature: 2.0\nsteps: 5\ninner:\n  lr: 0.01\n",
        ".toml": "temperature = 2.0\nsteps = 5\n[inner]\nlr = 0.01\n",
        ".json": '{"temperature": 2.0, "steps": 5, "inner": {"lr": 0.01}}',
    }[suffix]
    path = tmp_path / f"c{suffix}"
    path.write_text(text)
    cfg = resolve(Outer, path, {"steps": "9", "inner.layers": "3"})
    assert (cfg.temperature, cfg.steps, cfg.inner.lr, cfg.inner.layers) == (2.0, 9, 0.01, (3,))


def test_bad_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        resolve(Outer, tmp_path / "missing.yaml")
    bad = tmp_path / "c.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        resolve(Outer, bad)
    bad.write_text("temperature: -3\n")
    with pytest.raises(ConfigError, match="temperature"):
        resolve(Outer, bad)


def test_nested_override_keeps_a_preset_subclass_section_defaults():
    from openended.core.config import from_dict
    from openended.ued.config import ReMiDiRunConfig

    cfg = from_dict(ReMiDiRunConfig, {"ppo": {"lr": 3e-4}})
    assert cfg.ppo.lr == 3e-4 and cfg.ppo.anneal_lr and cfg.ppo.gae_lambda == 0.95  # preset kept
