"""Helpers shared by the LibriBrain tests."""

from openended.core.runs import read_metrics


def final(path):
    return next(r for r in reversed(read_metrics(path)) if r.get("event") == "final")
