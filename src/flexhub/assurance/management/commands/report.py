"""`flexhub report exposure`: whose law can reach a member's data, or a whole framework's.

flexhub report exposure --org ONS [--json]         # every service ONS buys, in every framework
flexhub report exposure --framework PSF [--json]   # every member, by supplier and by jurisdiction
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.assurance import selectors
from flexhub.assurance.models import ExposureDecision
from flexhub.core.management.base import FlexhubCommand
from flexhub.core.models import Organisation
from flexhub.frameworks.models import Framework


class Command(FlexhubCommand):
    help = "Reports: `exposure` says whose law can reach members' data and what they decided."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True)
        exposure = sub.add_parser("exposure", help="the exposure report of a member or a framework")
        scope = exposure.add_mutually_exclusive_group(required=True)
        scope.add_argument("--org", help="a member's code: its data in every framework")
        scope.add_argument("--framework", help="a framework's code: every member, by supplier and jurisdiction")
        exposure.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["org"]:
            member = Organisation.objects.filter(code=options["org"]).first()
            if member is None:
                raise CommandError(f"unknown organisation {options['org']!r}")
            if not member.is_member:
                raise CommandError(f"{member.code} is not a member")
            pairs = selectors.pairs_for_member(member)
            framework_wide = False
        else:
            framework = Framework.objects.filter(code=options["framework"]).first()
            if framework is None:
                raise CommandError(f"unknown framework {options['framework']!r}")
            pairs = selectors.pairs_for_framework(framework)
            framework_wide = True
        report = selectors.exposure_report(pairs=pairs, decisions=ExposureDecision.objects.all())
        if options["json"]:
            self.stdout.write(json.dumps(selectors.report_json(report, framework_wide=framework_wide), indent=2))
            return
        self._print(report)

    def _print(self, report: selectors.ExposureReport) -> None:
        for line in report.services:
            a = line.assessment
            where = "; ".join(selectors.rules_location_text(loc) for loc in a.locations) or "not recorded"
            self.stdout.write(
                f"{line.framework.code} {line.member.code} {line.service.code}: {a.holding.label} data,"
                f" accredited for {a.accreditation}, {where}"
            )
            for e in line.exposures:
                through = ", ".join(e.through) or "the data's location"
                self.stdout.write(f"  {e.exposure.jurisdiction} law through {through}: {e.status}")
            for m in a.mismatches:
                self.stdout.write(f"  mismatch: {m.detail}")
        if not report.services:
            self.stdout.write("No services bought.")
