"""Reads for billing: a framework as the billing rules see it, and invoices as users may see them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import CharField, DecimalField, F, Func, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from flexhub.billing.models import CreditNote, Invoice, InvoiceStatus, Payment
from flexhub.core.models import Organisation
from flexhub.core.tenancy import get_visible_or_404
from flexhub.frameworks.models import Framework
from flexhub.frameworks.selectors import framework_terms
from flexhub.rules.billing import (
    AGE_BUCKETS,
    CreditTerms,
    FrameworkTerms,
    age_bucket,
    amount_owed,
    payment_status,
    vat_split,
)
from flexhub.rules.periods import Month
from flexhub.rules.sla_batch import RESOLUTION_EVENTS, can_have_breached, resolution_breach_instants
from flexhub.servicedesk.models import ServiceCreditRule, Ticket, TicketEvent
from flexhub.servicedesk.selectors import sla_context


def billing_terms(framework: Framework) -> FrameworkTerms:
    """The framework's pricing terms with the service-credit rules of its SLA policy added."""
    credit_rules = {
        rule.priority: CreditTerms(rule.per_breach, rule.cap)
        for rule in ServiceCreditRule.objects.filter(policy__framework=framework)
    }
    return dataclasses.replace(framework_terms(framework), credit_rules=credit_rules)


def month_resolution_breaches(
    framework: Framework,
    month: Month,
    *,
    priorities: Collection[str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, dict[str, int]]:
    """{member: {priority: tickets whose resolution breach instant falls in the month}}, what the
    month's service credits are taken on (of the given priorities, or all): the counts
    `servicedesk.selectors.month_ticket_sla` gives, found in one batch per clock
    (`rules.sla_batch`) from plain values. A ticket resolved sooner after it opened than its
    target is not measured (it cannot have breached), and of the others only the events the
    resolution clock reads are read. Open tickets are judged as of `now`."""
    context = sla_context(framework, month) if priorities is None or priorities else None
    if context is None:
        return {}
    now = now or timezone.now()
    start = dt.datetime.combine(month.first, dt.time(), context.zone)
    end = dt.datetime.combine(month.next().first, dt.time(), context.zone)
    # The tickets that can breach in the month: opened before its end, not resolved before it began.
    tickets = Ticket.objects.filter(framework=framework, opened_at__lt=end).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=start)
    )
    if priorities is not None:
        tickets = tickets.filter(priority__in=priorities)
    members = {
        pk: (code, region)
        for pk, code, region in Organisation.objects.filter(pk__in=tickets.values("member_id").distinct()).values_list(
            "pk", "code", "region"
        )
    }
    column, instant = _instant_reader(tickets.db)
    groups: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    measured = []
    for pk, member_id, priority, opened, resolved in tickets.order_by("pk").values_list(
        "pk", "member_id", "priority", column("opened_at"), column("resolved_at")
    ):
        target = context.targets.get(priority)
        if target is None:
            continue  # a priority without a target is not measured
        if resolved is not None and not can_have_breached(instant(opened), instant(resolved), target.resolve_minutes):
            continue
        member, region = members[member_id]
        groups[(priority, region)].append((pk, member))
        measured.append(pk)
    # The events of the tickets read above, skipping those not measured: a list of their ids as
    # query parameters would cost Django more than the rows it saves.
    events: dict[int, list[tuple[dt.datetime, str]]] = {pk: [] for pk in measured}
    for ticket_id, at, kind in (
        TicketEvent.objects.filter(ticket__in=tickets.values("pk"), type__in=RESOLUTION_EVENTS)
        .order_by("ticket_id", "seq")
        .values_list("ticket_id", column("at"), "type")
    ):
        if ticket_id in events:
            events[ticket_id].append((instant(at), kind))
    label = str(month)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (priority, region), group in groups.items():
        clock = context.clock(priority, region)
        assert clock is not None  # the priority has a target
        target_minutes = context.targets[priority].resolve_minutes
        instants = resolution_breach_instants(clock, (events[pk] for pk, _ in group), target_minutes, now)
        for (_, member), breach_at in zip(group, instants, strict=True):
            if breach_at is not None and context.month_of(breach_at) == label:
                counts[member][priority] += 1
    return {member: dict(by_priority) for member, by_priority in counts.items()}


def _instant_reader(database: str) -> tuple[Callable[[str], Any], Callable[[Any], dt.datetime]]:
    """How to read many datetimes fast: a column expression and what turns its value into an
    aware instant. Django turns each datetime the database sends into an aware one in Python,
    some 5 µs a value on SQLite and on PostgreSQL alike (a second for a month of 50,000
    tickets); read instead as ISO 8601 text in UTC (on SQLite the text Django stored, on
    PostgreSQL the timestamp written out in UTC to the microsecond), it is parsed by
    datetime.fromisoformat, in C, to the same instant."""
    connection = connections[database]
    parse = dt.datetime.fromisoformat
    if connection.vendor == "sqlite" and connection.timezone == dt.UTC:
        return (lambda name: Cast(name, CharField())), (lambda text: parse(text + "+00:00"))
    if connection.vendor == "postgresql":
        return (
            lambda name: Func(F(name), template=POSTGRESQL_UTC_TEXT, output_field=CharField()),
            lambda text: parse(text + "+00:00"),
        )
    return F, (lambda value: value)


POSTGRESQL_UTC_TEXT = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""


def invoiced_to_date(framework: Framework) -> Decimal:
    """Net value of the framework's issued invoices, less credit notes."""
    invoiced = Invoice.objects.filter(framework=framework, status=InvoiceStatus.ISSUED).aggregate(total=Sum("net"))[
        "total"
    ] or Decimal("0.00")
    credited = CreditNote.objects.filter(framework=framework).aggregate(total=Sum("net"))["total"] or Decimal("0.00")
    return invoiced - credited


def with_balances(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Invoices annotated with `credited` (their credit notes' totals) and `paid` (payments
    received), each summed in its own subquery so neither multiplies the other."""
    credited = CreditNote.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(s=Sum("total")).values("s")
    paid = Payment.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(s=Sum("amount")).values("s")
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=16, decimal_places=2))
    return invoices.annotate(credited=Coalesce(Subquery(credited), zero), paid=Coalesce(Subquery(paid), zero))


@dataclasses.dataclass(frozen=True)
class Balance:
    owed: Decimal
    status: str
    bucket: str


def invoice_balance(invoice: Invoice, today: dt.date) -> Balance:
    """What is still owed on an issued invoice (annotated by `with_balances`, or summed here)."""
    credited = getattr(invoice, "credited", None)
    paid = getattr(invoice, "paid", None)
    if credited is None or paid is None:
        credited = invoice.credit_notes.aggregate(s=Sum("total"))["s"] or Decimal("0.00")
        paid = invoice.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    owed = amount_owed(invoice.total, credited, paid)
    return Balance(
        owed,
        payment_status(owed=owed, paid=paid, due_on=invoice.due_on, today=today),
        age_bucket(invoice.due_on, today),
    )


@dataclasses.dataclass
class AgedDebtRow:
    member: str
    name: str
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal("0.00"))

    @property
    def amounts(self) -> list[Decimal]:
        """The buckets in AGE_BUCKETS order, for a table."""
        return [self.buckets[bucket] for bucket in AGE_BUCKETS]


def aged_debt(invoices: QuerySet[Invoice], today: dt.date) -> list[AgedDebtRow]:
    """Per member, what is owed on its issued invoices by how late it is (current, then 1-30,
    31-60, 61-90 and over 90 days past the due date), as of `today`."""
    rows: dict[str, AgedDebtRow] = {}
    issued = with_balances(invoices.filter(status=InvoiceStatus.ISSUED).select_related("member"))
    for invoice in issued.order_by("member__code", "due_on"):
        balance = invoice_balance(invoice, today)
        if balance.owed <= 0:
            continue
        row = rows.setdefault(
            invoice.member.code,
            AgedDebtRow(invoice.member.code, invoice.member.name, dict.fromkeys(AGE_BUCKETS, Decimal("0.00"))),
        )
        row.buckets[balance.bucket] += balance.owed
    return list(rows.values())


def credit_notes_filtered(notes: QuerySet[CreditNote], params: Mapping[str, str]) -> QuerySet[CreditNote]:
    """Credit notes (already scoped to the user) narrowed by `framework`, `member` and `invoice`."""
    notes = notes.select_related("invoice__member", "invoice__framework").order_by("-issued_at")
    for key, lookup in (
        ("framework", "framework__code"),
        ("member", "invoice__member__code"),
        ("invoice", "invoice__number"),
    ):
        if value := params.get(key):
            notes = notes.filter(**{lookup: value})
    return notes


def ledger_rows(invoices: QuerySet[Invoice]) -> Iterator[list[Any]]:
    """Per invoice: one row per service (and one for its service credits) with its net and VAT
    rate; the VAT of the rows adds up to the invoice's exactly (rules.billing.vat_split)."""
    for invoice in invoices.select_related("member").prefetch_related("lines"):
        nets: dict[str, Decimal] = {}
        for line in invoice.lines.all():
            key = "service credits" if line.kind == "credit" else line.service_code
            nets[key] = nets.get(key, Decimal("0.00")) + line.amount
        keys = list(nets)
        for key, vat in zip(keys, vat_split(invoice.vat, invoice.vat_rate, [nets[k] for k in keys]), strict=True):
            yield [invoice.number or "draft", invoice.member.code, key, invoice.vat_rate, nets[key], vat]


def aged_debt_for(user: Any, framework_code: str | None, today: dt.date) -> tuple[list[AgedDebtRow], Framework | None]:
    """The aged debt `user` may see, of one framework when a code is given (404 when not visible)."""
    invoices = Invoice.objects.visible_to(user)
    framework = None
    if framework_code:
        framework = get_visible_or_404(Framework, user, code=framework_code)
        invoices = invoices.filter(framework=framework)
    return aged_debt(invoices, today), framework
