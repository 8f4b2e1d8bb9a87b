"""Committed values in closed form (rules.pricing.line_charge) against the month-by-month rule.

The reference below is the rule as scenario-format.md writes it, and as flexhub computed it
before: every month of every line, split into runs, each run's amount rounded to the penny.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from flexhub.rules.money import ZERO
from flexhub.rules.periods import Month, months
from flexhub.rules.pricing import (
    POOLED,
    Band,
    ContractTerms,
    LineTerms,
    PoolLedger,
    Pricing,
    contract_charge,
    months_by_length,
    pool_size,
    quantity_runs,
    quantity_spans,
    run_amount,
    unit_prices,
)

D = Decimal
FRAMEWORK = (dt.date(2007, 1, 1), dt.date(2012, 12, 31))
ORIGIN = Month.of(FRAMEWORK[0])


def reference_charge(
    contract: ContractTerms, pricing: Mapping[str, Pricing], prices: Mapping[str, list[Decimal]], origin: Month
) -> Decimal:
    """The month-by-month sum the closed form must equal."""
    total = ZERO
    for line in contract.lines:
        rule = pricing[line.service]
        series = prices.get(line.service)
        for month in months(Month.of(line.start), Month.of(line.end)):
            unit_price = series[month.index_from(origin)] if series is not None else rule.bands[0].price
            for run in quantity_runs(line, month):
                total += run_amount(unit_price, run, month)
    return total


days_in_framework = st.dates(*FRAMEWORK)
quantities = st.integers(0, 60000)
band_prices = st.decimals(min_value=D("0.0001"), max_value=D("999.9999"), places=4)


@st.composite
def line_terms(draw: st.DrawFn, service: str) -> LineTerms:
    start, end = sorted((draw(days_in_framework), draw(days_in_framework)))
    changes = draw(
        st.dictionaries(st.dates(start - dt.timedelta(days=40), end + dt.timedelta(days=40)), quantities, max_size=8)
    )
    return LineTerms(service, start, end, draw(quantities), tuple(sorted(changes.items())))


@st.composite
def pricings(draw: st.DrawFn, pooled: bool) -> Pricing:
    if not pooled:
        return Pricing.flat(draw(band_prices))
    starts = sorted(draw(st.sets(st.integers(1, 120000), max_size=4)))
    bands = [Band(0, draw(band_prices))] + [Band(start, draw(band_prices)) for start in starts]
    return Pricing(POOLED, tuple(bands), ratchet=draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(
    pooled=pricings(pooled=True),
    flat=pricings(pooled=False),
    contract_lines=st.lists(st.tuples(st.booleans(), st.data()), min_size=1, max_size=3),
    others=st.lists(line_terms("POOL"), max_size=6),
)
def test_closed_form_equals_the_month_by_month_charge(pooled, flat, contract_lines, others):
    lines = tuple(data.draw(line_terms("POOL" if is_pooled else "FLAT")) for is_pooled, data in contract_lines)
    contract = ContractTerms("C", FRAMEWORK[0], min(x.start for x in lines), max(x.end for x in lines), lines)
    pricing = {"POOL": pooled, "FLAT": flat}
    ledger = PoolLedger(ORIGIN, Month.of(FRAMEWORK[1]))
    for other in others:
        ledger.add_line(other)
    ledger.add(contract, pricing)
    prices = {"POOL": unit_prices(pooled, ledger.series("POOL"))}
    assert contract_charge(contract, pricing, prices, ORIGIN) == reference_charge(contract, pricing, prices, ORIGIN)


@settings(max_examples=300, deadline=None)
@given(line_terms("POOL"))
def test_spans_cut_into_months_are_the_month_s_runs(line):
    spans = quantity_spans(line)
    for month in months(Month.of(line.start), Month.of(line.end)):
        in_month = [
            (max(first, month.first), min(last, month.last), quantity)
            for first, last, quantity in spans
            if first <= month.last and last >= month.first
        ]
        assert in_month == [(run.first, run.last, run.quantity) for run in quantity_runs(line, month)]


@given(st.integers(1900 * 12, 2199 * 12 + 11), st.integers(0, 400))
def test_months_by_length_counts_every_month_once(first_index, span):
    first = Month(first_index // 12, first_index % 12 + 1)
    last = first.plus(span)
    expected = {28: 0, 29: 0, 30: 0, 31: 0}
    for month in months(first, last):
        expected[calendar.monthrange(month.year, month.month)[1]] += 1
    assert months_by_length(first, last) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(line_terms("POOL"), max_size=6))
def test_pool_ledger_adds_up_each_month_s_pool_date(lines):
    ledger = PoolLedger(ORIGIN, Month.of(FRAMEWORK[1]))
    for line in lines:
        ledger.add_line(line)
    every_month = months(ORIGIN, Month.of(FRAMEWORK[1]))
    assert ledger.series("POOL") == [pool_size(lines, month) for month in every_month]
