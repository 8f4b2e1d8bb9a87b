"""SLA clocks: worked cases across weekends, bank holidays (England and Scotland), both
daylight-saving changes and pauses, and properties of the clock."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexhub.rules.sla_clock import (
    ALWAYS,
    BusinessCalendar,
    Clock,
    breach_instant,
    measure_resolution,
    measure_response,
    running_intervals,
    time_per_tower,
    uk_bank_holidays,
)

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
ENG = BusinessCalendar.of(
    "Europe/London", WEEKDAYS, dt.time(8), dt.time(18), uk_bank_holidays("ENG", 2007, 2027), (2007, 2027)
)
SCT = BusinessCalendar.of(
    "Europe/London", WEEKDAYS, dt.time(8), dt.time(18), uk_bank_holidays("SCT", 2007, 2027), (2007, 2027)
)
EVERY_DAY = BusinessCalendar.of(
    "Europe/London", [*WEEKDAYS, "sat", "sun"], dt.time(0), dt.time(23, 59), (), (2007, 2027)
)
BUSINESS = Clock("business", ENG)
ALWAYS_ON = Clock(ALWAYS)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def minutes(calendar: BusinessCalendar, start: str, end: str) -> float:
    return calendar.seconds_between(at(start), at(end)) / 60


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        # Friday 17:00 to Monday 09:00: an hour each side of the weekend.
        (ENG, "2008-07-25T17:00:00+01:00", "2008-07-28T09:00:00+01:00", 120),
        # Summer bank holiday (Monday 25 August 2008, England and Wales) does not count.
        (ENG, "2008-08-22T17:00:00+01:00", "2008-08-26T09:00:00+01:00", 120),
        # 2 January 2009 is a bank holiday in Scotland only.
        (ENG, "2008-12-31T17:00:00+00:00", "2009-01-05T09:00:00+00:00", 60 + 600 + 60),
        (SCT, "2008-12-31T17:00:00+00:00", "2009-01-05T09:00:00+00:00", 60 + 60),
        # St Andrew's Day 2026 falls on Monday 30 November: Scotland only.
        (SCT, "2026-11-27T17:00:00+00:00", "2026-12-01T09:00:00+00:00", 120),
        (ENG, "2026-11-27T17:00:00+00:00", "2026-12-01T09:00:00+00:00", 720),
        # Across the spring change (29 March 2009): business hours are local, so unaffected.
        (ENG, "2009-03-27T17:00:00+00:00", "2009-03-30T09:00:00+01:00", 120),
        # A clock running all day sees the short and the long day of the year.
        (EVERY_DAY, "2009-03-29T00:00:00+00:00", "2009-03-29T23:59:00+01:00", 22 * 60 + 59),
        (EVERY_DAY, "2009-10-25T00:00:00+01:00", "2009-10-25T23:59:00+00:00", 24 * 60 + 59),
        # Outside business hours entirely, and reversed intervals, count nothing.
        (ENG, "2008-07-26T10:00:00+01:00", "2008-07-27T10:00:00+01:00", 0),
        (ENG, "2008-07-28T10:00:00+01:00", "2008-07-28T09:00:00+01:00", 0),
        # A long ticket: a whole year of working days, computed without stepping.
        (ENG, "2009-01-01T00:00:00+00:00", "2010-01-01T00:00:00+00:00", 253 * 600),
    ],
)
def test_business_minutes(calendar, start, end, expected):
    assert minutes(calendar, start, end) == expected


def test_24x7_clock_across_both_daylight_saving_changes():
    assert ALWAYS_ON.seconds_between(at("2009-03-28T23:00:00+00:00"), at("2009-03-29T03:00:00+01:00")) == 3 * 3600
    assert ALWAYS_ON.seconds_between(at("2009-10-25T00:30:00+01:00"), at("2009-10-25T02:30:00+00:00")) == 3 * 3600


def test_advance_lands_inside_business_hours_and_moves_past_closing():
    assert ENG.advance(at("2008-07-25T17:00:00+01:00"), 2 * 3600) == at("2008-07-28T09:00:00+01:00")
    # Reaching the target exactly at 18:00 means the clock passes it at the next opening.
    assert ENG.advance(at("2008-07-25T17:00:00+01:00"), 3600) == at("2008-07-28T08:00:00+01:00")
    assert ENG.advance(at("2008-08-22T17:30:00+01:00"), 3600) == at("2008-08-26T08:30:00+01:00")


def test_pauses_while_awaiting_the_customer():
    events = [
        (at("2008-07-24T16:00:00+01:00"), "opened"),
        (at("2008-07-24T16:20:00+01:00"), "responded"),
        (at("2008-07-25T10:00:00+01:00"), "awaiting_customer"),
        (at("2008-07-28T09:00:00+01:00"), "resumed"),
        (at("2008-07-28T17:30:00+01:00"), "resolved"),
    ]
    measure = measure_resolution(BUSINESS, events, 480, now=at("2030-01-01T00:00:00+00:00"))
    assert measure.minutes == 120 + 120 + 510
    assert measure.breached and measure.breach_at == at("2008-07-28T13:00:00+01:00")
    response = measure_response(BUSINESS, events[0][0], events[1][0], 30, now=at("2030-01-01T00:00:00+00:00"))
    assert (response.minutes, response.breached) == (20, False)


def test_an_open_ticket_is_judged_as_of_now():
    events = [(at("2008-07-14T09:30:00+01:00"), "opened")]
    before = measure_resolution(ALWAYS_ON, events, 240, now=at("2008-07-14T13:00:00+01:00"))
    after = measure_resolution(ALWAYS_ON, events, 240, now=at("2008-07-14T13:31:00+01:00"))
    assert (before.minutes, before.breached) == (None, False)
    assert after.breached and after.breach_at == at("2008-07-14T13:30:00+01:00")
    paused = [*events, (at("2008-07-14T10:00:00+01:00"), "awaiting_customer")]
    assert not measure_resolution(ALWAYS_ON, paused, 240, now=at("2008-07-20T00:00:00+01:00")).breached


def test_reopened_ticket_runs_again():
    events = [
        (at("2008-07-14T09:00:00+01:00"), "opened"),
        (at("2008-07-14T10:00:00+01:00"), "resolved"),
        (at("2008-07-15T09:00:00+01:00"), "reopened"),
        (at("2008-07-15T10:00:00+01:00"), "resolved"),
    ]
    assert running_intervals(events, at("2030-01-01T00:00:00+00:00")) == [
        (events[0][0], events[1][0]),
        (events[2][0], events[3][0]),
    ]


def test_time_per_tower_follows_the_routing():
    events = [
        (at("2016-11-03T02:10:00+00:00"), "opened", "EUC"),
        (at("2016-11-03T02:16:00+00:00"), "responded", None),
        (at("2016-11-03T03:00:00+00:00"), "reassigned", "NET"),
        (at("2016-11-03T04:45:00+00:00"), "resolved", None),
    ]
    spans = time_per_tower(ALWAYS_ON, events, now=at("2030-01-01T00:00:00+00:00"))
    assert [(tower, seconds // 60) for tower, _, _, seconds in spans] == [("EUC", 50), ("NET", 105)]


def test_a_date_outside_the_calendar_is_a_clear_error():
    with pytest.raises(ValueError, match="outside the calendar"):
        ENG.seconds_between(at("2001-01-01T00:00:00+00:00"), at("2008-01-01T00:00:00+00:00"))


# Properties -----------------------------------------------------------------

instants = st.integers(
    min_value=int(dt.datetime(2008, 1, 1, tzinfo=dt.UTC).timestamp()),
    max_value=int(dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()),
).map(lambda ts: dt.datetime.fromtimestamp(ts, dt.UTC))


@settings(max_examples=300)
@given(st.lists(instants, min_size=3, max_size=3).map(sorted), st.sampled_from([ENG, SCT]))
def test_elapsed_time_is_additive_over_adjacent_intervals(points, calendar):
    a, b, c = points
    assert calendar.seconds_between(a, c) == calendar.seconds_between(a, b) + calendar.seconds_between(b, c)


@settings(max_examples=300)
@given(instants, instants)
def test_business_clock_never_exceeds_24x7(a, b):
    assert BUSINESS.seconds_between(a, b) <= ALWAYS_ON.seconds_between(a, b)


@settings(max_examples=300)
@given(instants, st.integers(min_value=1, max_value=200 * 3600))
def test_advance_is_the_inverse_of_elapsed(start, seconds):
    reached = ENG.advance(start, seconds)
    assert ENG.seconds_between(start, reached) == seconds
    # ...and the instant is inside business hours.
    local = reached.astimezone(ENG.zone)
    assert ENG.is_working_day(local.date()) and dt.time(8) <= local.time() < dt.time(18)


@settings(max_examples=200)
@given(instants, st.integers(min_value=1, max_value=50 * 3600))
def test_breach_instant_is_when_the_target_is_passed(start, target):
    end = start + dt.timedelta(days=60)
    instant = breach_instant(BUSINESS, [(start, end)], target)
    assert instant is not None
    assert BUSINESS.seconds_between(start, instant) == target
