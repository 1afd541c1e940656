"""Helpers shared by the core tests."""

from dataclasses import dataclass

from openended.core.config import Config, param


@dataclass(frozen=True)
class Cfg(Config):
    steps: int = param(5, "steps", ge=1)
