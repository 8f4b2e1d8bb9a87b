"""Reads for the service desk: tickets measured against the SLA policy, and breaches per month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from flexhub.core.compiled import CompiledList, CompiledLookup
from flexhub.frameworks.models import Framework
from flexhub.rules.periods import Month
from flexhub.rules.sla_clock import (
    ALWAYS,
    BusinessCalendar,
    Clock,
    Measure,
    measure_resolution,
    measure_response,
    uk_bank_holidays,
)
from flexhub.rules.ticket_state import resolution_end, response_end
from flexhub.servicedesk.models import SlaPolicy, SlaTarget, Ticket, TicketEvent


@dataclass(frozen=True)
class TicketSla:
    """A ticket's SLA position: both measures and the month its resolution breach belongs to."""

    ref: str
    member: str
    priority: str
    response: Measure
    resolution: Measure
    resolved_at: dt.datetime | None
    breached_in: str | None


class SlaContext:
    """The framework's SLA policy turned into clocks, one business calendar per region."""

    def __init__(self, policy: SlaPolicy, years: tuple[int, int], targets: list[SlaTarget] | None = None) -> None:
        self.policy = policy
        self.zone = ZoneInfo(policy.timezone)
        self.targets = {t.priority: t for t in (policy.targets.all() if targets is None else targets)}
        self._years = years
        self._calendars: dict[str, BusinessCalendar] = {}

    def calendar(self, region: str) -> BusinessCalendar:
        if region not in self._calendars:
            self._calendars[region] = BusinessCalendar.of(
                self.policy.timezone,
                self.policy.business_days,
                self.policy.business_start,
                self.policy.business_end,
                uk_bank_holidays(region, *self._years),
                years=self._years,
            )
        return self._calendars[region]

    def clock(self, priority: str, region: str) -> Clock | None:
        target = self.targets.get(priority)
        if target is None:
            return None
        if target.clock == ALWAYS:
            return Clock(ALWAYS)
        return Clock("business", self.calendar(region))

    def month_of(self, instant: dt.datetime) -> str:
        return f"{instant.astimezone(self.zone):%Y-%m}"

    def measure(
        self,
        ref: str,
        member: str,
        region: str,
        priority: str,
        events: list[tuple[dt.datetime, str]],
        now: dt.datetime,
    ) -> TicketSla | None:
        clock = self.clock(priority, region)
        if clock is None:
            return None
        target = self.targets[priority]
        opened = events[0][0]
        response = measure_response(clock, opened, response_end(events), target.respond_minutes, now)
        resolution = measure_resolution(clock, events, target.resolve_minutes, now)
        resolved_at = resolution_end(events)
        breached_in = self.month_of(resolution.breach_at) if resolution.breach_at else None
        return TicketSla(ref, member, priority, response, resolution, resolved_at, breached_in)


# Read for every ticket raised or moved on: compiled once (core.compiled).
POLICY_OF_FRAMEWORK = CompiledLookup(lambda: SlaPolicy.objects.all(), "framework")
TARGETS_OF_POLICY = CompiledList(lambda: SlaTarget.objects.order_by("pk"), "policy")


def sla_context(framework: Framework, month: Month | None = None) -> SlaContext | None:
    policy = POLICY_OF_FRAMEWORK.first(framework.pk)
    if policy is None:
        return None
    targets = TARGETS_OF_POLICY.all(policy.pk)
    today = timezone.now().date()
    first = min(framework.start.year, month.year if month else today.year) - 1
    last = max(framework.end.year, month.year if month else today.year, today.year) + 1
    return SlaContext(policy, (first, last), targets)


def month_ticket_sla(framework: Framework, month: Month, now: dt.datetime | None = None) -> list[TicketSla]:
    """Tickets whose resolution breach or resolution falls in the month, measured."""
    context = sla_context(framework, month)
    if context is None:
        return []
    now = now or timezone.now()
    zone = context.zone
    start = dt.datetime.combine(month.first, dt.time(), zone)
    end = dt.datetime.combine(month.next().first, dt.time(), zone)
    tickets = list(
        Ticket.objects.filter(framework=framework, opened_at__lt=end)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
        .values_list("pk", "ref", "member__code", "member__region", "priority")
    )
    events: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    ids = [t[0] for t in tickets]
    for chunk in range(0, len(ids), 20000):
        for ticket_id, at, kind in (
            TicketEvent.objects.filter(ticket_id__in=ids[chunk : chunk + 20000])
            .order_by("ticket_id", "seq")
            .values_list("ticket_id", "at", "type")
        ):
            events[ticket_id].append((at, kind))
    label = str(month)
    result = []
    for pk, ref, member, region, priority in tickets:
        measured = context.measure(ref, member, region, priority, events[pk], now)
        if measured is None:
            continue
        resolved_in = context.month_of(measured.resolved_at) if measured.resolved_at else None
        if measured.breached_in == label or resolved_in == label:
            result.append(measured)
    result.sort(key=lambda t: t.ref)
    return result


def breach_counts(tickets: list[TicketSla], month: Month) -> dict[str, dict[str, int]]:
    """{member: {priority: resolution breaches whose breach instant falls in the month}}."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ticket in tickets:
        if ticket.breached_in == str(month):
            counts[ticket.member][ticket.priority] += 1
    return {member: dict(by_priority) for member, by_priority in counts.items()}


def resolution_breach_counts(framework: Framework, month: Month) -> dict[str, dict[str, int]]:
    """The month's resolution breaches of the framework's tickets, by member and priority."""
    return breach_counts(month_ticket_sla(framework, month), month)
