"""`flexhub load FILE`: validate a scenario file whole, then load it in one transaction."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand
from flexhub.scenarios.schema import ScenarioInvalid
from flexhub.scenarios.services import scenario_load, scenario_parse


def read_scenario_text(path: str) -> str:
    """The file's text; a missing or non-UTF-8 file is a RuleError, not a traceback."""
    file = Path(path)
    if not file.is_file():
        raise RuleError(f"{path}: no such file")
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


class Command(FlexhubCommand):
    help = "Load a framework scenario (YAML). Nothing is written unless the whole file is valid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            scenario = scenario_parse(read_scenario_text(options["file"]))
            report = None if options["check"] else scenario_load(actor=Actor.for_cli(), scenario=scenario)
        except ScenarioInvalid as invalid:
            if options["json"]:
                self.stdout.write(json.dumps({"ok": False, "errors": invalid.errors}, indent=2))
            count = invalid.total
            raise CommandError(
                f"{options['file']}: {count} error{'s' if count != 1 else ''}, nothing loaded\n"
                + "\n".join(invalid.errors)
            ) from invalid
        except RuleError as error:
            raise CommandError(f"{options['file']}: {error.message}; nothing loaded") from error
        seconds = time.perf_counter() - started
        if options["json"]:
            body: dict[str, Any] = {"ok": True, "seconds": round(seconds, 2)}
            if report:
                body.update(report.as_dict())
            self.stdout.write(json.dumps(body, indent=2))
            return
        if report is None:
            self.stdout.write(f"{options['file']}: valid ({scenario.framework.code})")
            return
        parts = []
        for label, counts in (
            ("created", report.created),
            ("updated", report.updated),
            ("unchanged", report.unchanged),
        ):
            if counts:
                parts.append(label + " " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
        summary = "; ".join(parts) or "nothing to change"
        self.stdout.write(f"loaded {report.framework} in {seconds:.1f}s: {summary}")
