"""`flexhub import-assets --org CODE FILE.csv [--dry-run] [--json]`: an asset register import, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from flexhub.assets.services import asset_import
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand
from flexhub.core.models import Organisation
from flexhub.directory.management.commands import import_common


class Command(FlexhubCommand):
    help = "Import assets from CSV (asset_tag,serial,kind,manufacturer,model,site,status,assigned_email)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="organisation code")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        organisation = Organisation.objects.filter(code=options["org"]).first()
        if organisation is None:
            raise CommandError(f"unknown organisation {options['org']!r}")
        bar = tqdm(
            total=import_common.count_lines(path), unit="rows", file=sys.stderr, disable=options["json"], delay=1
        )
        try:
            summary = asset_import(
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
        import_common.report(self, summary, options, str(path))
