"""The reports `flexhub report NAME` prints; apps register their own here (from AppConfig.ready),
as they register navigation entries and panels, so that one command serves every app's reports
without core knowing the apps."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Report:
    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    # Prints the report for the parsed options with `write`; raises CommandError for bad input.
    run: Callable[[dict[str, Any], Callable[[str], Any]], None]


_REGISTRY: dict[str, Report] = {}


def register(report: Report) -> None:
    """Add a report (once: AppConfig.ready may run twice in tests)."""
    _REGISTRY.setdefault(report.name, report)


def registered() -> list[Report]:
    """Every report, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]
