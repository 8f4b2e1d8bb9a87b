"""The billing rules on the pooled-framework test fixture, case by case and as properties.

Every expected figure below is worked out by hand from scenario-format.md's rules
for src/flexhub/scenarios/tests/fixtures/pooled-framework.yaml (WPL bands: 0 at
92.00, 4,000 at 86.50, 7,500 at 81.00, ratchet on; members CCA 3,000 seats from
Sep 2019 (3,150 from 10 Feb 2021, ends Aug 2023), LRB 2,400 from Oct 2019, DHR
1,300 from Jan 2020, WMA 1,900 from Apr 2020 to Mar 2024).
"""

from __future__ import annotations

import dataclasses
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
from tests.rules.scenario_terms import POOLED_FIXTURE, load_scenario, terms_of

D = Decimal


def _pooled(*, ratchet: bool = True) -> FrameworkTerms:
    """The fixture's billing terms (fresh each time), optionally with WPL's ratchet switched off."""
    terms = terms_of(load_scenario(POOLED_FIXTURE))
    if ratchet:
        return terms
    wpl = terms.services["WPL"]
    services = {
        **terms.services,
        "WPL": dataclasses.replace(wpl, pricing=dataclasses.replace(wpl.pricing, ratchet=False)),
    }
    return dataclasses.replace(terms, services=services)


def _bill(terms, month, breaches=None):
    result = bill_month(terms, Month.parse(month), breaches)
    return result, {b.member: b for b in result.bills}


def test_the_pool_grows_and_the_price_falls_as_members_join():
    terms = _pooled()
    expected = {
        "2019-09": (3000, "92.00"),  # CCA alone: 3,000 < 4,000, first band
        "2019-10": (5400, "86.50"),  # LRB joins: 3,000 + 2,400 = 5,400, band from 4,000
        "2020-01": (6700, "86.50"),  # DHR joins: 5,400 + 1,300 = 6,700, still below 7,500
        "2020-04": (8600, "81.00"),  # WMA joins: 6,700 + 1,900 = 8,600, band from 7,500
        "2021-03": (8750, "81.00"),  # CCA's change from 10 Feb 2021: 3,150 + 2,400 + 1,300 + 1,900
        "2023-09": (5600, "81.00"),  # CCA has left (2,400 + 1,300 + 1,900): band 86.50, the ratchet keeps 81.00
        "2024-04": (3700, "81.00"),  # WMA has left too (2,400 + 1,300): band 92.00, still 81.00
    }
    for month, (size, price) in expected.items():
        pool = _bill(terms, month)[0].pools[0]
        assert (pool.size, pool.unit_price_text) == (size, price), month


def test_without_the_ratchet_the_price_rises_when_members_leave():
    terms = _pooled(ratchet=False)
    expected = {
        "2020-04": (8600, "81.00"),  # band from 7,500, as with the ratchet
        "2023-09": (5600, "86.50"),  # 5,600: band from 4,000
        "2024-04": (3700, "92.00"),  # 3,700: first band
    }
    for month, (size, price) in expected.items():
        pool = _bill(terms, month)[0].pools[0]
        assert (pool.size, pool.unit_price_text) == (size, price), month
    _, bills = _bill(terms, "2023-09")
    core = next(line for line in bills["LRB"].lines if line.service == "WPL")
    assert core.amount == D("207600.00")  # 2,400 x 86.50 x 30/30


def test_july_2020_commissioning_agency_invoice_to_the_penny():
    _, bills = _bill(_pooled(), "2020-07", {"CCA": {"P1": 1}, "LRB": {"P2": 1}})
    cca = bills["CCA"]
    amounts = [(line.kind, line.service, line.amount) for line in cca.lines]
    assert ("charge", "WPL", D("243000.00")) in amounts  # pool 8,600: 3,000 x 81.00 x 31/31
    assert ("charge", "MOB", D("4462.50")) in amounts  # 350 x 12.75
    assert ("charge", "VOX", D("16200.00")) in amounts  # 3,000 x 5.40
    assert ("charge", "SRV", D("3040.00")) in amounts  # 8 x 380.00
    assert ("delivery", "SCAN", D("4499.70")) in amounts  # 149,990 pages x 0.03
    assert ("credit", None, D("-9720.00")) in amounts  # 4% of the core charge 243,000.00
    # 243,000.00 + 4,462.50 + 16,200.00 + 3,040.00 + 4,499.70 - 9,720.00
    assert cca.net == D("261482.20")
    assert cca.vat_rate == D("0.175")  # 17.5% from 15 July 2020 is in force on 31 July
    assert cca.vat == D("45759.39")  # 261,482.20 x 0.175 = 45,759.385, half up (half even would give .38)
    assert cca.total == D("307241.59")  # 261,482.20 + 45,759.39
    assert cca.pooling_saving == D("33000.00")  # alone 3,000 seats pay 92.00, pooled 81.00: 11.00 x 3,000
    assert bills["LRB"].lines[-1].amount == D("-2916.00")  # 1.5% of 2,400 x 81.00 = 194,400.00
    # Each member alone would pay 92.00 (all below 4,000 seats): 11.00 x its seats.
    assert {m: b.pooling_saving for m, b in bills.items()} == {
        "CCA": D("33000.00"),
        "LRB": D("26400.00"),  # 11.00 x 2,400
        "DHR": D("14300.00"),  # 11.00 x 1,300
        "WMA": D("20900.00"),  # 11.00 x 1,900
    }


def test_a_mid_month_change_splits_the_charge_into_runs():
    _, bills = _bill(_pooled(), "2021-02")
    core = [line for line in bills["CCA"].lines if line.service == "WPL"]
    assert [(line.quantity, line.days) for line in core] == [(3000, 9), (3150, 19)]  # 1-9 Feb, 10-28 Feb
    # 81.00 x 3,000 x 9/28 = 78,107.142... and 81.00 x 3,150 x 19/28 = 173,137.50 exactly
    assert [line.amount for line in core] == [D("78107.14"), D("173137.50")]


def test_a_line_starting_mid_month_is_prorated():
    _, bills = _bill(_pooled(), "2020-03")
    netx = next(line for line in bills["DHR"].lines if line.service == "NETX")
    # 18 to 31 March is 14 days: 47.00 x 9 x 14/31 = 5,922/31 = 191.032...
    assert (netx.quantity, netx.days, netx.amount) == (9, 14, D("191.03"))


def test_deliveries_are_priced_per_day_and_rounded_half_up():
    _, bills = _bill(_pooled(), "2020-07")
    deliveries = [(line.service, line.quantity, line.amount) for line in bills["DHR"].lines if line.kind == "delivery"]
    assert deliveries == [
        ("CONS", D("6"), D("5550.00")),  # 6 days x 925.00
        ("TRAIN", D("2.25"), D("1445.63")),  # 2.25 days x 642.50 = 1,445.625, half up
    ]


def test_vat_uses_the_rate_in_force_on_the_last_day():
    rates = _pooled().vat_rates
    assert vat_rate_on(rates, dt.date(2020, 7, 14)) == D("0.20")
    assert vat_rate_on(rates, dt.date(2020, 7, 31)) == D("0.175")  # from 15 July 2020
    assert vat_rate_on(rates, dt.date(2021, 9, 30)) == D("0.175")
    assert vat_rate_on(rates, dt.date(2021, 10, 1)) == D("0.20")  # from 1 October 2021
    _, bills = _bill(_pooled(), "2020-06")
    assert bills["CCA"].vat_rate == D("0.20")


def test_no_invoice_without_lines():
    result, bills = _bill(_pooled(), "2019-08")  # the framework has started, no contract has
    assert bills == {}
    assert result.pools[0].size == 0


def test_credit_is_capped():
    _, bills = _bill(_pooled(), "2020-07", {"CCA": {"P1": 5}})
    credit = next(line for line in bills["CCA"].lines if line.kind == "credit")
    assert credit.percent == D("12")  # 5 x 4% capped at 12%
    assert credit.amount == -D("29160.00")  # 12% of 243,000.00


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


def test_the_price_explanation_names_the_ratchet_when_it_holds_the_price():
    """The explanation never contradicts the catalogue: where the pool is in a dearer band than
    the price charged, it says the ratchet holds the lowest price and since when."""
    terms = _pooled()
    held = _bill(terms, "2023-09")[0].pools[0]
    assert held.held_since == Month(2020, 4)  # 81.00 was first reached when WMA joined
    assert held.explanation(Month(2023, 9)) == (
        "pool of 5,600 seats on 1 September 2023 reaches the band from 4,000 at £86.50; the price never rises, "
        "so the lowest price since April 2020, £81.00, applies"
    )
    plain = _bill(terms, "2020-04")[0].pools[0]
    assert plain.held_since is None
    assert plain.explanation(Month(2020, 4)) == "pool of 8,600 seats on 1 April 2020: band from 7,500 at £81.00"
    assert _bill(_pooled(ratchet=False), "2023-09")[0].pools[0].held_since is None


def test_month_plus_moves_across_years():
    assert Month(2020, 11).plus(3) == Month(2021, 2)
    assert Month(2021, 2).plus(-14) == Month(2019, 12)
