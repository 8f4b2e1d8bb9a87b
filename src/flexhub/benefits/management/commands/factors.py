"""`flexhub factors load FILE.csv`: the grid emission factors, one a year (year,kg_co2e_per_kwh,source)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.benefits.models import EmissionFactor
from flexhub.benefits.services import factors_load
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand


class Command(FlexhubCommand):
    help = "Load grid emission factors from a CSV (all or nothing), or list them."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load,list}")
        load = actions.add_parser("load", help="load year,kg_co2e_per_kwh,source rows")
        load.add_argument("file")
        actions.add_parser("list", help="the factors loaded")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for factor in EmissionFactor.objects.all():
                self.stdout.write(f"{factor.year}  {factor.kg_co2e_per_kwh}  {factor.source}")
            return
        try:
            with open(options["file"], "rb") as binary:
                result = factors_load(actor=Actor.for_cli(), binary=binary)
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from exc
        except RuleError as error:
            raise CommandError(error.message) from error
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"{options['file']}: {problem}")
            raise CommandError(f"nothing loaded: {len(result.problems)} problem(s)")
        self.stdout.write(f"{result.added} added, {result.changed} changed, {result.unchanged} unchanged")
