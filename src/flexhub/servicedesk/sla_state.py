"""A ticket's stored SLA position (due times, breaches) recomputed from its events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from flexhub.rules.sla_clock import breach_instant, clock_seconds, running_intervals
from flexhub.rules.ticket_state import resolution_end, response_end
from flexhub.servicedesk.selectors import SlaContext


@dataclass(frozen=True)
class SlaPosition:
    respond_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    response_breached_at: dt.datetime | None
    resolution_breached_at: dt.datetime | None

    @property
    def next_due_at(self) -> dt.datetime | None:
        dues = [d for d in (self.respond_due_at, self.resolve_due_at) if d is not None]
        return min(dues) if dues else None


def sla_position(
    context: SlaContext | None,
    priority: str,
    region: str,
    events: list[tuple[dt.datetime, str]],
    now: dt.datetime | None = None,
) -> SlaPosition:
    """When the response and the resolution fall due if the clock keeps running from `now`,
    and the instants at which they were passed (if they were, by `now`)."""
    now = now or timezone.now()
    clock = context.clock(priority, region) if context else None
    if clock is None or context is None or not events:
        return SlaPosition(None, None, None, None)
    target = context.targets[priority]
    now = max(now, events[-1][0])
    opened = events[0][0]
    responded = response_end(events)
    response_span = [(opened, responded or now)]
    respond_instant = breach_instant(clock, response_span, target.respond_minutes * 60)
    respond_due = None
    if responded is None:
        spent = clock_seconds(clock, response_span)
        respond_due = respond_instant or clock.advance(now, target.respond_minutes * 60 - spent)
    intervals = running_intervals(events, now)
    resolve_instant = breach_instant(clock, intervals, target.resolve_minutes * 60)
    finished = resolution_end(events) is not None
    paused = events[-1][1] == "awaiting_customer"
    resolve_due = None
    if not finished and not paused:
        spent = clock_seconds(clock, intervals)
        resolve_due = resolve_instant or clock.advance(now, target.resolve_minutes * 60 - spent)
    elif paused and resolve_instant is not None:
        resolve_due = resolve_instant
    return SlaPosition(respond_due, resolve_due, respond_instant, resolve_instant)
