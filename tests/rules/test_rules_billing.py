"""The billing rules on the Public Sector Flex example, case by case and as properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from flexhub.rules.billing import (
    FrameworkTerms,
    MemberContract,
    ServiceTerms,
    bill_month,
    vat_rate_on,
)
from flexhub.rules.periods import Month
from flexhub.rules.pricing import POOLED, Band, ContractTerms, LineTerms, Pricing
from tests.rules.scenario_terms import load_scenario, terms_of

D = Decimal
PSF = terms_of(load_scenario("public-sector-flex.yaml"))


def _bill(terms, month, breaches=None):
    result = bill_month(terms, Month.parse(month), breaches)
    return result, {b.member: b for b in result.bills}


def test_the_pool_grows_and_the_price_falls_as_members_join():
    expected = {
        "2008-04": (2500, "96.00"),  # CO alone
        "2008-05": (5700, "89.00"),  # ONS joins
        "2008-07": (6700, "89.00"),  # DIUS joins
        "2008-09": (8700, "84.00"),  # the agency joins: band from 8,000
        "2012-04": (6200, "84.00"),  # CO has left; the ratchet keeps 84.00
    }
    for month, (size, price) in expected.items():
        pool = _bill(PSF, month)[0].pools[0]
        assert (pool.size, pool.unit_price_text) == (size, price), month


def test_july_2008_cabinet_office_invoice_to_the_penny():
    _, bills = _bill(PSF, "2008-07", {"CO": {"P1": 1}, "ONS": {"P2": 1}})
    co = bills["CO"]
    amounts = [(line.kind, line.service, line.amount) for line in co.lines]
    assert ("charge", "CORE", D("222500.00")) in amounts  # 2,500 x 89.00
    assert ("delivery", "PRINT", D("7200.00")) in amounts  # 180,000 x 0.04
    assert ("credit", None, D("-11125.00")) in amounts  # 5% of the core charge
    assert co.net == D("243125.00")
    assert co.vat_rate == D("0.175")
    assert co.vat == D("42546.88")  # 42,546.875 rounds half up
    assert co.total == D("285671.88")
    assert co.pooling_saving == D("17500.00")  # alone 96.00, pooled 89.00, 2,500 seats
    assert bills["ONS"].lines[-1].amount == -(D("3200") * D("89.00") * D("0.02"))


def test_a_mid_month_change_splits_the_charge_into_runs():
    _, bills = _bill(PSF, "2009-01")
    core = [line for line in bills["CO"].lines if line.service == "CORE"]
    assert [(line.quantity, line.days) for line in core] == [(2500, 14), (2600, 17)]
    # 84.00 x 2,500 x 14/31 = 94,838.709... and 84.00 x 2,600 x 17/31 = 119,767.741...
    assert [line.amount for line in core] == [D("94838.71"), D("119767.74")]


def test_a_line_starting_mid_month_is_prorated():
    _, bills = _bill(PSF, "2008-09")
    wlan = next(line for line in bills["DIUS"].lines if line.service == "WLAN")
    assert (wlan.quantity, wlan.days, wlan.amount) == (12, 16, D("224.00"))  # 35 x 12 x 16/30


def test_vat_uses_the_rate_in_force_on_the_last_day():
    rates = PSF.vat_rates
    assert vat_rate_on(rates, dt.date(2008, 11, 30)) == D("0.175")
    assert vat_rate_on(rates, dt.date(2008, 12, 31)) == D("0.15")
    assert vat_rate_on(rates, dt.date(2011, 1, 31)) == D("0.20")  # from 4 January 2011


def test_no_invoice_without_lines():
    result, bills = _bill(PSF, "2008-03")
    assert bills == {}
    assert result.pools[0].size == 0


def test_credit_is_capped():
    _, bills = _bill(PSF, "2008-07", {"CO": {"P1": 5}})
    credit = next(line for line in bills["CO"].lines if line.kind == "credit")
    assert credit.percent == D("15")  # 5 x 5% capped at 15%
    assert credit.amount == -D("33375.00")


# Properties over random frameworks ---------------------------------------

BANDS = Pricing(POOLED, (Band(0, D("96.00")), Band(100, D("89.00")), Band(500, D("80.00"))), ratchet=True)
member_lines = st.lists(
    st.tuples(st.integers(0, 400), st.dates(dt.date(2020, 1, 1), dt.date(2020, 12, 31))),
    min_size=1,
    max_size=6,
)


def _terms(entries):
    contracts = [
        MemberContract(
            f"M{i}",
            ContractTerms(
                f"C{i}",
                dt.date(2019, 1, 1),
                start,
                dt.date(2020, 12, 31),
                (LineTerms("CORE", start, dt.date(2020, 12, 31), qty),),
            ),
        )
        for i, (qty, start) in enumerate(entries)
    ]
    return FrameworkTerms(
        dt.date(2020, 1, 1),
        dt.date(2020, 12, 31),
        {"CORE": ServiceTerms("CORE", "core", "seat-month", BANDS, ("96.00", "89.00", "80.00"))},
        contracts,
        vat_rates=[(dt.date(2020, 1, 1), D("0.20"))],
    )


@settings(max_examples=60, deadline=None)
@given(member_lines, st.integers(1, 12))
def test_invoice_totals_are_consistent_and_savings_never_negative(entries, month_no):
    result = bill_month(_terms(entries), Month(2020, month_no))
    for bill in result.bills:
        assert bill.net == sum(line.amount for line in bill.lines)
        assert bill.total == bill.net + bill.vat
        assert abs(bill.vat - bill.net * D("0.20")) <= D("0.005")
        assert bill.pooling_saving >= 0


@settings(max_examples=60, deadline=None)
@given(member_lines, st.integers(1, 400), st.integers(1, 12))
def test_a_newcomer_never_raises_anyone_s_bill(entries, seats, month_no):
    month = Month(2020, month_no)
    before = {b.member: b.net for b in bill_month(_terms(entries), month).bills}
    after = {b.member: b.net for b in bill_month(_terms([*entries, (seats, dt.date(2020, 1, 1))]), month).bills}
    for member, net in before.items():
        assert after[member] <= net
