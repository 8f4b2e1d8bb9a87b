"""The month's service credits measured in one batch count what the one-by-one clock counts, and
`flexhub bill` reports the month from what it computed instead of reading its invoices back."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flexhub.billing.models import BillingRun
from flexhub.billing.selectors import _instant_reader, month_resolution_breaches
from flexhub.billing.services import bill_json, billed_month_json, billing_issue, billing_month
from flexhub.core.audit import Actor
from flexhub.core.models import Organisation
from flexhub.frameworks.models import Framework
from flexhub.rules.periods import Month
from flexhub.servicedesk import services as desk
from flexhub.servicedesk.models import Ticket, TicketEvent
from flexhub.servicedesk.selectors import breach_counts, month_ticket_sla

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "scenarios" / "tests" / "fixtures"
CLI = Actor.for_cli()
NOW = dt.datetime(2020, 9, 15, 12, 0, 0, 250_000, tzinfo=dt.UTC)
# What may follow what (ticket_state.event_order_problems): pauses while open, after a resolution
# only a reopening or the closure.
NEXT = {
    "open": ["responded", "awaiting_customer", "comment", "resolved", "resolved"],
    "waiting": ["resumed", "comment", "resolved"],
    "resolved": ["reopened", "closed"],
}
AFTER = {"awaiting_customer": "waiting", "resumed": "open", "reopened": "open", "resolved": "resolved"}


def random_tickets(world, count: int = 200, seed: int = 5) -> None:
    """Tickets of every priority opened from late May to August 2020 at odd microseconds, for a
    member in England and one in Scotland, each with a history that can have happened: pauses,
    resolutions reopened, closures, some still open; the tickets' stored state refreshed from it."""
    rng = random.Random(seed)
    framework = world.frameworks["ONE"]
    tower = framework.towers.get(code="EUC")
    Organisation.objects.filter(code="MBRB").update(region="SCT")
    for n in range(count):
        opened = dt.datetime(2020, 5, 25, tzinfo=dt.UTC) + dt.timedelta(
            seconds=rng.randrange(95 * 86400), microseconds=rng.randrange(1_000_000)
        )
        ticket = Ticket.objects.create(
            framework=framework,
            ref=f"ONE-RND-{n:03d}",
            member=world.orgs[rng.choice(["MBRA", "MBRB"])],
            kind="incident",
            priority=rng.choice(["P1", "P2", "P3", "P4"]),
            title=f"Random history {n}",
            initial_tower=tower,
            current_tower=tower,
            opened_at=opened,
        )
        at, state, kinds = opened, "open", ["opened"]
        for _ in range(rng.randrange(0, 7)):
            if state == "closed":
                break
            kind = rng.choice(NEXT[state])
            kinds.append(kind)
            state = "closed" if kind == "closed" else AFTER.get(kind, state)
        for seq, kind in enumerate(kinds):
            TicketEvent.objects.create(ticket=ticket, seq=seq, at=at, type=kind)
            gap = rng.choice([0, rng.randrange(60, 6 * 3600), rng.randrange(3 * 86400)])
            at += dt.timedelta(seconds=gap, microseconds=rng.randrange(1000))
        desk._refresh(Ticket.objects.get(pk=ticket.pk), now=NOW)


def edge_tickets(world) -> None:
    """P1 tickets (240 minutes, 24x7) resolved a second either side of the target, and P2 ones
    (480 business minutes) resolved a working day and a bit later: on the wall clock each took
    longer than its target, so none may be skipped unmeasured."""
    framework = world.frameworks["ONE"]
    opened = dt.datetime(2020, 7, 7, 9, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in London
    for n, (priority, took) in enumerate(
        [
            ("P1", dt.timedelta(minutes=240, seconds=1)),
            ("P1", dt.timedelta(minutes=240)),
            ("P1", dt.timedelta(minutes=239, seconds=59)),
            ("P2", dt.timedelta(hours=24, minutes=1)),
            ("P2", dt.timedelta(hours=23, minutes=59)),
        ]
    ):
        ticket = Ticket.objects.create(
            framework=framework,
            ref=f"ONE-EDGE-{n}",
            member=world.orgs["MBRA"],
            kind="incident",
            priority=priority,
            title=f"Edge {n}",
            opened_at=opened,
        )
        TicketEvent.objects.create(ticket=ticket, seq=0, at=opened, type="opened")
        TicketEvent.objects.create(ticket=ticket, seq=1, at=opened + took, type="resolved")
        desk._refresh(Ticket.objects.get(pk=ticket.pk), now=NOW)


def test_the_batch_counts_the_breaches_the_one_by_one_clock_counts(world):
    random_tickets(world)
    edge_tickets(world)
    framework = world.frameworks["ONE"]
    total = 0
    for month in [Month(2020, m) for m in range(5, 11)]:
        expected = breach_counts(month_ticket_sla(framework, month, now=NOW), month)
        assert month_resolution_breaches(framework, month, now=NOW) == expected, month
        total += sum(n for by_priority in expected.values() for n in by_priority.values())
        # Only the priorities asked for (billing asks for those with a credit rule).
        wanted = {
            member: {p: n for p, n in by_priority.items() if p in ("P1", "P3")}
            for member, by_priority in expected.items()
        }
        assert month_resolution_breaches(framework, month, priorities=["P1", "P3"], now=NOW) == {
            member: by_priority for member, by_priority in wanted.items() if by_priority
        }
    assert total > 20  # the histories breach, in several months
    # No priority asked for (a framework without service-credit rules): nothing is measured.
    assert month_resolution_breaches(framework, Month(2020, 7), priorities=[], now=NOW) == {}


def test_instants_read_fast_are_the_instants_django_reads(world):
    random_tickets(world, count=20)
    column, instant = _instant_reader(TicketEvent.objects.db)
    events = TicketEvent.objects.order_by("pk")
    fast = [instant(at) for at in events.values_list(column("at"), flat=True)]
    assert fast == list(events.values_list("at", flat=True))
    assert [at.utcoffset() for at in fast] == [dt.timedelta(0)] * len(fast)
    assert any(at.microsecond for at in fast)


def _load(name: str) -> None:
    call_command("load", str(FIXTURES / name), stdout=io.StringIO())


def _stored(code: str, period: str) -> dict:
    """The month as `bill_json` reads it back from the database."""
    return bill_json(BillingRun.objects.get(framework__code=code, period=f"{period}-01"))


def test_bill_prints_what_it_computed_without_reading_its_invoices_back():
    _load("pooled-framework.yaml")
    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("bill", "2020-07", "--framework", "CWS", "--json", stdout=out)
    reads = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert not [sql for sql in reads if "billing_invoiceline" in sql]
    printed = json.loads(out.getvalue())
    assert printed == _stored("CWS", "2020-07")
    assert any(line["kind"] == "credit" for i in printed["invoices"] for line in i["lines"])
    summary = io.StringIO()
    call_command("bill", "2020-07", "--framework", "CWS", stdout=summary)
    assert summary.getvalue().startswith("CWS 2020-07: 4 invoices, total £")


def test_bill_issuing_and_billing_an_issued_month_again_print_what_is_stored():
    _load("pooled-framework.yaml")
    out = io.StringIO()
    call_command("bill", "2020-07", "--framework", "CWS", "--issue", "--json", stdout=out)
    issued = json.loads(out.getvalue())
    assert issued == _stored("CWS", "2020-07")
    assert {i["status"] for i in issued["invoices"]} == {"issued"}
    # Billing the month again keeps the issued invoices: they are read back, as they are.
    out = io.StringIO()
    call_command("bill", "2020-07", "--framework", "CWS", "--json", stdout=out)
    assert json.loads(out.getvalue()) == issued
    # A range, issued: each month as stored.
    out = io.StringIO()
    call_command("bill", "--framework", "CWS", "--from", "2020-05", "--to", "2020-08", "--issue", "--json", stdout=out)
    months = json.loads(out.getvalue())
    assert months == [_stored("CWS", period) for period in ("2020-05", "2020-06", "2020-07", "2020-08")]


def test_a_month_billed_again_before_it_was_issued_is_read_back():
    """Should someone bill the month between this run and its issue, the issue numbers their
    drafts, not this run's: the report is then what is stored."""
    _load("pooled-framework.yaml")
    cws = Framework.objects.get(code="CWS")
    first = billing_month(actor=CLI, framework=cws, month=Month(2020, 7))
    assert billed_month_json(first) == _stored("CWS", "2020-07")
    billing_month(actor=CLI, framework=cws, month=Month(2020, 7))
    issued = billing_issue(actor=CLI, framework=cws, month=Month(2020, 7), send=False)
    report = billed_month_json(first, issued)
    assert report == _stored("CWS", "2020-07")
    assert [i["number"] for i in report["invoices"]] == [f"CWS-2020-{n:06d}" for n in range(1, 5)]
