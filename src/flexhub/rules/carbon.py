"""The arithmetic of the estate's energy and carbon (issue 12): a device's energy in a year, its
share of a year in use, a data-centre share per seat, tonnes of CO2e from a grid factor, and an
estate against the baseline it replaced. Pure functions of Decimals; the factors themselves are
data (a dated table the authority loads), never constants here.

ENERGY STAR's typical energy consumption (TEC) is 8,760 / 1,000 x the sum over the modes of the
power in the mode x the share of the year spent in it, in kWh a year; with hours in each mode,
that is the sum of watts x hours / 1,000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HOURS_IN_A_YEAR = Decimal(8760)  # ENERGY STAR's year, whatever the calendar's


@dataclass(frozen=True)
class UsageProfile:
    """Hours a year a device spends on, asleep and off; what is not counted is off."""

    hours_on: Decimal
    hours_sleep: Decimal
    hours_off: Decimal | None = None

    def __post_init__(self) -> None:
        if self.hours_on < 0 or self.hours_sleep < 0 or (self.hours_off is not None and self.hours_off < 0):
            raise ValueError("hours in a mode cannot be negative")
        if self.hours_on + self.hours_sleep + (self.hours_off or 0) > HOURS_IN_A_YEAR:
            raise ValueError(f"a year has {HOURS_IN_A_YEAR} hours: the modes add up to more")

    @property
    def off(self) -> Decimal:
        return HOURS_IN_A_YEAR - self.hours_on - self.hours_sleep if self.hours_off is None else self.hours_off


@dataclass(frozen=True)
class DevicePower:
    """What is known of a device model's consumption: its TEC, or its power in each mode."""

    tec_kwh: Decimal | None = None
    on_watts: Decimal | None = None
    sleep_watts: Decimal | None = None
    off_watts: Decimal | None = None


def annual_kwh(device: DevicePower, profile: UsageProfile) -> Decimal:
    """kWh a year: the TEC where known, else the power in each mode over the profile's hours.
    A ValueError when neither is known (a model without figures cannot be counted silently)."""
    if device.tec_kwh is not None:
        return device.tec_kwh
    if device.on_watts is None:
        raise ValueError("the device model has neither a typical energy consumption nor its power when on")
    watt_hours = (
        device.on_watts * profile.hours_on
        + (device.sleep_watts or 0) * profile.hours_sleep
        + (device.off_watts or 0) * profile.off
    )
    return watt_hours / 1000


def data_centre_kwh(watts_per_seat: Decimal, pue: Decimal) -> Decimal:
    """A seat's share of the servers behind it, all year, with the data centre's overhead (PUE,
    1 or more): so that a thin client is not counted as if its desktop ran on nothing."""
    if watts_per_seat < 0:
        raise ValueError("watts per seat cannot be negative")
    if pue < 1:
        raise ValueError("a power usage effectiveness is 1 or more")
    return watts_per_seat * HOURS_IN_A_YEAR * pue / 1000


def days_in_use(in_use_from: dt.date, in_use_until: dt.date | None, year: int) -> int:
    """Days of `year` an asset was in use: from its first day (inclusive) to the day it left
    use (exclusive), or to the end of the year; 0 when the two do not meet."""
    first, after_last = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    start = max(in_use_from, first)
    end = min(in_use_until or after_last, after_last)
    return max((end - start).days, 0)


def share_of_year_in_use(in_use_from: dt.date, in_use_until: dt.date | None, year: int) -> Decimal:
    """The share of `year` an asset was in use, by days (`days_in_use` over the year's days)."""
    days_in_year = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    return Decimal(days_in_use(in_use_from, in_use_until, year)) / Decimal(days_in_year)


def tonnes_co2e(kwh: Decimal, kg_per_kwh: Decimal) -> Decimal:
    """Tonnes of CO2e for `kwh` at a grid factor in kg CO2e per kWh."""
    if kg_per_kwh < 0:
        raise ValueError("an emission factor cannot be negative")
    return kwh * kg_per_kwh / 1000


@dataclass(frozen=True)
class DeviceLine:
    """Devices of one model in an estate: how many (pro rata to days in use) and their energy."""

    model: str
    count: Decimal
    kwh: Decimal


@dataclass(frozen=True)
class EstateCarbon:
    devices: list[DeviceLine]
    kwh: Decimal
    tco2e: Decimal
    baseline_kwh: Decimal
    baseline_tco2e: Decimal

    @property
    def avoided_tco2e(self) -> Decimal:
        """Tonnes the estate avoided against its baseline; negative when it emits more."""
        return self.baseline_tco2e - self.tco2e


def estate_carbon(
    lines: Iterable[tuple[str, Decimal, Decimal]],
    *,
    seats: Decimal,
    baseline_kwh_per_seat: Decimal,
    kg_per_kwh: Decimal,
    data_centre_kwh_per_seat: Decimal = Decimal(0),
) -> EstateCarbon:
    """An estate's year: `lines` of (model, device-years in use, kWh a year per device), plus a
    data-centre share for each seat, against the baseline device for the same seats."""
    devices = [DeviceLine(model, count, count * per_device) for model, count, per_device in lines]
    kwh = sum((d.kwh for d in devices), Decimal(0)) + seats * data_centre_kwh_per_seat
    baseline = seats * baseline_kwh_per_seat
    return EstateCarbon(
        devices=devices,
        kwh=kwh,
        tco2e=tonnes_co2e(kwh, kg_per_kwh),
        baseline_kwh=baseline,
        baseline_tco2e=tonnes_co2e(baseline, kg_per_kwh),
    )


def whole_kwh(kwh: Decimal) -> Decimal:
    """kWh as reported: whole, half up."""
    return kwh.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def tonnes_to_one_place(tonnes: Decimal) -> Decimal:
    """Tonnes as reported: one decimal place, half up."""
    return tonnes.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


IN_USE = "deployed"


def in_use_periods(changes: Iterable[tuple[dt.date, str]]) -> list[tuple[dt.date, dt.date | None]]:
    """The periods an asset was in use, from its dated status changes in order (the date of each
    change and the status it moved to): from a move into use to the next move out of it, or open
    when it is still in use. Moves within the same state do not start a new period."""
    periods: list[tuple[dt.date, dt.date | None]] = []
    since: dt.date | None = None
    for on, status in changes:
        if status == IN_USE and since is None:
            since = on
        elif status != IN_USE and since is not None:
            if on > since:
                periods.append((since, on))
            since = None
    if since is not None:
        periods.append((since, None))
    return periods


def days_in_use_in_year(periods: Iterable[tuple[dt.date, dt.date | None]], year: int) -> int:
    """Days of `year` covered by an asset's periods in use (which never overlap)."""
    return sum(days_in_use(start, end, year) for start, end in periods)


def days_in_year(year: int) -> int:
    return (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
