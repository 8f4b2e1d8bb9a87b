"""The SLA clock for many tickets at once, with numpy: the same rules as `sla_clock`, on arrays.

A benchmark of how far the clock can be pushed; the product measures with `rules/sla_clock`.

`sla_clock.BusinessCalendar` keeps the cumulative business time F(t) per day; here F and its
inverse are evaluated for whole arrays of instants, so measuring a million tickets costs a
few vectorised passes instead of a million Python calls. Results agree with the scalar
clock to the second (bench/test_sla_batch.py; `pytest bench/test_sla_batch.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from flexhub.rules.sla_clock import BusinessCalendar

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
STARTS = frozenset({"opened", "resumed", "reopened"})


@dataclass(frozen=True)
class ArrayClock:
    """A clock as arrays: the business calendar's day grid, or None for the 24x7 clock."""

    day_start: Floats | None = None
    open_at: Floats | None = None
    length: Floats | None = None
    before: Floats | None = None
    before_end: Floats | None = None

    @classmethod
    def of(cls, calendar: BusinessCalendar | None) -> ArrayClock:
        if calendar is None:
            return cls()
        grid = calendar.grid
        return cls(
            *(
                np.asarray(values, dtype=np.float64)
                for values in (grid.day_start, grid.open_at, grid.length, grid.before, grid.before_end)
            )
        )

    def cumulative(self, ts: Floats) -> Floats:
        """F(t) for every instant (epoch seconds)."""
        if self.day_start is None:
            return ts
        assert self.open_at is not None and self.length is not None and self.before is not None
        day = np.searchsorted(self.day_start, ts, side="right") - 1
        if len(ts) and (day.min() < 0 or day.max() >= len(self.open_at)):
            raise ValueError("an instant is outside the calendar's years")
        return self.before[day] + np.clip(ts - self.open_at[day], 0.0, self.length[day])

    def inverse(self, x: Floats) -> Floats:
        """The first running instant at which F reaches x (the breach instant of a target)."""
        if self.day_start is None:
            return x
        assert self.before_end is not None and self.open_at is not None and self.before is not None
        day = np.searchsorted(self.before_end, x, side="right")
        if len(x) and day.max() >= len(self.before_end):
            raise ValueError("a target lies beyond the calendar's last year")
        return self.open_at[day] + (x - self.before[day])


@dataclass(frozen=True)
class BatchResult:
    """Per ticket: clock seconds (NaN where not measured yet) and breach instants (NaN: none)."""

    response_seconds: Floats
    response_breach: Floats
    resolution_seconds: Floats
    resolution_breach: Floats

    @property
    def response_breached(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.response_breach)

    @property
    def resolution_breached(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.resolution_breach)


def intervals_of(
    ticket_index: Sequence[int], at: Sequence[float], kind: Sequence[str], now: float
) -> tuple[Ints, Floats, Floats, Floats, Floats]:
    """From events sorted by ticket then time: each ticket's running intervals (opened or resumed
    to awaiting_customer or resolved), its opening and its first response (NaN if none)."""
    count = (max(ticket_index) + 1) if len(ticket_index) else 0
    opened = np.full(count, np.nan)
    responded = np.full(count, np.nan)
    owners: list[int] = []
    starts: list[float] = []
    ends: list[float] = []
    current = -1
    running_since: float | None = None
    for index, ts, event in zip(ticket_index, at, kind, strict=True):
        if index != current:
            if running_since is not None:
                owners.append(current)
                starts.append(running_since)
                ends.append(max(now, running_since))
            current, running_since = index, None
        if event == "opened":
            opened[index] = ts
            running_since = ts
        elif event == "responded":
            if np.isnan(responded[index]):
                responded[index] = ts
        elif event in STARTS:
            if running_since is None:
                running_since = ts
        elif event in ("awaiting_customer", "resolved") and running_since is not None:
            owners.append(index)
            starts.append(running_since)
            ends.append(ts)
            running_since = None
    if running_since is not None:
        owners.append(current)
        starts.append(running_since)
        ends.append(max(now, running_since))
    return (
        np.asarray(owners, dtype=np.int64),
        np.asarray(starts, dtype=np.float64),
        np.asarray(ends, dtype=np.float64),
        opened,
        responded,
    )


def measure_batch(
    clock: ArrayClock,
    opened: Floats,
    responded: Floats,
    owners: Ints,
    starts: Floats,
    ends: Floats,
    respond_target: Floats,
    resolve_target: Floats,
    resolved: npt.NDArray[np.bool_],
    now: float,
) -> BatchResult:
    """Response and resolution of every ticket on one clock (targets in seconds, per ticket)."""
    count = len(opened)
    # Response: from opened to the first response, or to now for a ticket not yet answered.
    f_open = clock.cumulative(opened)
    respond_end = np.where(np.isnan(responded), max(now, 0.0), responded)
    respond_end = np.maximum(respond_end, opened)
    response_elapsed = np.rint(clock.cumulative(respond_end) - f_open)
    response_breach = np.where(response_elapsed > respond_target, clock.inverse(f_open + respond_target), np.nan)
    response_seconds = np.where(np.isnan(responded), np.nan, response_elapsed)
    # Resolution: the running intervals, less the pauses, summed per ticket.
    f_start = clock.cumulative(starts)
    lengths = np.rint(clock.cumulative(ends) - f_start)
    totals = np.bincount(owners, weights=lengths, minlength=count)
    running_total = np.cumsum(lengths)
    first_of_ticket = np.searchsorted(owners, owners, side="left")
    offsets = np.concatenate(([0.0], running_total))[first_of_ticket]
    before = running_total - lengths - offsets
    target = resolve_target[owners]
    crossing = (before + lengths > target) & (before <= target)
    resolution_breach = np.full(count, np.nan)
    resolution_breach[owners[crossing]] = clock.inverse(f_start[crossing] + (target[crossing] - before[crossing]))
    resolution_seconds = np.where(resolved, totals, np.nan)
    return BatchResult(response_seconds, response_breach, resolution_seconds, resolution_breach)
