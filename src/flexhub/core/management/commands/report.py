"""`flexhub report NAME ...`: the reports apps register in core.reports (exposure, carbon,
savings, ...); `flexhub report --help` lists them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from flexhub.core import reports
from flexhub.core.management.base import FlexhubCommand


class Command(FlexhubCommand):
    help = "Reports: " + "; ".join(f"`{r.name}` {r.help}" for r in reports.registered())

    def add_arguments(self, parser: CommandParser) -> None:
        chosen = parser.add_subparsers(dest="report", required=True)
        for report in reports.registered():
            report.add_arguments(chosen.add_parser(report.name, help=report.help))

    def handle(self, *args: Any, **options: Any) -> None:
        report = {r.name: r for r in reports.registered()}[options["report"]]
        report.run(options, self.stdout.write)
