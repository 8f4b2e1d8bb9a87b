"""`flexhub export --framework CODE [-o FILE]`: write a framework back as a scenario file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.core.management.base import FlexhubCommand
from flexhub.frameworks.models import Framework
from flexhub.scenarios.export import scenario_export
from flexhub.scenarios.yamlio import dump_yaml


class Command(FlexhubCommand):
    help = "Write a framework, its catalogue, contracts, SLA and tickets as a scenario YAML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework", required=True, help="framework code")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        framework = Framework.objects.filter(code=options["framework"]).first()
        if framework is None:
            known = ", ".join(Framework.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"unknown framework {options['framework']!r} (known: {known})")
        text = f"# flexhub export of {framework.code}\n" + dump_yaml(scenario_export(framework))
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
