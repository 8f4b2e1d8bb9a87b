"""`flexhub report exposure` (registered in core.reports): whose law can reach a member's data,
or a whole framework's.

flexhub report exposure --org ONS [--json]         # every service ONS buys, in every framework
flexhub report exposure --framework PSF [--json]   # every member, by supplier and by jurisdiction
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError

from flexhub.assurance import selectors
from flexhub.assurance.models import ExposureDecision
from flexhub.core.models import Organisation
from flexhub.core.reports import Report
from flexhub.frameworks.models import Framework


def _arguments(exposure: ArgumentParser) -> None:
    scope = exposure.add_mutually_exclusive_group(required=True)
    scope.add_argument("--org", help="a member's code: its data in every framework")
    scope.add_argument("--framework", help="a framework's code: every member, by supplier and jurisdiction")
    exposure.add_argument("--json", action="store_true", help="print the report as JSON")


def _run(options: dict[str, Any], write: Callable[[str], Any]) -> None:
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
        write(json.dumps(selectors.report_json(report, framework_wide=framework_wide), indent=2))
        return
    _print(report, write)


def _print(report: selectors.ExposureReport, write: Callable[[str], Any]) -> None:
    for line in report.services:
        a = line.assessment
        where = "; ".join(selectors.rules_location_text(loc) for loc in a.locations) or "not recorded"
        write(
            f"{line.framework.code} {line.member.code} {line.service.code}: {a.holding.label} data,"
            f" accredited for {a.accreditation}, {where}"
        )
        for e in line.exposures:
            through = ", ".join(e.through) or "the data's location"
            write(f"  {e.exposure.jurisdiction} law through {through}: {e.status}")
        for m in a.mismatches:
            write(f"  mismatch: {m.detail}")
    if not report.services:
        write("No services bought.")


EXPOSURE_REPORT = Report("exposure", "whose law can reach members' data and what they decided", _arguments, _run)
