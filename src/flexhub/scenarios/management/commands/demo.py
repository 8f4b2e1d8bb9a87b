"""`flexhub demo`: load the demo frameworks and create one login per role per organisation."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser
from django.test.utils import override_settings

from flexhub.core.management.base import FlexhubCommand
from flexhub.scenarios.demo_data import DEMO_PASSWORD, demo_create


class Command(FlexhubCommand):
    help = "Create the demonstration data and logins (idempotent) and print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the logins as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's history (tickets raised, invoices issued years ago) is not mailed: the
        # console would drown the logins. Mail from the running server goes out as configured.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            logins = demo_create()
        if options["json"]:
            self.stdout.write(json.dumps({"password": DEMO_PASSWORD, "logins": logins}, indent=2))
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login['username']:<18} {login['role']:<16} {login['organisation']}")
