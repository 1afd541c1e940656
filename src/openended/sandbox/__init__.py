"""Isolated execution of untrusted code (AIRA's solutions; any system that runs model-written programs)."""

from openended.sandbox.executor import (
    ExecutionResult,
    Limits,
    Sandbox,
    SandboxUnavailable,
    check,
)

__all__ = ["ExecutionResult", "Limits", "Sandbox", "SandboxUnavailable", "check"]
