"""Pooled pricing and charges, exactly as scenario-format.md "Pricing and billing rules" says.

Everything here takes plain values (dates, Decimal, small frozen dataclasses)
so the rules can be tested exhaustively and benchmarked without a database.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flexhub.rules.money import ZERO, money_display, to_penny
from flexhub.rules.periods import Month

FLAT = "flat"
POOLED = "pooled-volume"


@dataclass(frozen=True)
class Band:
    """A price that applies once the framework-wide pool reaches `start`."""

    start: int
    price: Decimal


@dataclass(frozen=True)
class Pricing:
    """A service's price rule: flat (one band from 0) or pooled-volume bands, maybe ratcheted."""

    model: str
    bands: tuple[Band, ...]
    ratchet: bool = False

    @classmethod
    def flat(cls, price: Decimal) -> Pricing:
        return cls(FLAT, (Band(0, price),))

    @property
    def pooled(self) -> bool:
        return self.model == POOLED

    def band_for(self, pool_size: int) -> Band:
        """The band with the greatest start not above the pool size."""
        starts = [b.start for b in self.bands]
        index = bisect.bisect_right(starts, pool_size) - 1
        return self.bands[max(index, 0)]


@dataclass(frozen=True)
class LineTerms:
    """One contract line: active from `start` to `end` (both included), with its
    quantity and effective-dated changes (`(effective, quantity)`, sorted)."""

    service: str
    start: dt.date
    end: dt.date
    quantity: int
    changes: tuple[tuple[dt.date, int], ...] = ()

    def quantity_on(self, day: dt.date) -> int:
        """The quantity in force on `day`: 0 outside the line's active dates."""
        if day < self.start or day > self.end:
            return 0
        quantity = self.quantity
        for effective, changed in self.changes:
            if effective > day:
                break
            quantity = changed
        return quantity


@dataclass(frozen=True)
class Run:
    """A maximal run of days in a month with the same non-zero quantity."""

    first: dt.date
    last: dt.date
    quantity: int

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def quantity_runs(line: LineTerms, month: Month) -> list[Run]:
    """The line's runs within `month`: split where a change takes effect; zero runs omitted."""
    first = max(line.start, month.first)
    last = min(line.end, month.last)
    if first > last:
        return []
    cuts = sorted({effective for effective, _ in line.changes if first < effective <= last})
    runs: list[Run] = []
    run_start = first
    for boundary in [*cuts, last + dt.timedelta(days=1)]:
        quantity = line.quantity_on(run_start)
        run_end = boundary - dt.timedelta(days=1)
        if runs and runs[-1].quantity == quantity and runs[-1].last + dt.timedelta(days=1) == run_start:
            runs[-1] = Run(runs[-1].first, run_end, quantity)
        elif quantity > 0:
            runs.append(Run(run_start, run_end, quantity))
        run_start = boundary
    return [r for r in runs if r.quantity > 0]


def run_amount(unit_price: Decimal, run: Run, month: Month) -> Decimal:
    """unit price x quantity x days in the run / days in the month, to the penny half up."""
    return to_penny(unit_price * run.quantity * run.days / month.days)


def pool_size(lines: Iterable[LineTerms], month: Month) -> int:
    """The sum of the lines' quantities on the pool date (the month's first day)."""
    return sum(line.quantity_on(month.first) for line in lines)


def unit_prices(pricing: Pricing, pool_sizes: Sequence[int]) -> list[Decimal]:
    """The unit price for each month, given the pool sizes from the framework's first month.

    With a ratchet the price is the lowest any month so far has given, so it never rises.
    """
    prices: list[Decimal] = []
    lowest: Decimal | None = None
    starts = [band.start for band in pricing.bands]  # as band_for, once rather than every month
    for size in pool_sizes:
        price = pricing.bands[max(bisect.bisect_right(starts, size) - 1, 0)].price
        if pricing.ratchet:
            lowest = price if lowest is None else min(lowest, price)
            price = lowest
        prices.append(price)
    return prices


@dataclass(frozen=True)
class ContractTerms:
    """What the ceiling guard needs of a contract: its key, signing date and lines."""

    ref: str
    signed: dt.date
    start: dt.date
    end: dt.date
    lines: tuple[LineTerms, ...] = field(default_factory=tuple)


@dataclass
class PoolLedger:
    """Pool sizes per pooled service and month over a framework's term, built up contract by
    contract so committed values never re-read earlier contracts.

    Each line adds its quantities to a difference array (one entry where a quantity starts
    counting on a pool date and one where it stops), so adding a line costs the number of its
    changes, not the number of months it runs; `series` sums the array up once it is asked for.
    """

    first: Month
    last: Month
    _diffs: dict[str, list[int]] = field(default_factory=dict)
    _series: dict[str, list[int]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.last.index_from(self.first) + 1

    def _pool_index_from(self, day: dt.date) -> int:
        """Index of the first pool date (a month's first day) on or after `day`."""
        month = Month.of(day)
        return month.index_from(self.first) + (0 if day.day == 1 else 1)

    def add_line(self, line: LineTerms, sign: int = 1) -> None:
        diff = self._diffs.setdefault(line.service, [0] * (self.count + 1))
        self._series.pop(line.service, None)
        for segment_start, segment_end, quantity in quantity_spans(line):
            lo = max(self._pool_index_from(segment_start), 0)
            hi = min(Month.of(segment_end).index_from(self.first), self.count - 1)
            if lo <= hi:
                diff[lo] += sign * quantity
                diff[hi + 1] -= sign * quantity

    def add(self, contract: ContractTerms, pricing: Mapping[str, Pricing], sign: int = 1) -> None:
        for line in contract.lines:
            rule = pricing.get(line.service)
            if rule is not None and rule.pooled:
                self.add_line(line, sign)

    def series(self, service: str) -> list[int]:
        if service not in self._series:
            diff = self._diffs.get(service)
            if diff is None:
                return [0] * self.count
            total, sizes = 0, []
            for step in diff[:-1]:
                total += step
                sizes.append(total)
            self._series[service] = sizes
        return self._series[service]


def quantity_spans(line: LineTerms) -> list[tuple[dt.date, dt.date, int]]:
    """The line's maximal stretches of days with one unchanged, non-zero quantity, in order, as
    `(first, last, quantity)`: within a month, each is that month's `quantity_runs` run."""
    changes = line.changes
    in_order = all(changes[i][0] <= changes[i + 1][0] for i in range(len(changes) - 1))
    cuts = sorted({effective for effective, _ in changes if line.start < effective <= line.end})
    spans: list[tuple[dt.date, dt.date, int]] = []
    first = line.start
    quantity, applied = line.quantity, 0
    for boundary in [*cuts, line.end + dt.timedelta(days=1)]:
        if in_order:  # walk the changes once rather than ask quantity_on from the start each time
            while applied < len(changes) and changes[applied][0] <= first:
                quantity = changes[applied][1]
                applied += 1
        else:
            quantity = line.quantity_on(first)
        last = boundary - dt.timedelta(days=1)
        if spans and spans[-1][2] == quantity:
            spans[-1] = (spans[-1][0], last, quantity)
        else:
            spans.append((first, last, quantity))
        first = boundary
    return [span for span in spans if span[2] > 0]


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_LONG_MONTHS = (0, 2, 4, 6, 7, 9, 11)  # months of the year (January 0) with 31 days
_SHORT_MONTHS = (3, 5, 8, 10)  # and with 30


def _days_in(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month]


def _leap_years_to(year: int) -> int:
    return year // 4 - year // 100 + year // 400


def _lengths(lo: int, hi: int) -> tuple[tuple[int, int], ...]:
    """`(days, how many months)` for 28 to 31 days, over months numbered `year * 12 + month - 1`
    from `lo` to `hi` (both included)."""
    short = sum((hi - m) // 12 - (lo - 1 - m) // 12 for m in _SHORT_MONTHS)
    long = sum((hi - m) // 12 - (lo - 1 - m) // 12 for m in _LONG_MONTHS)
    first_february, last_february = -((1 - lo) // 12), (hi - 1) // 12  # the years of February lo..hi
    februaries = last_february - first_february + 1
    leap = _leap_years_to(last_february) - _leap_years_to(first_february - 1) if februaries > 0 else 0
    return (28, max(februaries, 0) - leap), (29, leap), (30, short), (31, long)


def months_by_length(first: Month, last: Month) -> dict[int, int]:
    """How many months from `first` to `last` (both included) have 28, 29, 30 and 31 days,
    counted without walking the months (none when `last` is before `first`)."""
    lo, hi = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return dict(_lengths(lo, hi)) if lo <= hi else {28: 0, 29: 0, 30: 0, 31: 0}


def _price_steps(series: Sequence[Decimal]) -> tuple[list[int], list[Decimal]]:
    """Where a monthly price series changes: the index each price starts at, and the price."""
    starts: list[int] = []
    steps: list[Decimal] = []
    for index, price in enumerate(series):
        if not steps or price != steps[-1]:
            starts.append(index)
            steps.append(price)
    return starts, steps


def line_charge(line: LineTerms, series: Sequence[Decimal] | None, price: Decimal, origin: Month) -> Decimal:
    """The sum of a line's charge lines over its whole term: for each month, each run's
    `run_amount` at the month's unit price (`series`, indexed from `origin`; or `price` every month).

    Worked per span of unchanged quantity rather than month by month: a span's first and last
    months are runs of their own; every month between is charged whole, `unit price x quantity x
    days / days`, so those months are added up by price and by length (28 to 31 days), each
    amount rounded as its run would be. The result is the same Decimal as the month-by-month sum.
    Months are numbered `year * 12 + month - 1` here, which is all the arithmetic needs.
    """
    base = origin.year * 12 + origin.month - 1
    count = len(series) if series is not None else 0
    starts, steps = _price_steps(series) if series is not None else ([], [])

    def price_in(month: int) -> Decimal:
        if series is None:
            return price
        if not 0 <= month - base < count:
            raise ValueError(f"{line.service}: {Month(month // 12, month % 12 + 1)} is not priced from {origin}")
        return series[month - base]

    total = ZERO
    for first, last, quantity in quantity_spans(line):
        head, tail = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
        head_days = _days_in(first.year, first.month)
        if head == tail:
            total += to_penny(price_in(head) * quantity * ((last - first).days + 1) / head_days)
            continue
        total += to_penny(price_in(head) * quantity * (head_days - first.day + 1) / head_days)
        total += to_penny(price_in(tail) * quantity * last.day / _days_in(last.year, last.month))
        if head + 1 > tail - 1:
            continue
        pieces = [(head + 1, tail - 1, price)]  # the whole months between, by the unit price in force
        if series is not None:
            lo, hi = head + 1 - base, tail - 1 - base
            if lo < 0 or hi >= count:
                raise ValueError(f"{line.service}: {first} to {last} is not all priced from {origin}")
            step = bisect.bisect_right(starts, lo) - 1
            pieces = []
            while step < len(steps) and starts[step] <= hi:
                step_hi = min(hi, starts[step + 1] - 1) if step + 1 < len(steps) else hi
                pieces.append((max(lo, starts[step]) + base, step_hi + base, steps[step]))
                step += 1
        for piece_lo, piece_hi, unit_price in pieces:
            for days, whole_months in _lengths(piece_lo, piece_hi):
                if whole_months:
                    total += whole_months * to_penny(unit_price * quantity * days / days)
    return total


def contract_charge(
    contract: ContractTerms,
    pricing: Mapping[str, Pricing],
    prices: Mapping[str, list[Decimal]],
    origin: Month,
) -> Decimal:
    """The sum of the contract's charge lines over its whole term, given each
    service's unit price per month (indexed from `origin`): `line_charge` of each line."""
    total = ZERO
    for line in contract.lines:
        total += line_charge(line, prices.get(line.service), pricing[line.service].bands[0].price, origin)
    return total


def committed_value_of(
    contract: ContractTerms,
    earlier_pooled_lines: Iterable[LineTerms],
    pricing: Mapping[str, Pricing],
    framework_start: dt.date,
    framework_end: dt.date,
) -> Decimal:
    """One contract's committed value, given the pooled lines of the contracts signed on or
    before its signing date (its own are added here): the guard's check when signing one."""
    ledger = PoolLedger(Month.of(framework_start), Month.of(framework_end))
    for line in earlier_pooled_lines:
        ledger.add_line(line)
    ledger.add(contract, pricing)
    prices = {
        line.service: unit_prices(pricing[line.service], ledger.series(line.service))
        for line in contract.lines
        if pricing[line.service].pooled
    }
    return contract_charge(contract, pricing, prices, ledger.first)


def committed_values(
    contracts: Sequence[ContractTerms],
    pricing: Mapping[str, Pricing],
    framework_start: dt.date,
    framework_end: dt.date,
) -> dict[str, Decimal]:
    """Each contract's committed value, fixed at signing: its charges over its term with
    pools made only of the contracts signed on or before its signing date (its own included).

    Contracts are taken in signing order; those signed the same day share one pool.
    """
    ledger = PoolLedger(Month.of(framework_start), Month.of(framework_end))
    ordered = sorted(contracts, key=lambda c: c.signed)
    values: dict[str, Decimal] = {}
    index = 0
    while index < len(ordered):
        day = ordered[index].signed
        group = []
        while index < len(ordered) and ordered[index].signed == day:
            group.append(ordered[index])
            index += 1
        for contract in group:
            ledger.add(contract, pricing)
        prices = {
            service: unit_prices(rule, ledger.series(service)) for service, rule in pricing.items() if rule.pooled
        }
        for contract in group:
            values[contract.ref] = contract_charge(contract, pricing, prices, ledger.first)
    return values


def ceiling_refusal_text(ref: str, value: Decimal, committed: Decimal, ceiling: Decimal) -> str | None:
    """The ceiling guard: why signing `value` on top of `committed` is refused (None: it fits)."""
    if committed + value <= ceiling:
        return None
    return (
        f"signing {ref} (committed value {money_display(value)}) would pass the framework's value "
        f"ceiling of {money_display(ceiling)}: committed so far {money_display(committed)}, "
        f"headroom {money_display(ceiling - committed)}"
    )
