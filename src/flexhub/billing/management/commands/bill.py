"""`flexhub bill YYYY-MM --framework CODE [--issue] [--json]`, or a range with --from/--to."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from flexhub.billing.selectors import billing_terms
from flexhub.billing.services import billed_month_json, billing_issue, billing_month
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand
from flexhub.frameworks.models import Framework
from flexhub.rules.money import money_display
from flexhub.rules.periods import Month, months


def month_argument(value: str, label: str) -> Month:
    try:
        return Month.parse(value)
    except ValueError as exc:
        raise CommandError(f"{label}: {exc}") from exc


class Command(FlexhubCommand):
    help = "Run billing for a month (or a range of months): draft invoices, and with --issue, issued ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("period", nargs="?", help="the month, YYYY-MM")
        parser.add_argument("--framework", required=True)
        parser.add_argument("--from", dest="first", help="first month of a range, YYYY-MM")
        parser.add_argument("--to", dest="last", help="last month of a range, YYYY-MM")
        parser.add_argument("--issue", action="store_true", help="issue the drafts (numbers them)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        framework = Framework.objects.filter(code=options["framework"]).first()
        if framework is None:
            raise CommandError(f"unknown framework {options['framework']!r}")
        if options["period"] and (options["first"] or options["last"]):
            raise CommandError("give either a month or --from/--to, not both")
        if options["period"]:
            periods = [month_argument(options["period"], "period")]
        elif options["first"] and options["last"]:
            first = month_argument(options["first"], "--from")
            last = month_argument(options["last"], "--to")
            if last < first:
                raise CommandError("--to is before --from")
            periods = list(months(first, last))
        else:
            raise CommandError("give a month (YYYY-MM) or --from and --to")
        actor = Actor.for_cli()
        terms = billing_terms(framework)
        results = []
        progress = tqdm(
            periods,
            desc=f"billing {framework.code}",
            unit="month",
            file=sys.stderr,
            disable=len(periods) < 2,
        )
        try:
            for month in progress:
                billed = billing_month(actor=actor, framework=framework, month=month, terms=terms)
                issued = billing_issue(actor=actor, framework=framework, month=month) if options["issue"] else None
                # The summary is made from what was just computed, not read back from the database.
                results.append(billed_month_json(billed, issued))
        except RuleError as error:
            raise CommandError(error.message) from error
        if options["json"]:
            self.stdout.write(json.dumps(results[0] if len(results) == 1 else results, indent=2))
            return
        for result in results:
            total = sum((Decimal(i["total"]) for i in result["invoices"]), Decimal("0"))
            pools = ", ".join(
                f"{p['service']} pool {p['size']:,} at {money_display(Decimal(p['unit_price']))}"
                for p in result["pools"]
            )
            self.stdout.write(
                f"{result['framework']} {result['period']}: {len(result['invoices'])} invoices, "
                f"total {money_display(total)}" + (f" ({pools})" if pools else "")
            )
