"""`flexhub sla YYYY-MM --framework CODE [--json]`: tickets measured and service credits for a month."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.billing.sla_report import sla_month_report
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand
from flexhub.frameworks.models import Framework
from flexhub.rules.money import money_display
from flexhub.rules.periods import Month
from flexhub.servicedesk.tasks import sla_sweep_task


class Command(FlexhubCommand):
    help = "Report SLA response and resolution for a month and the service credits they earn; or sweep for breaches."

    def _sweep(self, options: dict[str, Any]) -> None:
        result = sla_sweep_task.enqueue()
        if result.status == "SUCCESSFUL":
            outcome = result.return_value or {}
            if options["json"]:
                self.stdout.write(json.dumps(outcome))
            else:
                self.stdout.write(
                    f"sweep at {outcome.get('checked_at')}: {outcome.get('breached', 0)} breach(es) recorded, "
                    f"{outcome.get('warned', 0)} warning(s) sent"
                )
        else:
            self.stdout.write(f"sweep queued as task {result.id} ({result.status})")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("period", nargs="?", help="the month, YYYY-MM")
        parser.add_argument("--framework")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--sweep",
            action="store_true",
            help="record breaches of open tickets as they happen and warn of imminent ones (run it every few minutes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sweep"]:
            self._sweep(options)
            return
        if not options["period"] or not options["framework"]:
            raise CommandError("give the month (YYYY-MM) and --framework CODE, or --sweep")
        framework = Framework.objects.filter(code=options["framework"]).first()
        if framework is None:
            raise CommandError(f"unknown framework {options['framework']!r}")
        try:
            month = Month.parse(options["period"])
        except ValueError as exc:
            raise CommandError(f"period: {exc}") from exc
        try:
            report = sla_month_report(framework, month)
        except RuleError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f"{report['framework']} {report['period']}: {len(report['tickets'])} tickets")
        for t in report["tickets"]:
            flags = []
            if t["response_breached"]:
                flags.append("response breached")
            if t["resolution_breached"]:
                flags.append(f"resolution breached ({t['breached_in']})")
            self.stdout.write(
                f"  {t['ref']:<12} {t['member']:<8} {t['priority']} respond {t['response_minutes']} min, "
                f"resolve {t['resolution_minutes']} min{'; ' + ', '.join(flags) if flags else ''}"
            )
        for c in report["credits"]:
            self.stdout.write(
                f"  credit {c['member']} {c['priority']}: {c['breaches']} breach(es), "
                f"{c['percent']}% = {money_display(Decimal(c['amount']))} credited"
            )
