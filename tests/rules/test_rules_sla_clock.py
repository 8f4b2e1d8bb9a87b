"""SLA clocks: worked cases across weekends, bank holidays (England and Scotland), both
daylight-saving changes and pauses, and properties of the clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from flexhub.rules.sla_clock import (
    ALWAYS,
    BusinessCalendar,
    Clock,
    breach_instant,
    clock_seconds,
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


# An independent reference: count business minutes one by one -------------------
#
# It shares nothing with the calendar's day grid: it steps through UTC minutes, turns each
# minute's start into London wall time and asks the `holidays` package directly whether that
# day is a bank holiday of the region. Opening and closing times are kept outside 01:00-02:00,
# the hour the clocks change, where a wall time can be missing or happen twice.

LONDON = ZoneInfo("Europe/London")
ONE_MINUTE = dt.timedelta(minutes=1)
DAY_NUMBER = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
REFERENCE_HOLIDAYS = {
    region: holidays.country_holidays("GB", subdiv=region, years=range(2007, 2028)) for region in ("ENG", "SCT", "NIR")
}


@dataclasses.dataclass(frozen=True)
class Hours:
    region: str
    days: tuple[str, ...]
    opens: dt.time
    closes: dt.time

    @functools.cached_property
    def calendar(self) -> BusinessCalendar:
        bank_holidays = uk_bank_holidays(self.region, 2007, 2027)
        return BusinessCalendar.of("Europe/London", self.days, self.opens, self.closes, bank_holidays, (2007, 2027))


HOURS = [
    Hours("ENG", tuple(WEEKDAYS), dt.time(8), dt.time(18)),
    Hours("SCT", tuple(WEEKDAYS), dt.time(8), dt.time(18)),
    Hours("NIR", tuple(WEEKDAYS), dt.time(8), dt.time(18)),
    # Open every night across the hour the clocks change, so change days are business days.
    Hours("ENG", tuple(DAY_NUMBER), dt.time(0, 30), dt.time(3)),
    Hours("SCT", ("mon", "tue", "wed", "thu", "fri", "sat"), dt.time(7, 15), dt.time(19, 45)),
    Hours("NIR", ("sat", "sun", "mon"), dt.time(0), dt.time(23, 59)),
]


def reference_business_minutes(hours: Hours, start: dt.datetime, end: dt.datetime) -> int:
    """Business minutes in [start, end), found by looking at every minute."""
    bank_holidays = REFERENCE_HOLIDAYS[hours.region]
    days = {DAY_NUMBER[d] for d in hours.days}
    count = 0
    minute = start.astimezone(dt.UTC)
    while minute < end:
        local = minute.astimezone(LONDON)
        if local.weekday() in days and hours.opens <= local.time() < hours.closes and local.date() not in bank_holidays:
            count += 1
        minute += ONE_MINUTE
    return count


def _clock_changes(year: int) -> list[dt.datetime]:
    """01:00 UTC on the last Sundays of March and October, when the UK changes its clocks."""
    changes = []
    for month in (3, 10):
        last = dt.date(year, month, 31)
        sunday = last - dt.timedelta(days=(last.weekday() - 6) % 7)
        changes.append(dt.datetime.combine(sunday, dt.time(1), dt.UTC))
    return changes


# Instants worth meeting often: the clock changes and the start of every bank holiday
# (in London time) of each region, from 2008 to 2026.
ANCHORS = sorted(
    {
        *(change for year in range(2008, 2027) for change in _clock_changes(year)),
        *(
            dt.datetime.combine(day, dt.time(), LONDON).astimezone(dt.UTC)
            for region in REFERENCE_HOLIDAYS.values()
            for day in region
            if 2008 <= day.year <= 2026
        ),
    }
)
MAX_MINUTES = 4 * 24 * 60


def _minute_floor(instant: dt.datetime) -> dt.datetime:
    return instant.replace(second=0, microsecond=0)


minute_instants = st.one_of(
    instants.map(_minute_floor),
    st.builds(
        lambda anchor, offset: anchor + dt.timedelta(minutes=offset),
        st.sampled_from(ANCHORS),
        st.integers(min_value=-3 * 24 * 60, max_value=24 * 60),
    ),
)


def test_the_anchors_include_both_clock_changes_and_every_regions_holidays():
    assert _clock_changes(2009) == [
        dt.datetime(2009, 3, 29, 1, tzinfo=dt.UTC),
        dt.datetime(2009, 10, 25, 1, tzinfo=dt.UTC),
    ]
    # Scotland's 2 January and St Andrew's Day, Northern Ireland's St Patrick's Day and the Twelfth.
    for day, wall in [
        (dt.date(2009, 1, 2), dt.timedelta(0)),
        (dt.date(2026, 11, 30), dt.timedelta(0)),
        (dt.date(2015, 3, 17), dt.timedelta(0)),
        (dt.date(2016, 7, 12), dt.timedelta(hours=1)),
    ]:
        assert dt.datetime.combine(day, dt.time(), dt.UTC) - wall in ANCHORS


def test_the_reference_counts_worked_cases():
    """The reference itself, on cases worked by hand, so the property below compares two
    computations that are each right where it is easy to see."""
    eng, sct, _, night, *_ = HOURS
    # Friday 17:00 to Monday 09:00 BST: an hour each side of the weekend.
    assert reference_business_minutes(eng, at("2008-07-25T17:00:00+01:00"), at("2008-07-28T09:00:00+01:00")) == 120
    # 2 January 2009 is a bank holiday in Scotland only.
    start, end = at("2008-12-31T17:00:00+00:00"), at("2009-01-05T09:00:00+00:00")
    assert (reference_business_minutes(eng, start, end), reference_business_minutes(sct, start, end)) == (720, 120)
    # 00:30 to 03:00 London time is 90 minutes on the spring change night and 210 on the autumn one.
    spring, autumn = _clock_changes(2009)
    assert reference_business_minutes(night, spring - dt.timedelta(hours=3), spring + dt.timedelta(hours=3)) == 90
    assert reference_business_minutes(night, autumn - dt.timedelta(hours=3), autumn + dt.timedelta(hours=3)) == 210


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(HOURS),
    minute_instants,
    st.integers(min_value=0, max_value=MAX_MINUTES),
)
def test_business_clock_agrees_with_counting_minute_by_minute(hours, start, length):
    end = start + dt.timedelta(minutes=length)
    expected = 60 * reference_business_minutes(hours, start, end)
    assert hours.calendar.seconds_between(start, end) == expected
    assert Clock("business", hours.calendar).seconds_between(start, end) == expected


def clock_time_until(clock: Clock, intervals: list[tuple[dt.datetime, dt.datetime]], instant: dt.datetime) -> int:
    """Clock seconds run in the intervals before `instant`."""
    return sum(clock.seconds_between(a, min(b, instant)) for a, b in intervals if a < instant)


def _in_business_hours(calendar: BusinessCalendar, instant: dt.datetime) -> bool:
    local = instant.astimezone(calendar.zone)
    return calendar.is_working_day(local.date()) and calendar.opens <= local.time() < calendar.closes


running_spells = st.lists(
    st.tuples(st.integers(min_value=0, max_value=3 * 24 * 3600), st.integers(min_value=1, max_value=3 * 24 * 3600)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([*(Clock("business", h.calendar) for h in HOURS), ALWAYS_ON]),
    minute_instants,
    running_spells,
    st.data(),
)
def test_breach_instant_is_the_first_moment_past_the_target(clock, start, spells, data):
    """Running spells separated by pauses; the breach is the first instant at which the clock
    time reaches the target, so one second later it is past it."""
    intervals = []
    cursor = start
    for pause, running in spells:
        cursor += dt.timedelta(seconds=pause)
        intervals.append((cursor, cursor + dt.timedelta(seconds=running)))
        cursor += dt.timedelta(seconds=running)
    total = clock_seconds(clock, intervals)
    assume(total > 0)
    target = data.draw(st.integers(min_value=0, max_value=total - 1), label="target")

    instant = breach_instant(clock, intervals, target)

    assert instant is not None
    assert any(a <= instant < b for a, b in intervals), "the breach happens while the clock runs"
    assert clock_time_until(clock, intervals, instant) == target
    assert clock_time_until(clock, intervals, instant + dt.timedelta(seconds=1)) == target + 1
    if clock.calendar is not None:
        assert _in_business_hours(clock.calendar, instant)
    # A target the intervals never pass has no breach.
    assert breach_instant(clock, intervals, total) is None
