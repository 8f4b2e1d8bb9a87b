"""The month's SLA report and its service credits, where the service desk's measures meet billing.

Closing a ticket after its resolution, or resolving it without a response, must not change how it
was measured: these tests failed before the ticket's lifecycle was decided in one place
(rules/ticket_state.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from flexhub.billing.models import InvoiceLine
from flexhub.billing.services import billing_run
from flexhub.billing.sla_report import sla_month_report
from flexhub.core.audit import Actor
from flexhub.frameworks.services import contract_change_record
from flexhub.rules.periods import Month
from flexhub.servicedesk import services
from flexhub.servicedesk.models import Ticket, TicketEvent, TicketStatus

pytestmark = pytest.mark.django_db
JUNE = Month(2020, 6)
OPENED = dt.datetime(2020, 6, 10, 9, 0, tzinfo=dt.UTC)  # a Wednesday, 10:00 in London


def actor(world, username):
    return Actor(user=world.users[username], label=username, channel="web")


def june_ticket(world, *, priority, title, respond_after=None, resolve_after, close=False):
    """A ticket opened on 10 June 2020 and resolved `resolve_after` later (then closed if asked)."""
    ticket = services.ticket_raise(
        actor=actor(world, "mbra-user"),
        framework=world.frameworks["ONE"],
        member=world.orgs["MBRA"],
        kind="incident",
        priority=priority,
        title=title,
    )
    TicketEvent.objects.filter(ticket=ticket).update(at=OPENED)
    if respond_after is not None:
        services.ticket_respond(actor=actor(world, "supa-agent"), ticket=ticket, note="on it")
        TicketEvent.objects.filter(ticket=ticket, type="responded").update(at=OPENED + respond_after)
    services.ticket_resolve(actor=actor(world, "supa-agent"), ticket=ticket)
    TicketEvent.objects.filter(ticket=ticket, type="resolved").update(at=OPENED + resolve_after)
    services._refresh(Ticket.objects.get(pk=ticket.pk))
    if close:
        services.ticket_close(actor=actor(world, "mbra-user"), ticket=Ticket.objects.get(pk=ticket.pk))
    return Ticket.objects.get(pk=ticket.pk)


def report_row(world, ref):
    report = sla_month_report(world.frameworks["ONE"], JUNE)
    rows = [t for t in report["tickets"] if t["ref"] == ref]
    return (rows[0] if rows else None), report["credits"]


def test_breach_becomes_a_credit_on_the_invoice(world):
    june_ticket(world, priority="P1", title="June outage", resolve_after=dt.timedelta(hours=10))
    run = billing_run(actor=Actor.for_cli(), framework=world.frameworks["ONE"], month=JUNE)
    credit = InvoiceLine.objects.get(invoice__run=run, invoice__member__code="MBRA", kind="credit")
    core = InvoiceLine.objects.get(invoice__run=run, invoice__member__code="MBRA", service_code="CORE")
    # P1 earns 5% a breach of the month's core charge, rounded to the penny.
    assert credit.priority == "P1" and credit.amount == -(core.amount * 5 / 100).quantize(core.amount)


@pytest.mark.parametrize("close", [False, True], ids=["resolved", "then-closed"])
def test_a_breach_counts_whatever_happens_to_the_ticket_after_it(world, close):
    # P1 on the 24x7 clock, 240 minutes to resolve: resolved after 10 hours, a breach in June.
    ticket = june_ticket(
        world,
        priority="P1",
        title="June outage",
        respond_after=dt.timedelta(minutes=5),
        resolve_after=dt.timedelta(hours=10),
        close=close,
    )
    assert ticket.status == (TicketStatus.CLOSED if close else TicketStatus.RESOLVED)
    row, credits = report_row(world, ticket.ref)
    assert row is not None
    assert (row["resolution_minutes"], row["resolution_breached"], row["breached_in"]) == (600, True, "2020-06")
    assert [(c["member"], c["priority"], c["breaches"]) for c in credits] == [("MBRA", "P1", 1)]
    run = billing_run(actor=Actor.for_cli(), framework=world.frameworks["ONE"], month=JUNE)
    assert InvoiceLine.objects.filter(invoice__run=run, invoice__member__code="MBRA", kind="credit").count() == 1


def test_a_closed_ticket_resolved_in_the_month_stays_in_its_report(world):
    # P2 on the business clock (08:00-18:00 London): 10:00 to 12:00 is 120 minutes, within 480.
    ticket = june_ticket(
        world,
        priority="P2",
        title="Slow login",
        respond_after=dt.timedelta(minutes=10),
        resolve_after=dt.timedelta(hours=2),
        close=True,
    )
    row, _ = report_row(world, ticket.ref)
    assert row is not None
    assert (row["response_minutes"], row["resolution_minutes"], row["resolution_breached"]) == (10, 120, False)


def test_a_ticket_resolved_without_a_response_was_answered_by_its_resolution(world):
    # P2: respond within 30 business minutes. Resolved at 12:00 London with no response first, so
    # the response clock stopped at the resolution: 120 minutes, a response breach.
    ticket = june_ticket(world, priority="P2", title="Password reset", resolve_after=dt.timedelta(hours=2))
    row, _ = report_row(world, ticket.ref)
    assert (row["response_minutes"], row["response_breached"]) == (120, True)
    assert ticket.respond_due_at is None  # nothing is due any more
    quick = june_ticket(world, priority="P2", title="Fixed at once", resolve_after=dt.timedelta(minutes=20))
    row, _ = report_row(world, quick.ref)
    assert (row["response_minutes"], row["response_breached"]) == (20, False)


def test_every_breached_priority_is_listed_even_with_nothing_to_credit(world):
    """`flexhub sla --json` lists every member and priority with a resolution breach: a priority
    with no credit rule at 0%, and a member with no core charge that month at "0.00"."""
    contract = world.extra["contract-MBRA"]
    core = contract.lines.get(service__code="CORE").service
    contract_change_record(
        actor=Actor.for_cli(), contract=contract, service=core, effective=dt.date(2020, 6, 1), quantity=0
    )
    june_ticket(world, priority="P1", title="June outage", resolve_after=dt.timedelta(hours=10))
    june_ticket(world, priority="P2", title="Slow fix", resolve_after=dt.timedelta(days=5))
    _, credits = report_row(world, "")
    mine = sorted((c["priority"], c["breaches"], c["percent"], c["amount"]) for c in credits if c["member"] == "MBRA")
    assert mine == [("P1", 1, 5, "0.00"), ("P2", 1, 0, "0.00")]
    run = billing_run(actor=Actor.for_cli(), framework=world.frameworks["ONE"], month=JUNE)
    assert not InvoiceLine.objects.filter(invoice__run=run, invoice__member__code="MBRA", kind="credit").exists()
