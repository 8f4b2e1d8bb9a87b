"""The pricing rules of scenario-format.md, case by case and as properties."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexhub.rules.money import money_text, to_penny
from flexhub.rules.periods import Month, months
from flexhub.rules.pricing import (
    POOLED,
    Band,
    ContractTerms,
    LineTerms,
    Pricing,
    committed_value_of,
    committed_values,
    pool_size,
    quantity_runs,
    run_amount,
    unit_prices,
)

D = Decimal
CORE = Pricing(
    POOLED,
    (Band(0, D("96.00")), Band(5000, D("89.00")), Band(8000, D("84.00")), Band(20000, D("78.00"))),
)
CORE_RATCHET = Pricing(POOLED, CORE.bands, ratchet=True)


def line(qty, start="2008-01-01", end="2012-12-31", changes=()):
    return LineTerms(
        "CORE",
        dt.date.fromisoformat(start),
        dt.date.fromisoformat(end),
        qty,
        tuple((dt.date.fromisoformat(d), q) for d, q in changes),
    )


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("-0.005", "-0.01"),
        ("2.675", "2.68"),
        ("1.995", "2.00"),
    ],
)
def test_rounding_is_half_up_to_the_penny(amount, expected):
    assert to_penny(D(amount)) == D(expected)
    assert money_text(D(amount)) == expected


@pytest.mark.parametrize(
    ("pool", "price"),
    [
        (0, "96.00"),
        (4999, "96.00"),
        (5000, "89.00"),
        (7999, "89.00"),
        (8000, "84.00"),
        (250000, "78.00"),
    ],
)
def test_band_is_the_greatest_start_not_above_the_pool(pool, price):
    assert CORE.band_for(pool).price == D(price)


def test_quantity_uses_latest_change_on_or_before_the_day_and_zero_outside_dates():
    terms = line(2500, "2008-04-01", "2012-03-31", [("2009-01-15", 2600), ("2010-01-01", 0)])
    assert terms.quantity_on(dt.date(2008, 3, 31)) == 0
    assert terms.quantity_on(dt.date(2008, 4, 1)) == 2500
    assert terms.quantity_on(dt.date(2009, 1, 14)) == 2500
    assert terms.quantity_on(dt.date(2009, 1, 15)) == 2600
    assert terms.quantity_on(dt.date(2010, 6, 1)) == 0
    assert terms.quantity_on(dt.date(2012, 4, 1)) == 0


def test_runs_split_at_a_change_and_prorate():
    terms = line(2500, "2008-04-01", "2012-03-31", [("2009-01-15", 2600)])
    runs = quantity_runs(terms, Month(2009, 1))
    assert [(r.first.day, r.last.day, r.quantity, r.days) for r in runs] == [
        (1, 14, 2500, 14),
        (15, 31, 2600, 17),
    ]
    # 95.00 x 2500 x 14/31 = 107258.0645... -> 107258.06
    assert run_amount(D("95.00"), runs[0], Month(2009, 1)) == D("107258.06")
    # 95.00 x 2600 x 17/31 = 135451.6129... -> 135451.61
    assert run_amount(D("95.00"), runs[1], Month(2009, 1)) == D("135451.61")


def test_line_starting_mid_month_is_prorated_and_outside_pool():
    terms = line(12, "2008-09-15", "2014-05-31")
    runs = quantity_runs(terms, Month(2008, 9))
    assert [(r.first.day, r.days) for r in runs] == [(15, 16)]
    assert pool_size([terms], Month(2008, 9)) == 0
    assert pool_size([terms], Month(2008, 10)) == 12


def test_change_to_zero_stops_the_line_and_no_run_is_charged():
    terms = line(100, "2008-01-01", "2012-12-31", [("2008-02-10", 0)])
    assert [(r.first.day, r.last.day) for r in quantity_runs(terms, Month(2008, 2))] == [(1, 9)]
    assert quantity_runs(terms, Month(2008, 3)) == []


def test_ratchet_keeps_the_lowest_price_so_far():
    pools = [1000, 6000, 9000, 6000, 1000]
    assert unit_prices(CORE, pools) == [D("96.00"), D("89.00"), D("84.00"), D("89.00"), D("96.00")]
    assert unit_prices(CORE_RATCHET, pools) == [
        D("96.00"),
        D("89.00"),
        D("84.00"),
        D("84.00"),
        D("84.00"),
    ]


def _contract(ref, signed, qty, start="2008-01-01", end="2008-12-31"):
    return ContractTerms(
        ref,
        dt.date.fromisoformat(signed),
        dt.date.fromisoformat(start),
        dt.date.fromisoformat(end),
        (line(qty, start, end),),
    )


def test_committed_value_uses_only_contracts_signed_on_or_before():
    a = _contract("A", "2007-06-01", 3000)
    b = _contract("B", "2007-07-01", 3000)
    values = committed_values([a, b], {"CORE": CORE}, dt.date(2008, 1, 1), dt.date(2008, 12, 31))
    # A alone: pool 3000 -> 96.00 x 3000 x 12 months; B with A: pool 6000 -> 89.00.
    assert values["A"] == D("96.00") * 3000 * 12
    assert values["B"] == D("89.00") * 3000 * 12


def test_contracts_signed_the_same_day_share_a_pool():
    a = _contract("A", "2007-06-01", 3000)
    b = _contract("B", "2007-06-01", 3000)
    values = committed_values([a, b], {"CORE": CORE}, dt.date(2008, 1, 1), dt.date(2008, 12, 31))
    assert values["A"] == values["B"] == D("89.00") * 3000 * 12


def test_flat_services_need_no_pool():
    flat = Pricing.flat(D("6.50"))
    c = ContractTerms(
        "T",
        dt.date(2008, 1, 1),
        dt.date(2008, 6, 1),
        dt.date(2008, 6, 30),
        (LineTerms("TEL", dt.date(2008, 6, 1), dt.date(2008, 6, 30), 2500),),
    )
    assert committed_values([c], {"TEL": flat}, dt.date(2008, 1, 1), dt.date(2008, 12, 31)) == {"T": D("16250.00")}


def test_months_walks_year_boundaries():
    assert [str(m) for m in months(Month(2008, 11), Month(2009, 2))] == [
        "2008-11",
        "2008-12",
        "2009-01",
        "2009-02",
    ]
    assert Month.parse("2008-05") == Month(2008, 5)
    for bad in ("2008-13", "2008-5", "May 2008", "2008-00"):
        with pytest.raises(ValueError, match="2008|May"):
            Month.parse(bad)


# Properties ---------------------------------------------------------------

quantities = st.integers(min_value=0, max_value=60000)
prices = st.decimals(min_value=D("0.01"), max_value=D("500.00"), places=2)


@given(st.lists(quantities, min_size=1, max_size=6), quantities)
def test_adding_a_member_never_raises_anyone_s_unit_price(pool_parts, newcomer):
    before = unit_prices(CORE, [sum(pool_parts)])[0]
    after = unit_prices(CORE, [sum(pool_parts) + newcomer])[0]
    assert after <= before


@given(
    st.lists(quantities, min_size=1, max_size=24),
    st.integers(min_value=0, max_value=23),
    quantities,
)
def test_with_ratchet_a_member_leaving_never_raises_the_price(pools, month_index, leaver):
    month_index = min(month_index, len(pools) - 1)
    shrunk = list(pools)
    for i in range(month_index, len(shrunk)):
        shrunk[i] = max(0, shrunk[i] - leaver)
    before = unit_prices(CORE_RATCHET, pools)
    after = unit_prices(CORE_RATCHET, pools[:month_index] + shrunk[month_index:])
    assert all(a <= b for a, b in zip(after[:month_index], before[:month_index], strict=True))
    assert all(later <= earlier for earlier, later in itertools.pairwise(after))


dates_2009 = st.dates(min_value=dt.date(2009, 1, 1), max_value=dt.date(2009, 12, 31))


@settings(max_examples=200)
@given(
    st.integers(min_value=1, max_value=50000),
    st.lists(st.tuples(dates_2009, st.integers(min_value=0, max_value=50000)), max_size=5),
    st.integers(min_value=1, max_value=12),
    prices,
)
def test_month_charge_equals_sum_of_runs_and_rounding_is_bounded(qty, changes, month_no, price):
    changes = tuple(sorted(dict(changes).items()))
    terms = LineTerms("CORE", dt.date(2009, 1, 1), dt.date(2009, 12, 31), qty, changes)
    month = Month(2009, month_no)
    runs = quantity_runs(terms, month)
    # Runs cover exactly the days with a non-zero quantity, each with that day's quantity.
    covered = {}
    for run in runs:
        for offset in range(run.days):
            covered[run.first + dt.timedelta(days=offset)] = run.quantity
    for offset in range(month.days):
        day = month.first + dt.timedelta(days=offset)
        assert covered.get(day, 0) == terms.quantity_on(day)
    exact = sum((price * r.quantity * r.days / month.days for r in runs), D(0))
    rounded = sum((run_amount(price, r, month) for r in runs), D(0))
    assert abs(rounded - exact) <= D("0.005") * max(len(runs), 1)
    for r in runs:
        assert abs(run_amount(price, r, month) - price * r.quantity * r.days / month.days) <= D("0.005")


contract_specs = st.lists(
    st.tuples(
        st.dates(dt.date(2007, 1, 1), dt.date(2009, 12, 31)),
        st.dates(dt.date(2008, 1, 1), dt.date(2010, 6, 30)),
        st.integers(0, 12000),
        st.lists(st.tuples(st.dates(dt.date(2008, 1, 1), dt.date(2012, 12, 31)), st.integers(0, 12000)), max_size=3),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=80, deadline=None)
@given(contract_specs)
def test_committed_value_of_one_contract_agrees_with_all_at_once(specs):
    contracts = []
    for i, (signed, start, qty, changes) in enumerate(specs):
        end = dt.date(2012, 12, 31)
        changes = tuple(sorted(dict((d, q) for d, q in changes if start < d <= end).items()))
        contracts.append(ContractTerms(f"C{i}", signed, start, end, (LineTerms("CORE", start, end, qty, changes),)))
    framework = (dt.date(2007, 1, 1), dt.date(2012, 12, 31))
    everything = committed_values(contracts, {"CORE": CORE_RATCHET}, *framework)
    for contract in contracts:
        earlier = [
            line
            for other in contracts
            if other.signed <= contract.signed and other.ref != contract.ref
            for line in other.lines
        ]
        assert committed_value_of(contract, earlier, {"CORE": CORE_RATCHET}, *framework) == everything[contract.ref]
