"""The resolution clock in one pass over many tickets finds exactly the breach instants the
one-by-one clock (`sla_clock.measure_resolution`, `sla_clock.breach_instant`) finds, ticket by ticket."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexhub.rules.sla_batch import RESOLUTION_EVENTS, can_have_breached, resolution_breach_instants
from flexhub.rules.sla_clock import (
    ALWAYS,
    BusinessCalendar,
    Clock,
    breach_instant,
    measure_resolution,
    running_intervals,
    uk_bank_holidays,
)
from flexhub.rules.ticket_state import EVENT_TYPES, event_order_problems, resolution_end

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
LONDON = ZoneInfo("Europe/London")


def _calendar(region: str, days: list[str], opens: dt.time, closes: dt.time) -> BusinessCalendar:
    return BusinessCalendar.of("Europe/London", days, opens, closes, uk_bank_holidays(region, 2007, 2027), (2007, 2027))


CLOCKS = [
    Clock("business", _calendar("ENG", WEEKDAYS, dt.time(8), dt.time(18))),
    Clock("business", _calendar("SCT", WEEKDAYS, dt.time(8, 30), dt.time(17, 30))),
    Clock("business", _calendar("NIR", WEEKDAYS, dt.time(9), dt.time(17))),
    # Open every night across the hour the clocks change.
    Clock("business", _calendar("ENG", [*WEEKDAYS, "sat", "sun"], dt.time(0, 30), dt.time(3))),
    Clock(ALWAYS),
]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_worked_case_business_clock_with_a_pause():
    """P2 on 08:30-17:30, Mon-Fri (the billing tests' CWS-INC-0002): Thu 15:30-17:30 (120) + Fri
    08:30-09:40 (70), paused until Mon 10:30, then 10:30-17:15 (405): 595 minutes; the 540-minute
    target is passed 350 minutes after Monday 10:30, at 16:20 on 20 July 2020."""
    clock = CLOCKS[1]
    events = [
        (at("2020-07-16T15:30:00+01:00"), "opened"),
        (at("2020-07-16T16:05:00+01:00"), "responded"),
        (at("2020-07-17T09:40:00+01:00"), "awaiting_customer"),
        (at("2020-07-20T10:30:00+01:00"), "resumed"),
        (at("2020-07-20T17:15:00+01:00"), "resolved"),
    ]
    now = at("2020-08-01T00:00:00+00:00")
    assert resolution_breach_instants(clock, [events], 540, now) == [at("2020-07-20T16:20:00+01:00")]
    assert resolution_breach_instants(clock, [events], 595, now) == [None]  # 595 minutes do not pass 595
    assert measure_resolution(clock, events, 540, now).breach_at == at("2020-07-20T16:20:00+01:00")


def test_worked_case_24x7_clock_and_a_ticket_still_open():
    clock = Clock(ALWAYS)
    resolved = [(at("2020-07-06T08:15:00+01:00"), "opened"), (at("2020-07-06T12:20:00+01:00"), "resolved")]
    still_open = [(at("2020-07-06T08:15:00+01:00"), "opened")]
    assert resolution_breach_instants(clock, [resolved, still_open], 210, at("2020-07-06T10:00:00+01:00")) == [
        at("2020-07-06T11:45:00+01:00"),  # 245 minutes to the resolution: 210 were passed at 11:45
        None,  # 105 minutes so far
    ]
    # The open ticket judged later: 210 minutes after it opened.
    assert resolution_breach_instants(clock, [still_open], 210, at("2020-07-07T00:00:00+01:00")) == [
        at("2020-07-06T11:45:00+01:00")
    ]


def test_no_tickets_measure_nothing():
    assert resolution_breach_instants(CLOCKS[0], [], 60, at("2020-07-06T10:00:00+01:00")) == []


def test_an_instant_outside_the_calendar_is_the_same_error():
    events = [(at("2030-01-02T10:00:00+00:00"), "opened"), (at("2030-01-03T10:00:00+00:00"), "resolved")]
    now = at("2030-02-01T00:00:00+00:00")
    with pytest.raises(ValueError, match="outside the calendar") as scalar:
        measure_resolution(CLOCKS[0], events, 60, now)
    with pytest.raises(ValueError, match="outside the calendar") as batch:
        resolution_breach_instants(CLOCKS[0], [events], 60, now)
    assert str(batch.value) == str(scalar.value)


# Properties -----------------------------------------------------------------

START = int(dt.datetime(2008, 1, 1, tzinfo=dt.UTC).timestamp())
END = int(dt.datetime(2026, 6, 1, tzinfo=dt.UTC).timestamp())
ZONES = [dt.UTC, LONDON]


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[dt.datetime, str]]:
    """A ticket's events in time order, the first `opened`; the rest any of the event types in
    any order (pauses without resumption, resolutions reopened, instants that coincide), at
    whole seconds or with microseconds, in UTC or London time."""
    zone = draw(st.sampled_from(ZONES))
    opened = dt.datetime.fromtimestamp(draw(st.integers(min_value=START, max_value=END)), dt.UTC)
    if draw(st.booleans()):
        opened += dt.timedelta(microseconds=draw(st.integers(min_value=0, max_value=999_999)))
    events = [(opened.astimezone(zone), "opened")]
    moment = opened
    for gap, kind in draw(
        st.lists(
            st.tuples(st.integers(min_value=0, max_value=5 * 24 * 3600), st.sampled_from(EVENT_TYPES[1:])),
            max_size=8,
        )
    ):
        moment += dt.timedelta(seconds=gap)
        events.append((moment.astimezone(zone), kind))
    return events


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(CLOCKS),
    st.lists(histories(), max_size=12),
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=0, max_value=20 * 24 * 3600),
)
def test_the_batch_equals_the_one_by_one_clock(clock, tickets, target_minutes, now_after):
    now = dt.datetime.fromtimestamp(END + now_after, dt.UTC) if tickets else dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    if tickets and now_after % 3 == 0:  # sometimes judge as of a moment inside the histories
        now = tickets[0][0][0] + dt.timedelta(seconds=now_after)
    instants = resolution_breach_instants(clock, tickets, target_minutes, now)
    assert instants == [measure_resolution(clock, events, target_minutes, now).breach_at for events in tickets]
    assert instants == [
        breach_instant(clock, running_intervals(events, now), target_minutes * 60) for events in tickets
    ]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CLOCKS), st.lists(histories(), min_size=1, max_size=8), st.integers(0, 3000))
def test_events_the_resolution_clock_does_not_read_can_be_left_out(clock, tickets, target_minutes):
    now = dt.datetime.fromtimestamp(END + 86400, dt.UTC)
    kept = [[event for event in events if event[1] in RESOLUTION_EVENTS] for events in tickets]
    assert resolution_breach_instants(clock, kept, target_minutes, now) == resolution_breach_instants(
        clock, tickets, target_minutes, now
    )


@st.composite
def valid_histories(draw: st.DrawFn) -> list[tuple[dt.datetime, str]]:
    """Histories that can have happened: the drawn events, less each that
    `event_order_problems` would refuse where it stands."""
    resolved = closed = False
    events = []
    for at_, kind in draw(histories()):
        if events and (closed or (resolved and kind not in ("reopened", "closed"))):
            continue
        if events and not resolved and kind in ("reopened", "closed"):
            continue
        events.append((at_, kind))
        resolved = (resolved or kind == "resolved") and kind != "reopened"
        closed = closed or kind == "closed"
    return events


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CLOCKS), valid_histories(), st.integers(min_value=0, max_value=5000), st.data())
def test_a_ticket_resolved_within_its_target_on_the_wall_clock_never_breached(clock, events, target_minutes, data):
    assert event_order_problems(events) == []
    resolved = resolution_end(events)
    # Sometimes a target just above or below the wall-clock time the ticket took.
    if resolved is not None and data.draw(st.booleans()):
        target_minutes = max(0, int((resolved - events[0][0]).total_seconds() // 60) + data.draw(st.integers(-1, 1)))
    now = dt.datetime.fromtimestamp(END + 86400, dt.UTC)
    if not can_have_breached(events[0][0], resolved, target_minutes):
        assert measure_resolution(clock, events, target_minutes, now).breach_at is None
        assert resolution_breach_instants(clock, [events], target_minutes, now) == [None]
    if resolved is None:
        assert can_have_breached(events[0][0], resolved, target_minutes)
