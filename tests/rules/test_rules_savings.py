"""Savings against the targets (rules/savings.py): baselines pro rata to the months billed, the
saving in pounds and percent, and whether the targets are met."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexhub.rules.savings import baseline_for_months, percent_of, savings_year

money = st.decimals(min_value=0, max_value=10**9, places=2)


def year(**overrides):
    values = {
        "months": 12,
        "annual_it": Decimal("10000000.00"),
        "annual_desktop": Decimal("6250000.00"),
        "invoiced_it": Decimal("7500000.00"),
        "invoiced_desktop": Decimal("3750000.00"),
        "target_it_percent": Decimal(20),
        "target_desktop_percent": Decimal(40),
        "pooling_saving": Decimal("123.45"),
    }
    return savings_year(**{**values, **overrides})


def test_a_full_year_against_the_cio_councils_targets():
    y = year()
    assert y.saving_it == Decimal("2500000.00") and y.saving_it_percent == Decimal("25.0")
    assert y.saving_desktop == Decimal("2500000.00") and y.saving_desktop_percent == Decimal("40.0")
    assert y.it_target_met and y.desktop_target_met


def test_a_part_year_is_compared_with_its_share_of_the_baseline():
    y = year(months=7, invoiced_it=Decimal("6000000.00"), invoiced_desktop=Decimal("3000000.00"))
    assert y.baseline_it == Decimal("5833333.33")  # seven twelfths, to the penny half up
    assert y.saving_it == Decimal("-166666.67") and y.saving_it_percent == Decimal("-2.9")
    assert not y.it_target_met


def test_no_baseline_has_no_percentage_and_meets_no_target():
    y = year(annual_it=Decimal(0), annual_desktop=Decimal(0))
    assert y.saving_it_percent is None and not y.it_target_met


def test_a_target_is_a_percentage():
    with pytest.raises(ValueError, match="percentage"):
        year(target_it_percent=Decimal(120))


def test_a_baseline_is_never_negative_and_a_year_has_twelve_months():
    with pytest.raises(ValueError):
        baseline_for_months(Decimal(-1), 12)
    with pytest.raises(ValueError):
        baseline_for_months(Decimal(1), 13)


def test_percent_rounds_half_up_to_one_place():
    assert percent_of(Decimal("1.25"), Decimal(100)) == Decimal("1.3")
    assert percent_of(Decimal(1), Decimal(0)) is None


@given(money, st.integers(0, 12))
def test_twelve_months_of_a_baseline_is_the_annual_figure_and_months_add_up(annual, months):
    assert baseline_for_months(annual, 12) == annual
    parts = baseline_for_months(annual, months) + baseline_for_months(annual, 12 - months)
    assert abs(parts - annual) <= Decimal("0.01")


@given(money, money, money)
def test_saving_plus_invoiced_is_the_baseline(annual, invoiced, desktop):
    y = year(annual_it=annual, invoiced_it=invoiced, invoiced_desktop=desktop)
    assert y.saving_it + y.invoiced_it == y.baseline_it
    assert (y.saving_it_percent is not None) == (annual > 0)
