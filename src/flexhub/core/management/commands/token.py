"""`flexhub token USERNAME`: print the login's API token, creating it if needed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.core import services
from flexhub.core.audit import Actor
from flexhub.core.management.base import FlexhubCommand
from flexhub.core.models import User


class Command(FlexhubCommand):
    help = "Print (creating if needed) a login's API token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"unknown user {options['username']!r}")
        if not user.is_active:
            raise CommandError(f"{user.username} cannot sign in (deactivated)")
        self.stdout.write(services.user_token(actor=Actor.for_cli(), user=user))
