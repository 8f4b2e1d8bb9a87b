"""`flexhub user add USERNAME --org CODE --role ROLE [--password-stdin]`, `flexhub user list`,
`flexhub user set-password USERNAME` and `flexhub user reset-2fa USERNAME [--reason TEXT]`."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.core import services, signin
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand
from flexhub.core.models import Organisation, User
from flexhub.core.roles import Role


class Command(FlexhubCommand):
    help = "Add or list logins."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create a login in an organisation")
        add.add_argument("username")
        add.add_argument("--org", required=True, help="organisation code")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--email", default="")
        add.add_argument("--first-name", default="")
        add.add_argument("--last-name", default="")
        add.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input (otherwise prompted; empty for token-only)",
        )
        lst = sub.add_parser("list", help="list logins")
        lst.add_argument("--org", help="only this organisation's")
        pw = sub.add_parser("set-password", help="set a login's password")
        pw.add_argument("username")
        pw.add_argument("--password-stdin", action="store_true")
        reset = sub.add_parser("reset-2fa", help="remove a login's authenticator and recovery codes (device lost)")
        reset.add_argument("username")
        reset.add_argument("--reason", default="", help="kept in the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            self._add(options)
        elif action == "list":
            self._list(options)
        elif action == "reset-2fa":
            self._reset_two_factor(options)
        else:
            self._set_password(options)

    def _read_password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty():
            return ""
        first = getpass.getpass("Password (empty for API-token only): ")
        if first and getpass.getpass("Password again: ") != first:
            raise CommandError("the passwords do not match")
        return first

    def _add(self, options: dict[str, Any]) -> None:
        organisation = Organisation.objects.filter(code=options["org"]).first()
        if organisation is None:
            raise CommandError(f"unknown organisation {options['org']!r}")
        password = self._read_password(options["password_stdin"])
        try:
            user = services.user_create(
                actor=Actor.for_cli(),
                username=options["username"],
                organisation=organisation,
                role=options["role"],
                password=password or None,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except RuleError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"created {user.username} ({user.role} at {organisation.code})")

    def _list(self, options: dict[str, Any]) -> None:
        users = User.objects.select_related("organisation").order_by("organisation__code", "username")
        if options["org"]:
            users = users.filter(organisation__code=options["org"])
        for u in users:
            active = "" if u.is_active else "  (inactive)"
            self.stdout.write(f"{u.organisation.code:<8} {u.role:<16} {u.username}{active}")

    def _set_password(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"unknown user {options['username']!r}")
        password = self._read_password(options["password_stdin"])
        if not password:
            raise CommandError("no password given")
        try:
            services.user_set_password(actor=Actor.for_cli(), user=user, password=password)
        except RuleError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"password set for {user.username}")

    def _reset_two_factor(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"]).select_related("organisation").first()
        if user is None:
            raise CommandError(f"unknown user {options['username']!r}")
        had = signin.two_factor_enabled(user)
        signin.two_factor_reset(actor=Actor.for_cli(), user=user, reason=options["reason"])
        then = "must set up a new device" if signin.two_factor_required(user) else "may set up a new device"
        state = "reset" if had else "was not set up; anything left over cleared"
        self.stdout.write(f"two-factor authentication of {user.username} {state}: they {then} when they next sign in")
