"""`flexhub rollout [--framework CODE] [--org CODE] [--programme CODE] [--csv | --json]`."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from flexhub.core.csvexport import csv_lines
from flexhub.core.management.base import FlexhubCommand
from flexhub.rollout.models import Programme
from flexhub.rollout.selectors import (
    PORTFOLIO_CSV_HEADER,
    PROGRAMME_CSV_HEADER,
    portfolio_csv_rows,
    portfolio_summary,
    programme_csv_rows,
    programme_json,
    programme_rows,
)


class Command(FlexhubCommand):
    help = (
        "List rollout programmes with their state and the seats still to move; with --programme (and --org), "
        "one programme's stages and waves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework", help="Only this framework's programmes")
        parser.add_argument("--org", help="Only this member's programmes")
        parser.add_argument("--programme", help="One programme's stages and waves (its code)")
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--csv", action="store_true", help="CSV on standard output")
        output.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        programmes = Programme.objects.order_by("member__code", "code")
        if options["framework"]:
            programmes = programmes.filter(framework__code=options["framework"])
        if options["org"]:
            programmes = programmes.filter(member__code=options["org"])
        if options["programme"]:
            programmes = programmes.filter(code=options["programme"])
        rows = programme_rows(programmes.select_related("contract", "service"))
        if options["programme"] and len(rows) != 1:
            if not rows:
                raise CommandError(f"no programme {options['programme']!r} found")
            raise CommandError(f"{len(rows)} members have a programme {options['programme']!r}: name one with --org")
        if options["json"]:
            self.stdout.write(json.dumps([programme_json(r) for r in rows], indent=2, default=str))
            return
        if options["csv"]:
            lines = (
                csv_lines(PROGRAMME_CSV_HEADER, programme_csv_rows(rows[0]))
                if options["programme"]
                else csv_lines(PORTFOLIO_CSV_HEADER, portfolio_csv_rows(rows))
            )
            for line in lines:
                sys.stdout.write(line.lstrip("\ufeff"))
            return
        if options["programme"]:
            self._programme(rows[0])
            return
        for r in rows:
            finish = r.planned_finish.isoformat() if r.planned_finish else "-"
            self.stdout.write(
                f"{r.programme.member.code:<8} {r.programme.code:<16} {r.state.label:<12} finish {finish} "
                f"({r.slippage_days:+d} days)  {r.to_move:>6} of {r.seats} seats to move  {r.programme.name}"
            )
        summary = portfolio_summary(rows)
        states = ", ".join(f"{count} {state.label.lower()}" for state, count in summary.by_state if count)
        self.stdout.write(
            f"{len(rows)} programmes: {states or 'none'}; {summary.to_move} of {summary.seats} seats to move"
        )

    def _programme(self, row: Any) -> None:
        p = row.programme
        self.stdout.write(f"{p.member.code} {p.code}: {p.name} (from {p.template_name}) - {row.state.label}")
        for s in row.stages:
            done = f" done {s.completed_on}" if s.completed_on else ""
            if s.checklist and not s.completed_on:
                done += f"  checklist {len(s.checklist_done)} of {len(s.checklist)} checked"
            self.stdout.write(
                f"  {s.name:<20} {s.planned_start} to {s.planned_end}  baseline {s.baseline_start} to "
                f"{s.baseline_end}  {s.slippage_days:+d} days{done}"
            )
        for w in row.waves:
            self.stdout.write(
                f"  wave {w.wave.number} {w.wave.site:<20} {w.wave.planned_date}  {w.moved} of {w.wave.seats} seats "
                f"moved ({w.deployed} deployed, {w.staff} staff)"
            )
