"""SLA clocks: business hours with UK bank holidays, or 24x7; pauses; breach instants.

Elapsed business time is computed by arithmetic over days (whole weeks,
holidays counted by bisection, daylight-saving days corrected), so its cost
does not grow with a ticket's age. All instants are aware datetimes.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

from flexhub.rules.ticket_state import resolution_end

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BUSINESS = "business"
ALWAYS = "24x7"
ONE_DAY = dt.timedelta(days=1)


@lru_cache(maxsize=64)
def uk_bank_holidays(region: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    """Bank holidays of England and Wales (ENG), Scotland (SCT) or Northern Ireland (NIR),
    from the `holidays` package, which needs no network."""
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv=region, years=range(first_year, last_year + 1)).keys())


@dataclass(frozen=True)
class BusinessCalendar:
    """Business hours on some weekdays in a timezone, closed on the listed holidays.

    Over its years it keeps, for every local day, the UTC seconds at which the day starts and
    its business hours open and close, and the business seconds before the day: the
    *cumulative business time* F(t). Elapsed business time is then F(b) - F(a) and the
    instant a target is reached is F's inverse, each a binary search: the cost depends on
    neither the ticket's age nor the target, and daylight-saving days are exact because the
    windows are real UTC instants.
    """

    timezone: str
    weekdays: frozenset[int]  # 0 = Monday
    opens: dt.time
    closes: dt.time
    holidays: frozenset[dt.date] = frozenset()
    first_year: int = 1990
    last_year: int = 2060

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("business hours must close after they open")

    @classmethod
    def of(
        cls,
        timezone: str,
        days: Iterable[str],
        opens: dt.time,
        closes: dt.time,
        holidays: Iterable[dt.date] = (),
        years: tuple[int, int] = (1990, 2060),
    ) -> BusinessCalendar:
        return cls(
            timezone,
            frozenset(WEEKDAY_NAMES.index(d) for d in days),
            opens,
            closes,
            frozenset(holidays),
            years[0],
            years[1],
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The day's business hours as UTC instants (correct across daylight-saving changes)."""
        zone = self.zone
        return (
            dt.datetime.combine(day, self.opens, zone).astimezone(dt.UTC),
            dt.datetime.combine(day, self.closes, zone).astimezone(dt.UTC),
        )

    @cached_property
    def grid(self) -> DayGrid:
        return _day_grid(self)

    def _check(self, ts: float) -> None:
        grid = self.grid
        if not grid.day_start[0] <= ts < grid.day_start[-1]:
            raise ValueError(
                f"{dt.datetime.fromtimestamp(ts, dt.UTC):%Y-%m-%d} is outside the calendar's years "
                f"({self.first_year} to {self.last_year})"
            )

    def cumulative(self, instant: dt.datetime) -> float:
        """F(t): business seconds from the calendar's first day to `instant`."""
        ts = instant.timestamp()
        self._check(ts)
        grid = self.grid
        day = bisect.bisect_right(grid.day_start, ts) - 1
        return grid.before[day] + min(max(ts - grid.open_at[day], 0.0), grid.length[day])

    def seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Business seconds in [start, end)."""
        if end <= start:
            return 0
        return round(self.cumulative(end) - self.cumulative(start))

    def advance(self, start: dt.datetime, seconds: int) -> dt.datetime:
        """The first running instant at which `seconds` of business time have passed since `start`
        (reaching a target exactly at closing time means the next opening)."""
        grid = self.grid
        target = self.cumulative(start) + seconds
        day = bisect.bisect_right(grid.before_end, target)
        if day >= len(grid.before_end):
            raise ValueError(f"the target lies beyond the calendar's last year ({self.last_year})")
        ts = grid.open_at[day] + (target - grid.before[day])
        return dt.datetime.fromtimestamp(round(ts), dt.UTC)


@dataclass(frozen=True)
class DayGrid:
    """Per local day: UTC start, UTC opening, business length, and business seconds before it."""

    day_start: list[float]
    open_at: list[float]
    length: list[float]
    before: list[float]
    before_end: list[float]


@lru_cache(maxsize=64)
def _day_grid(calendar: BusinessCalendar) -> DayGrid:
    zone = calendar.zone
    day = dt.date(calendar.first_year, 1, 1)
    last = dt.date(calendar.last_year, 12, 31)
    day_start: list[float] = []
    open_at: list[float] = []
    length: list[float] = []
    before: list[float] = []
    before_end: list[float] = []
    total = 0.0
    while day <= last:
        day_start.append(dt.datetime.combine(day, dt.time(), zone).timestamp())
        opening = dt.datetime.combine(day, calendar.opens, zone).timestamp()
        if calendar.is_working_day(day):
            seconds = dt.datetime.combine(day, calendar.closes, zone).timestamp() - opening
        else:
            seconds = 0.0
        open_at.append(opening)
        length.append(seconds)
        before.append(total)
        total += seconds
        before_end.append(total)
        day += ONE_DAY
    day_start.append(dt.datetime.combine(day, dt.time(), zone).timestamp())
    return DayGrid(day_start, open_at, length, before, before_end)


@dataclass(frozen=True)
class Clock:
    """A business clock (with its calendar) or the 24x7 clock."""

    kind: str
    calendar: BusinessCalendar | None = None

    def seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        if end <= start:
            return 0
        if self.kind == ALWAYS or self.calendar is None:
            return int((end - start).total_seconds())
        return self.calendar.seconds_between(start, end)

    def advance(self, start: dt.datetime, seconds: int) -> dt.datetime:
        if self.kind == ALWAYS or self.calendar is None:
            return start + dt.timedelta(seconds=seconds)
        return self.calendar.advance(start, seconds)


Interval = tuple[dt.datetime, dt.datetime]


def running_intervals(events: Sequence[tuple[dt.datetime, str]], until: dt.datetime) -> list[Interval]:
    """When the resolution clock runs: from `opened` to `resolved` (or `until`), less every
    interval from `awaiting_customer` to the next `resumed` (or `resolved`)."""
    intervals: list[Interval] = []
    running_since: dt.datetime | None = None
    for at, kind in events:
        if kind == "opened" and running_since is None and not intervals:
            running_since = at
        elif kind == "awaiting_customer" and running_since is not None:
            intervals.append((running_since, at))
            running_since = None
        elif kind in ("resumed", "reopened") and running_since is None:
            running_since = at
        elif kind == "resolved":
            if running_since is not None:
                intervals.append((running_since, at))
            running_since = None
    if running_since is not None and until > running_since:
        intervals.append((running_since, until))
    return intervals


def clock_seconds(clock: Clock, intervals: Iterable[Interval]) -> int:
    return sum(clock.seconds_between(a, b) for a, b in intervals)


def breach_instant(clock: Clock, intervals: Sequence[Interval], target_seconds: int) -> dt.datetime | None:
    """The first instant at which the clock time exceeds the target, or None if it never does."""
    spent = 0
    for start, end in intervals:
        length = clock.seconds_between(start, end)
        if spent + length > target_seconds:
            return clock.advance(start, target_seconds - spent)
        spent += length
    return None


@dataclass(frozen=True)
class Measure:
    """One SLA measure of a ticket: clock minutes so far and whether/when the target was passed."""

    minutes: float | None
    breached: bool
    breach_at: dt.datetime | None


def _minutes(seconds: int) -> float:
    value = seconds / 60
    return int(value) if value == int(value) else round(value, 2)


def measure_response(
    clock: Clock,
    opened: dt.datetime,
    responded: dt.datetime | None,
    target_minutes: int,
    now: dt.datetime,
) -> Measure:
    """Response: clock time from opened to `responded` (`response_end` of the events: the first
    response, or the resolution if none came first); an open ticket is judged as of now."""
    end = responded or now
    intervals = [(opened, end)] if end > opened else []
    instant = breach_instant(clock, intervals, target_minutes * 60)
    minutes = _minutes(clock_seconds(clock, intervals)) if responded else None
    return Measure(minutes, instant is not None, instant)


def measure_resolution(
    clock: Clock, events: Sequence[tuple[dt.datetime, str]], target_minutes: int, now: dt.datetime
) -> Measure:
    """Resolution: clock time from opened to resolved less the pauses awaiting the customer
    (measured whatever happened after the resolution: closing the ticket changes nothing)."""
    intervals = running_intervals(events, now)
    instant = breach_instant(clock, intervals, target_minutes * 60)
    minutes = _minutes(clock_seconds(clock, intervals)) if resolution_end(events) is not None else None
    return Measure(minutes, instant is not None, instant)


def time_per_tower(
    clock: Clock, events: Sequence[tuple[dt.datetime, str, str | None]], now: dt.datetime
) -> list[tuple[str, dt.datetime, dt.datetime, int]]:
    """Clock time from each routing (opened or reassigned) to the next routing or the resolution,
    for the tower the ticket was with: `(tower, from, to, seconds)`."""
    spans: list[tuple[str, dt.datetime, dt.datetime, int]] = []
    tower: str | None = None
    since: dt.datetime | None = None
    for at, kind, event_tower in events:
        if kind in ("opened", "reassigned"):
            if tower is not None and since is not None:
                spans.append((tower, since, at, clock.seconds_between(since, at)))
            tower, since = event_tower, at
        elif kind == "resolved" and tower is not None and since is not None:
            spans.append((tower, since, at, clock.seconds_between(since, at)))
            tower, since = None, None
    if tower is not None and since is not None and now > since:
        spans.append((tower, since, now, clock.seconds_between(since, now)))
    return spans
