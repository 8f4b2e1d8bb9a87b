"""What the import commands share: counting rows for the progress bar, and reporting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from flexhub.core.csvimport import ImportSummary


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)


def report(command: BaseCommand, summary: ImportSummary, options: dict[str, Any], what: str) -> None:
    """Print the outcome (or every problem, and fail) the same way for every import command."""
    if options["json"]:
        command.stdout.write(json.dumps(summary.as_dict(), indent=2))
    if not summary.ok:
        lines = [str(p) for p in summary.problems]
        if summary.problems.more:
            lines.append(f"... and {summary.problems.more} more")
        raise CommandError(f"{summary.problems.total} problem(s); nothing imported:\n" + "\n".join(lines))
    if options["json"]:
        return
    verb = "imported" if summary.applied else "would import (dry run)"
    command.stdout.write(
        f"{what}: {summary.rows} rows {verb}: {summary.adds} new, {summary.changes} changed, "
        f"{summary.leavers} leaving, {summary.unchanged} unchanged"
    )
