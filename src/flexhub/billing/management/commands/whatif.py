"""`flexhub whatif --framework CODE --period YYYY-MM --join NAME=SEATS [...] [--json]`."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.billing.whatif import parse_joiners, whatif_report
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand
from flexhub.frameworks.models import Framework
from flexhub.rules.money import money_display
from flexhub.rules.periods import Month


class Command(FlexhubCommand):
    help = "Show what joining bodies would do to the pool, the price and every member's charge."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework", required=True)
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--join", action="append", default=[], metavar="NAME=SEATS")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        framework = Framework.objects.filter(code=options["framework"]).first()
        if framework is None:
            raise CommandError(f"unknown framework {options['framework']!r}")
        try:
            month = Month.parse(options["period"])
            report = whatif_report(framework, month, parse_joiners(options["join"]))
        except ValueError as exc:
            raise CommandError(f"--period: {exc}") from exc
        except RuleError as error:
            raise CommandError(error.message) from error
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        joining = ", ".join(f"{j['name']} ({j['seats']:,} seats)" for j in report["joiners"])
        self.stdout.write(f"{report['framework']} {report['period']}, if {joining} joined:")
        for pool in report["pools"]:
            b, a = pool["before"], pool["after"]
            self.stdout.write(
                f"  {pool['service']}: pool {b['size']:,} -> {a['size']:,}; "
                f"unit price {money_display(Decimal(b['unit_price']))} -> {money_display(Decimal(a['unit_price']))}"
            )
        for m in report["members"]:
            before = money_display(Decimal(m["before"])) if m["before"] else "-"
            after = money_display(Decimal(m["after"])) if m["after"] else "-"
            self.stdout.write(f"  {m['member']:<20} {before:>16} -> {after}")
        h = report["headroom"]
        self.stdout.write(
            f"  ceiling headroom {money_display(Decimal(h['before']))} -> {money_display(Decimal(h['after']))}"
        )
