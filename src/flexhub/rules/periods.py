"""Months as billing periods: first and last days, days in a month, ranges of months."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; its first day is the pool date of billing."""

    year: int
    month: int

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM` to a Month; ValueError for anything else."""
        parts = text.split("-")
        if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2:
            raise ValueError(f"{text!r} is not a month written YYYY-MM")
        year, month = int(parts[0]), int(parts[1])
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} has no month {month}")
        return cls(year, month)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, self.days)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def plus(self, count: int) -> Month:
        """The month `count` months later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + count
        return Month(index // 12, index % 12 + 1)

    def index_from(self, origin: Month) -> int:
        """Months since `origin` (0 for the same month)."""
        return (self.year - origin.year) * 12 + self.month - origin.month

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def latest_window(
    with_data: tuple[Month, Month] | None, *, term: tuple[Month, Month], today: Month, span: int = 12
) -> tuple[Month, Month]:
    """The months a report shows when none are asked for: up to `span` months ending at the last
    month with data and starting no earlier than the first (`with_data` is that first and last),
    so a history that ended years ago is shown, not today's empty months. With no data, the
    `span` months of the term ending at today, or at the term's end if that came first."""
    if with_data is not None:
        first_with_data, last_with_data = with_data
        return max(last_with_data.plus(1 - span), first_with_data), last_with_data
    term_first, term_last = term
    last = min(max(today, term_first), term_last)
    return max(last.plus(1 - span), term_first), last


def months(first: Month, last: Month) -> Iterator[Month]:
    """Every month from `first` to `last`, both included."""
    current = first
    while current <= last:
        yield current
        current = current.next()
