"""The carbon arithmetic (rules/carbon.py): ENERGY STAR's TEC, days in use, the data-centre
share, tonnes from a grid factor, and an estate against its baseline."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexhub.rules.carbon import (
    HOURS_IN_A_YEAR,
    DevicePower,
    UsageProfile,
    annual_kwh,
    data_centre_kwh,
    days_in_use,
    days_in_use_in_year,
    days_in_year,
    estate_carbon,
    in_use_periods,
    share_of_year_in_use,
    tonnes_co2e,
    tonnes_to_one_place,
    whole_kwh,
)

OFFICE = UsageProfile(hours_on=Decimal(2000), hours_sleep=Decimal(1500))


def test_a_known_tec_is_the_answer_whatever_the_profile():
    assert annual_kwh(DevicePower(tec_kwh=Decimal("194")), OFFICE) == Decimal("194")


def test_energy_from_power_in_each_mode_is_energy_stars_tec():
    # TEC = 8760/1000 x sum(power x share of time in the mode)
    desktop = DevicePower(on_watts=Decimal("87"), sleep_watts=Decimal("3"), off_watts=Decimal("1"))
    shares = {"on": Decimal(2000) / HOURS_IN_A_YEAR, "sleep": Decimal(1500) / HOURS_IN_A_YEAR}
    shares["off"] = 1 - shares["on"] - shares["sleep"]
    tec = HOURS_IN_A_YEAR / 1000 * (87 * shares["on"] + 3 * shares["sleep"] + 1 * shares["off"])
    assert annual_kwh(desktop, OFFICE) == pytest.approx(tec, abs=Decimal("1e-20"))
    assert annual_kwh(desktop, OFFICE) == Decimal("183.76")  # 174 + 4.5 + 5.26


def test_a_model_with_no_figures_is_refused_not_counted_as_nothing():
    with pytest.raises(ValueError, match="neither"):
        annual_kwh(DevicePower(sleep_watts=Decimal(2)), OFFICE)


@pytest.mark.parametrize("hours", [(Decimal(-1), Decimal(0)), (Decimal(8000), Decimal(761))])
def test_a_profile_must_fit_in_a_year(hours):
    with pytest.raises(ValueError):
        UsageProfile(*hours)


def test_the_data_centre_share_counts_all_year_with_its_overhead():
    assert data_centre_kwh(Decimal(30), Decimal("1.5")) == Decimal("394.2")
    with pytest.raises(ValueError):
        data_centre_kwh(Decimal(30), Decimal("0.9"))


@pytest.mark.parametrize(
    "start,until,year,share",
    [
        (dt.date(2020, 1, 1), None, 2021, Decimal(1)),
        (dt.date(2021, 7, 2), None, 2021, Decimal(183) / Decimal(365)),
        (dt.date(2020, 1, 1), dt.date(2020, 1, 2), 2020, Decimal(1) / Decimal(366)),
        (dt.date(2022, 1, 1), None, 2021, Decimal(0)),
        (dt.date(2019, 1, 1), dt.date(2021, 1, 1), 2021, Decimal(0)),
    ],
)
def test_the_share_of_a_year_in_use_is_by_days(start, until, year, share):
    assert share_of_year_in_use(start, until, year) == share


days = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2030, 12, 31))


@given(days, days, days, st.integers(min_value=2015, max_value=2030))
def test_use_split_in_two_adds_up_to_the_whole(first, middle, last, year):
    first, middle, last = sorted([first, middle, last])
    assert Decimal(0) <= share_of_year_in_use(first, last, year) <= Decimal(1)
    # exactly, in days (shares are Decimals of 28 digits, which need not add up to the last one)
    assert days_in_use(first, middle, year) + days_in_use(middle, last, year) == days_in_use(first, last, year)


def test_tonnes_from_a_grid_factor():
    assert tonnes_co2e(Decimal(485000), Decimal("0.20707")) == Decimal("100.42895")
    assert tonnes_to_one_place(Decimal("100.42895")) == Decimal("100.4")
    assert tonnes_to_one_place(Decimal("0.05")) == Decimal("0.1")  # half up
    assert whole_kwh(Decimal("37500.5")) == Decimal(37501)


def test_thin_clients_against_the_desktops_they_replaced():
    """2,500 thin clients of 15 kWh a year and 30 W a seat of servers at a PUE of 1.5, against
    2,500 desktops of 194 kWh a year, at the 2023 factor."""
    estate = estate_carbon(
        [("Thin client", Decimal(2500), Decimal(15))],
        seats=Decimal(2500),
        baseline_kwh_per_seat=Decimal(194),
        kg_per_kwh=Decimal("0.20707"),
        data_centre_kwh_per_seat=data_centre_kwh(Decimal(30), Decimal("1.5")),
    )
    assert estate.devices[0].kwh == Decimal(37500)
    assert estate.kwh == Decimal(37500) + Decimal(2500) * Decimal("394.2")
    assert whole_kwh(estate.baseline_kwh) == Decimal(485000)
    assert tonnes_to_one_place(estate.baseline_tco2e) == Decimal("100.4")
    # with the servers counted, these thin clients avoid nothing: the data-centre share shows it
    assert estate.avoided_tco2e < 0
    without_servers = estate_carbon(
        [("Thin client", Decimal(2500), Decimal(15))],
        seats=Decimal(2500),
        baseline_kwh_per_seat=Decimal(194),
        kg_per_kwh=Decimal("0.20707"),
    )
    assert tonnes_to_one_place(without_servers.avoided_tco2e) == Decimal("92.7")


@given(
    st.decimals(min_value=0, max_value=10_000, places=2),
    st.decimals(min_value=0, max_value=500, places=2),
    st.decimals(min_value=0, max_value=1, places=5),
)
def test_avoided_is_baseline_less_actual_and_never_for_free(count, per_device, factor):
    estate = estate_carbon(
        [("A", count, per_device)], seats=count, baseline_kwh_per_seat=Decimal(194), kg_per_kwh=factor
    )
    assert estate.avoided_tco2e == estate.baseline_tco2e - estate.tco2e
    if per_device >= 194:
        assert estate.avoided_tco2e <= 0


# Periods in use from an asset's status history (issue 12) -----------------------------------


D = dt.date


def test_periods_run_from_deployment_to_leaving_use():
    changes = [
        (D(2023, 1, 10), "in-stock"),
        (D(2023, 3, 1), "deployed"),
        (D(2023, 6, 1), "in-repair"),
        (D(2023, 7, 1), "deployed"),
        (D(2024, 2, 1), "retired"),
    ]
    assert in_use_periods(changes) == [(D(2023, 3, 1), D(2023, 6, 1)), (D(2023, 7, 1), D(2024, 2, 1))]
    # March to May (92 days) and July to December (184 days)
    assert days_in_use_in_year(in_use_periods(changes), 2023) == 92 + 184
    assert days_in_use_in_year(in_use_periods(changes), 2024) == 31


def test_an_asset_still_in_use_is_open_ended_and_a_repeat_does_not_restart_it():
    changes = [(D(2022, 5, 1), "deployed"), (D(2022, 9, 1), "deployed")]
    assert in_use_periods(changes) == [(D(2022, 5, 1), None)]
    assert days_in_use_in_year(in_use_periods(changes), 2025) == 365


def test_a_change_out_of_use_on_the_same_day_leaves_no_period():
    assert in_use_periods([(D(2022, 5, 1), "deployed"), (D(2022, 5, 1), "retired")]) == []


def test_never_in_use_is_no_period():
    assert in_use_periods([(D(2022, 5, 1), "in-stock"), (D(2022, 6, 1), "retired")]) == []


statuses = st.sampled_from(["deployed", "in-stock", "in-repair", "retired"])


@given(
    st.lists(st.tuples(st.dates(D(2015, 1, 1), D(2030, 12, 31)), statuses), max_size=12),
    st.integers(2014, 2031),
)
def test_days_in_use_never_exceed_the_year_and_periods_never_overlap(raw, year):
    changes = sorted(raw, key=lambda change: change[0])
    periods = in_use_periods(changes)
    assert 0 <= days_in_use_in_year(periods, year) <= days_in_year(year)
    for (_, end), (start, _) in itertools.pairwise(periods):
        assert end is not None and end <= start
