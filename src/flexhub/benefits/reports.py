"""`flexhub report carbon|savings (--org CODE [--framework CODE] | --framework CODE) --year YYYY [--json]`
(registered in core.reports)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError

from flexhub.benefits import selectors
from flexhub.core.errors import RuleError
from flexhub.core.reports import Report
from flexhub.frameworks.models import Framework
from flexhub.rules.money import money_display


def _year(text: str) -> int:
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise ValueError(f"{text!r} is not a year (YYYY)")
    return int(text)


def _arguments(sub: ArgumentParser) -> None:
    sub.add_argument("--org", help="a member's code")
    sub.add_argument("--framework", help="a framework's code: its total, or which of the member's frameworks")
    sub.add_argument("--year", required=True, help="YYYY")
    sub.add_argument("--json", action="store_true")


def _run(options: dict[str, Any], write: Callable[[str], Any]) -> None:
    try:
        year = _year(options["year"])
    except ValueError as exc:
        raise CommandError(f"--year: {exc}") from exc
    org, framework_code = options["org"], options["framework"]
    if not org and not framework_code:
        raise CommandError("give --org CODE for a member or --framework CODE for a framework's total")
    try:
        if org:
            baseline = selectors.baseline_for_cli(org=org, framework=framework_code)
            report: Any = (
                selectors.member_carbon(baseline, year)
                if options["report"] == "carbon"
                else selectors.member_savings(baseline, year)
            )
        else:
            framework = Framework.objects.filter(code=framework_code).first()
            if framework is None:
                raise CommandError(f"unknown framework {framework_code!r}")
            report = (
                selectors.whole_framework_carbon(framework, year)
                if options["report"] == "carbon"
                else selectors.whole_framework_savings(framework, year)
            )
    except RuleError as error:
        raise CommandError(error.message) from error
    answer = report.as_json()
    if options["json"]:
        write(json.dumps(answer, indent=2))
        return
    _text(options["report"], answer, write)


def _text(kind: str, answer: dict[str, Any], write: Callable[[str], Any]) -> None:
    who = answer.get("org") or answer.get("framework")
    if kind == "carbon":
        write(
            f"{who} {answer['year']}: {answer['kwh']:,} kWh, {answer['tco2e']} tCO2e "
            f"at {answer['factor']} kg/kWh ({answer['factor_source']})"
        )
        for d in answer["devices"]:
            write(f"  {d['model']:<32} {d['count']:>7,} {d['kwh']:>12,} kWh")
        write(
            f"  baseline {answer['baseline_kwh']:,} kWh, {answer['baseline_tco2e']} tCO2e; "
            f"avoided {answer['avoided_tco2e']} tCO2e"
        )
        return
    write(f"{who} {answer['year']}:")

    def money(key: str) -> str:
        return money_display(Decimal(answer[key]))

    for part, label in (("it", "IT"), ("desktop", "Desktop")):
        write(
            f"  {label}: baseline {money(f'baseline_{part}')}, invoiced {money(f'invoiced_{part}')}, "
            f"saving {money(f'saving_{part}')} ({answer[f'saving_{part}_percent'] or '-'}% "
            f"against a target of {answer[f'target_{part}_percent']}%)"
        )
    write(f"  pooling saving {money('pooling_saving')}")


CARBON_REPORT = Report("carbon", "energy and tCO2e of the estate against the baseline device", _arguments, _run)
SAVINGS_REPORT = Report("savings", "what was invoiced against the baseline costs and the targets", _arguments, _run)
