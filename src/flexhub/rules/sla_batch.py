"""When each of many tickets passed its resolution target: the resolution clock in one pass.

A month's service credits count the tickets whose resolution breach falls in the month: tens of
thousands of tickets, all on a handful of clocks (one per priority and region), of which only
the breach instant matters. Measured one by one (`sla_clock.measure_resolution`), each ticket
converts its instants to the cumulative business time F(t) two or three times over (for the
elapsed time, again for the breach, again for the minutes) and goes on measuring after the
breach; here each running interval's ends are converted once, with the calendar's day grid in
local variables, and a ticket is left as soon as it breaches. The instants are those of
`measure_resolution(...).breach_at`, to the second: the arithmetic is the same, in the same
order (tests/rules/test_rules_sla_batch.py proves it ticket by ticket with hypothesis).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence

from flexhub.rules.sla_clock import ALWAYS, Clock, running_intervals

# The only events the resolution clock reads (`running_intervals`): a reader may leave out every
# other (responses, reassignments, comments, closures) and find the same breaches.
RESOLUTION_EVENTS = frozenset({"opened", "awaiting_customer", "resumed", "reopened", "resolved"})

Events = Sequence[tuple[dt.datetime, str]]


def resolution_breach_instants(
    clock: Clock, histories: Iterable[Events], target_minutes: int, now: dt.datetime
) -> list[dt.datetime | None]:
    """For each ticket's events, in order, the instant its clock time passed `target_minutes` of
    resolution (pauses awaiting the customer excluded; a ticket still open judged as of `now`),
    or None if it has not: `measure_resolution(clock, events, target_minutes, now).breach_at`."""
    target = target_minutes * 60
    if clock.kind == ALWAYS or clock.calendar is None:
        return [_always_breach(events, target, now) for events in histories]
    calendar = clock.calendar
    grid = calendar.grid
    day_start, open_at, length, before, before_end = (
        grid.day_start,
        grid.open_at,
        grid.length,
        grid.before,
        grid.before_end,
    )
    first, last = day_start[0], day_start[-1]
    right = bisect.bisect_right
    utc = dt.UTC
    instants: list[dt.datetime | None] = []
    for events in histories:
        spent = 0
        breach_at: dt.datetime | None = None
        for start, end in running_intervals(events, now):
            if end <= start:
                continue  # seconds_between counts nothing for an empty or reversed interval
            a, b = start.timestamp(), end.timestamp()
            if not (first <= a < last and first <= b < last):
                calendar.cumulative(end)  # raises the calendar's own "outside its years" error,
                calendar.cumulative(start)  # for the same instant as seconds_between would
            day = right(day_start, a) - 1
            f_start = before[day] + min(max(a - open_at[day], 0.0), length[day])
            day = right(day_start, b) - 1
            seconds = round(before[day] + min(max(b - open_at[day], 0.0), length[day]) - f_start)
            if spent + seconds > target:
                reached = f_start + (target - spent)
                day = right(before_end, reached)
                if day >= len(before_end):
                    calendar.advance(start, target - spent)  # raises "beyond the calendar's last year"
                breach_at = dt.datetime.fromtimestamp(round(open_at[day] + (reached - before[day])), utc)
                break
            spent += seconds
        instants.append(breach_at)
    return instants


# More than the clock time the per-interval rounding of a history could add (half a second each).
ROUNDING_MARGIN = dt.timedelta(hours=1)


def can_have_breached(opened: dt.datetime, resolved: dt.datetime | None, target_minutes: int) -> bool:
    """False only when a ticket cannot have passed its resolution target: its history (valid, as
    `ticket_state.event_order_problems` has it: in time order, nothing but `reopened` or `closed`
    after a resolution) opened at `opened` and ends resolved at `resolved`, sooner after it than
    the target. No clock runs faster than the wall clock, and every running interval lies between
    the two instants, so the clock time is at most the time between them (and the rounding)."""
    return resolved is None or resolved - opened > dt.timedelta(minutes=target_minutes) - ROUNDING_MARGIN


def _always_breach(events: Events, target: int, now: dt.datetime) -> dt.datetime | None:
    """The 24x7 clock: whole seconds of each interval, truncated, with the scalar clock's own
    datetime arithmetic, so that not one second differs."""
    spent = 0
    for start, end in running_intervals(events, now):
        seconds = int((end - start).total_seconds()) if end > start else 0
        if spent + seconds > target:
            return start + dt.timedelta(seconds=target - spent)
        spent += seconds
    return None
