"""Isolated execution of untrusted code (AIRA's solutions; any system that runs model-written programs), and
the one door (:mod:`openended.sandbox.workspace`) through which the harness touches what that code left."""

from openended.sandbox import workspace
from openended.sandbox.executor import (
    ExecutionResult,
    Limits,
    Sandbox,
    SandboxUnavailable,
    check,
)
from openended.sandbox.workspace import WorkspaceError

__all__ = [
    "ExecutionResult",
    "Limits",
    "Sandbox",
    "SandboxUnavailable",
    "WorkspaceError",
    "check",
    "workspace",
]
