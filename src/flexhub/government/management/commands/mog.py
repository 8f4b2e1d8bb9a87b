"""`flexhub mog form|merge ...`: a machinery-of-government change, with a dry run.

    flexhub mog form --code DIUS --name "Department for ..." --from DTI,DFES --effective 2007-06-28 \\
        --reason "Machinery of government change" [--units Science,Skills] [--no-assets] [--no-contracts] \\
        [--no-tickets] [--dry-run] [--json]
    flexhub mog merge --from DFES --into DIUS --effective 2007-06-28 --reason "..." [--dry-run] [--json]
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.management.base import FlexhubCommand
from flexhub.core.models import Organisation
from flexhub.government.services import mog_apply, mog_plan


def _orgs(codes: str) -> list[Organisation]:
    wanted = [c.strip() for c in codes.split(",") if c.strip()]
    found = {o.code: o for o in Organisation.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise CommandError(f"unknown organisation {missing[0]!r}")
    return [found[c] for c in wanted]


def _emails(path: str | None) -> list[str] | None:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return [line.strip() for line in handle if line.strip() and "@" in line]
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from exc


class Command(FlexhubCommand):
    help = "Form an organisation from predecessors, or merge one into another (try --dry-run first)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        for kind in ("form", "merge"):
            p = sub.add_parser(kind)
            p.add_argument("--from", dest="predecessors", required=True, help="comma-separated codes")
            p.add_argument("--effective", required=True, help="YYYY-MM-DD")
            p.add_argument("--reason", required=True)
            p.add_argument("--dry-run", action="store_true")
            p.add_argument("--json", action="store_true")
            p.add_argument("--no-assets", action="store_true")
            p.add_argument("--no-contracts", action="store_true")
            p.add_argument("--no-tickets", action="store_true")
            if kind == "form":
                p.add_argument("--code", required=True)
                p.add_argument("--name", default="", help="(not needed for an organisation a scenario declared)")
                p.add_argument("--units", default="", help="only staff of these units (comma-separated)")
                p.add_argument("--staff-file", help="only these staff: a file of work emails, one a line")
                p.add_argument("--contracts", default="", help="only these contract refs (comma-separated)")
            else:
                p.add_argument("--into", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            effective = dt.date.fromisoformat(options["effective"])
        except ValueError as exc:
            raise CommandError(f"--effective: {options['effective']!r} is not a date written YYYY-MM-DD") from exc
        actor = Actor.for_cli()
        try:
            plan = mog_plan(
                actor=actor,
                kind=options["kind"],
                predecessors=_orgs(options["predecessors"]),
                effective=effective,
                reason=options["reason"],
                code=options.get("code") or "",
                name=options.get("name") or "",
                into=_orgs(options["into"])[0] if options.get("into") else None,
                units=[u.strip() for u in (options.get("units") or "").split(",") if u.strip()] or None,
                staff_emails=_emails(options.get("staff_file")),
                contract_refs=[r.strip() for r in (options.get("contracts") or "").split(",") if r.strip()] or None,
                move_assets=not options["no_assets"],
                move_contracts=not options["no_contracts"],
                move_tickets=not options["no_tickets"],
            )
            result = plan.as_dict()
            if not options["dry_run"]:
                change = mog_apply(actor=actor, plan=plan)
                result["applied"] = True
                result["change"] = change.pk
        except RuleError as error:
            raise CommandError(error.message) from error
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        moves = ", ".join(f"{n} {k}" for k, n in result["moves"].items())
        verb = "moved" if result.get("applied") else "would move (dry run)"
        self.stdout.write(
            f"{options['kind']} {result['successor']} from {', '.join(result['predecessors'])}: {verb} {moves}"
        )
