"""`flexhub transfer-staff --org CODE --to SUPPLIER --date YYYY-MM-DD FILE.csv`: TUPE transfers of the
people a CSV of emails lists, all or nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand
from flexhub.core.models import Organisation
from flexhub.directory.services import tupe_transfer_import


class Command(FlexhubCommand):
    help = "Transfer to a supplier under TUPE the people a CSV lists (one column: email); all or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="code of the member the people transfer from")
        parser.add_argument("--to", required=True, help="code of the supplier they transfer to")
        parser.add_argument("--date", required=True, help="transfer date, YYYY-MM-DD")
        parser.add_argument("--terms-not-protected", action="store_true", help="terms and conditions not protected")
        parser.add_argument("--note", default="")
        parser.add_argument("--dry-run", action="store_true", help="check every row; transfer nobody")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        member = Organisation.objects.filter(code=options["org"]).first()
        if member is None:
            raise CommandError(f"unknown organisation {options['org']!r}")
        supplier = Organisation.objects.filter(code=options["to"]).first()
        if supplier is None:
            raise CommandError(f"unknown organisation {options['to']!r}")
        try:
            transfer_date = dt.date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError(f"--date {options['date']!r} is not a date written YYYY-MM-DD") from error
        try:
            check = tupe_transfer_import(
                actor=Actor.for_cli(),
                member=member,
                open_file=lambda: path.open("rb"),
                to_supplier=supplier,
                transfer_date=transfer_date,
                terms_protected=not options["terms_not_protected"],
                note=options["note"],
                apply=not options["dry_run"],
            )
        except RuleError as error:
            raise CommandError(error.message) from error
        if not check.ok:
            lines = [str(p) for p in check.problems]
            if check.problems.more:
                lines.append(f"... and {check.problems.more} more")
            raise CommandError(f"{check.problems.total} problem(s); nobody transferred:\n" + "\n".join(lines))
        emails = [p.email for p in check.people]
        if options["json"]:
            outcome = {"transferred": check.applied, "to": supplier.code, "people": emails}
            self.stdout.write(json.dumps(outcome, indent=2))
            return
        verb = "transferred" if check.applied else "would transfer (dry run)"
        self.stdout.write(
            f"{path}: {len(emails)} people {verb} from {member.code} to {supplier.code} on {transfer_date}"
        )
