"""`flexhub import-staff --org CODE FILE.csv [--dry-run] [--json]`: a directory import, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand
from flexhub.core.models import Organisation
from flexhub.directory.management.commands.import_common import count_lines, report
from flexhub.directory.services import staff_import


class Command(FlexhubCommand):
    help = "Import a staff directory CSV (name,email,unit,site,grade,start_date,leave_date,predecessor)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organisation code")
        parser.add_argument("--dry-run", action="store_true", help="check and preview; write nothing")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        organisation = Organisation.objects.filter(code=options["org"]).first()
        if organisation is None:
            raise CommandError(f"unknown organisation {options['org']!r}")
        bar = tqdm(
            total=count_lines(path), unit="rows", file=sys.stderr, disable=options["json"], desc="writing", delay=1
        )
        try:
            summary = staff_import(
                actor=Actor.for_cli(),
                organisation=organisation,
                open_file=lambda: path.open("rb"),
                apply=not options["dry_run"],
                progress=bar.update,
            )
        except RuleError as error:
            raise CommandError(error.message) from error
        finally:
            bar.close()
        report(self, summary, options, str(path))
