"""SLA clocks: business hours with UK bank holidays, or 24x7; pauses; breach instants.

Elapsed business time is computed by arithmetic over days (whole weeks,
holidays counted by bisection, daylight-saving days corrected), so its cost
does not grow with a ticket's age. All instants are aware datetimes.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

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


@lru_cache(maxsize=256)
def _offset_change_days(zone_name: str, year: int) -> tuple[dt.date, ...]:
    """Days of `year` on which the zone's UTC offset changes (daylight saving starts or ends)."""
    zone = ZoneInfo(zone_name)
    days = []
    day = dt.date(year, 1, 1)
    previous = dt.datetime(year, 1, 1, tzinfo=zone).utcoffset()
    while day.year == year:
        following = dt.datetime.combine(day + ONE_DAY, dt.time(), zone).utcoffset()
        if following != previous:
            days.append(day)
        previous = following
        day += ONE_DAY
    return tuple(days)


@dataclass(frozen=True)
class BusinessCalendar:
    """Business hours on some weekdays in a timezone, closed on the listed holidays."""

    timezone: str
    weekdays: frozenset[int]  # 0 = Monday
    opens: dt.time
    closes: dt.time
    holidays: frozenset[dt.date] = frozenset()
    _working_holidays: tuple[dt.date, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("business hours must close after they open")
        working = tuple(sorted(d for d in self.holidays if d.weekday() in self.weekdays))
        object.__setattr__(self, "_working_holidays", working)

    @classmethod
    def of(
        cls,
        timezone: str,
        days: Iterable[str],
        opens: dt.time,
        closes: dt.time,
        holidays: Iterable[dt.date] = (),
    ) -> BusinessCalendar:
        return cls(
            timezone,
            frozenset(WEEKDAY_NAMES.index(d) for d in days),
            opens,
            closes,
            frozenset(holidays),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def nominal_seconds(self) -> int:
        return (dt.datetime.combine(dt.date.min, self.closes) - dt.datetime.combine(dt.date.min, self.opens)).seconds

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The day's business hours as UTC instants (correct across daylight-saving changes)."""
        zone = self.zone
        return (
            dt.datetime.combine(day, self.opens, zone).astimezone(dt.UTC),
            dt.datetime.combine(day, self.closes, zone).astimezone(dt.UTC),
        )

    def _window_seconds(self, day: dt.date) -> int:
        opens, closes = self.window(day)
        return int((closes - opens).total_seconds())

    def _working_days_between(self, first: dt.date, last: dt.date) -> int:
        """Working weekdays from `first` to `last` inclusive, less holidays: arithmetic, no stepping."""
        if last < first:
            return 0
        span = (last - first).days + 1
        weeks, rest = divmod(span, 7)
        count = weeks * len(self.weekdays)
        start = first.weekday()
        count += sum(1 for i in range(rest) if (start + i) % 7 in self.weekdays)
        hol = self._working_holidays
        count -= bisect.bisect_right(hol, last) - bisect.bisect_left(hol, first)
        return count

    def _full_days_seconds(self, first: dt.date, last: dt.date) -> int:
        if last < first:
            return 0
        total = self._working_days_between(first, last) * self.nominal_seconds
        for year in range(first.year, last.year + 1):
            for day in _offset_change_days(self.timezone, year):
                if first <= day <= last and self.is_working_day(day):
                    total += self._window_seconds(day) - self.nominal_seconds
        return total

    def _overlap(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> int:
        if not self.is_working_day(day):
            return 0
        opens, closes = self.window(day)
        lo, hi = max(opens, start), min(closes, end)
        return max(0, int((hi - lo).total_seconds()))

    def seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Business seconds in [start, end)."""
        if end <= start:
            return 0
        zone = self.zone
        first = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        if first == last:
            return self._overlap(first, start, end)
        return (
            self._overlap(first, start, end)
            + self._full_days_seconds(first + ONE_DAY, last - ONE_DAY)
            + self._overlap(last, start, end)
        )

    def advance(self, start: dt.datetime, seconds: int) -> dt.datetime:
        """The first running instant at which `seconds` of business time have passed since `start`.

        Steps a working day at a time, so its cost is bounded by the target, not by age.
        """
        zone = self.zone
        day = start.astimezone(zone).date()
        remaining = seconds
        while True:
            if self.is_working_day(day):
                opens, closes = self.window(day)
                lo = max(opens, start)
                if lo < closes:
                    available = int((closes - lo).total_seconds())
                    if remaining < available:
                        return lo + dt.timedelta(seconds=remaining)
                    remaining -= available
            day += ONE_DAY


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
    """Response: clock time from opened to the first response (an open ticket is judged as of now)."""
    end = responded or now
    intervals = [(opened, end)] if end > opened else []
    instant = breach_instant(clock, intervals, target_minutes * 60)
    minutes = _minutes(clock_seconds(clock, intervals)) if responded else None
    return Measure(minutes, instant is not None, instant)


def measure_resolution(
    clock: Clock, events: Sequence[tuple[dt.datetime, str]], target_minutes: int, now: dt.datetime
) -> Measure:
    """Resolution: clock time from opened to resolved less the pauses awaiting the customer."""
    resolved = any(kind == "resolved" for _, kind in events) and events[-1][1] == "resolved"
    intervals = running_intervals(events, now)
    instant = breach_instant(clock, intervals, target_minutes * 60)
    minutes = _minutes(clock_seconds(clock, intervals)) if resolved else None
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
