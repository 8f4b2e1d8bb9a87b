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
from flexhub.rules.periods import Month, months

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
    for size in pool_sizes:
        price = pricing.band_for(size).price
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
        cuts = [effective for effective, _ in line.changes if line.start < effective <= line.end]
        starts = [line.start, *cuts]
        for i, segment_start in enumerate(starts):
            segment_end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else line.end
            quantity = line.quantity_on(segment_start)
            if not quantity:
                continue
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


def contract_charge(
    contract: ContractTerms,
    pricing: Mapping[str, Pricing],
    prices: Mapping[str, list[Decimal]],
    origin: Month,
) -> Decimal:
    """The sum of the contract's charge lines over its whole term, given each
    service's unit price per month (indexed from `origin`)."""
    total = ZERO
    for line in contract.lines:
        rule = pricing[line.service]
        series = prices.get(line.service)
        for month in months(Month.of(line.start), Month.of(line.end)):
            unit_price = series[month.index_from(origin)] if series is not None else rule.bands[0].price
            for run in quantity_runs(line, month):
                total += run_amount(unit_price, run, month)
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
