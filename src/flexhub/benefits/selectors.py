"""Benefits' reads: a member's (or a framework's) carbon and savings for a year, from the asset
register, the invoices and the factors; always from rows the acting user may see."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import CharField, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from flexhub.assets.models import AssetEvent, DeviceModel
from flexhub.benefits.models import (
    SEAT_KINDS,
    DataCentreShare,
    EmissionFactor,
    MemberBaseline,
    SavingsTarget,
    UsageProfile,
)
from flexhub.billing.models import CreditNote, Invoice, InvoiceLine, InvoiceStatus
from flexhub.core.errors import RuleError
from flexhub.frameworks.models import Category, ContractLine, Framework, Service, Unit
from flexhub.rules import carbon, savings
from flexhub.rules.money import ZERO, money_text

STATUS_EVENTS = ("registered", "status")


# Carbon ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceRow:
    model: str
    count: int  # assets of the model in use on any day of the year
    device_years: Decimal  # the same, pro rata to their days in use
    kwh: Decimal


@dataclass
class CarbonReport:
    """A member's (or a framework's) estate in a year against its baseline."""

    framework: str
    org: str | None
    year: int
    factor: Decimal
    factor_source: str
    devices: list[DeviceRow]
    seats: Decimal
    kwh: Decimal
    data_centre_kwh: Decimal
    tco2e: Decimal
    baseline_device: str
    baseline_kwh: Decimal
    baseline_tco2e: Decimal
    uncounted: list[tuple[str, int]] = field(default_factory=list)  # models with no energy figures
    members: list[CarbonReport] = field(default_factory=list)

    @property
    def avoided_tco2e(self) -> Decimal:
        return self.baseline_tco2e - self.tco2e

    def as_json(self) -> dict[str, Any]:
        """The shape `flexhub report carbon --json` and the API give: tonnes to one decimal
        place and kWh whole, as JSON numbers."""
        tonnes = carbon.tonnes_to_one_place
        answer: dict[str, Any] = {
            "org": self.org,
            "year": self.year,
            "factor": float(self.factor),
            "factor_source": self.factor_source,
            "devices": [
                {"model": d.model, "count": d.count, "kwh": int(carbon.whole_kwh(d.kwh))} for d in self.devices
            ],
            "kwh": int(carbon.whole_kwh(self.kwh)),
            "tco2e": float(tonnes(self.tco2e)),
            "baseline_kwh": int(carbon.whole_kwh(self.baseline_kwh)),
            "baseline_tco2e": float(tonnes(self.baseline_tco2e)),
            "avoided_tco2e": float(tonnes(self.baseline_tco2e) - tonnes(self.tco2e)),
        }
        if self.org is None:
            answer = {"framework": self.framework, **answer}
            del answer["org"]
            answer["members"] = [m.as_json() for m in self.members]
        return answer


def emission_factor(year: int) -> EmissionFactor:
    """The loaded factor for `year`; a clear refusal when there is none (never a guess)."""
    factor: EmissionFactor | None = EmissionFactor.objects.filter(year=year).first()
    if factor is None:
        raise RuleError(f"no grid emission factor for {year}: the authority loads one (flexhub factors load FILE.csv)")
    return factor


def _device_kwh(device: DeviceModel, profiles: dict[str, carbon.UsageProfile]) -> Decimal | None:
    """A model's kWh a year, or None when it has no figures to count it by."""
    power = carbon.DevicePower(device.tec_kwh, device.on_watts, device.sleep_watts, device.off_watts)
    if power.tec_kwh is None and (power.on_watts is None or device.kind not in profiles):
        return None
    return carbon.annual_kwh(power, profiles.get(device.kind, carbon.UsageProfile(Decimal(0), Decimal(0))))


def _profiles() -> dict[str, carbon.UsageProfile]:
    return {p.kind: carbon.UsageProfile(p.hours_on, p.hours_sleep) for p in UsageProfile.objects.all()}


def _local_date(stamp: str, zone: dt.tzinfo) -> dt.date:
    """The London date of a UTC time as the database writes it ("YYYY-MM-DD HH:MM:SS..."): the
    UTC date, except in the last hour of a UTC day, when summer time may already be the next.
    Reading the text saves building an aware datetime per event (most of the report's time)."""
    if stamp[11:13] != "23":
        return dt.date.fromisoformat(stamp[:10])
    moment = dt.datetime.fromisoformat(stamp[:19]).replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).date()


def _days_by_member_and_model(member_ids: Iterable[int], year: int) -> dict[int, dict[int, list[int]]]:
    """For each member, each seat model's assets' days in use in `year` (one entry per asset in
    use on any day), from the assets' dated status history."""
    zone = timezone.get_default_timezone()
    rows = (
        AssetEvent.objects.filter(
            asset__owner_id__in=list(member_ids),
            asset__model__kind__in=SEAT_KINDS,
            kind__in=STATUS_EVENTS,
            at__lt=dt.datetime(year + 1, 1, 2, tzinfo=dt.UTC),  # later changes cannot touch the year
        )
        .annotate(stamp=Cast("at", CharField()))
        .order_by("asset_id", "at", "pk")
        .values_list("asset_id", "asset__owner_id", "asset__model_id", "stamp", "to_value")
    )
    found: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    full_year, first_day = carbon.days_in_year(year), dt.date(year, 1, 1)
    current: int | None = None
    owner = model = 0
    changes: list[tuple[dt.date, str]] = []

    def close() -> None:
        if len(changes) == 1 and changes[0][1] == carbon.IN_USE and changes[0][0] <= first_day:
            days = full_year  # the common case: in use since before the year, and still
        else:
            days = carbon.days_in_use_in_year(carbon.in_use_periods(changes), year)
        if days:
            found[owner][model].append(days)

    for asset_id, owner_id, model_id, stamp, to_value in rows.iterator(chunk_size=5000):
        if asset_id != current:
            if current is not None:
                close()
            current, owner, model, changes = asset_id, owner_id, model_id, []
        changes.append((_local_date(stamp, zone), to_value))
    if current is not None:
        close()
    return found


def _data_centre_kwh_per_seat(framework: Framework, member_ids: list[int]) -> dict[int, Decimal]:
    """Each member's data-centre kWh a seat: the shares of the framework's services it took
    under any of its contracts. Not only those in force in the year: a thin client still in use
    has servers behind it, and leaving them out would flatter it."""
    shares = {
        s.service_id: carbon.data_centre_kwh(s.watts_per_seat, s.pue)
        for s in DataCentreShare.objects.filter(service__framework=framework)
    }
    per_member: dict[int, Decimal] = defaultdict(Decimal)
    if not shares:
        return per_member
    taken = (
        ContractLine.objects.filter(
            contract__framework=framework,
            contract__member_id__in=member_ids,
            service_id__in=shares,
        )
        .values_list("contract__member_id", "service_id")
        .distinct()
    )
    for member_id, service_id in taken:
        per_member[member_id] += shares[service_id]
    return per_member


def carbon_reports(baselines: list[MemberBaseline], year: int) -> list[CarbonReport]:
    """The carbon report of each member baseline (all of one framework) for `year`."""
    if not baselines:
        return []
    factor = emission_factor(year)
    framework = baselines[0].framework
    profiles = _profiles()
    member_ids = [b.member_id for b in baselines]
    days = _days_by_member_and_model(member_ids, year)
    model_ids = {m for per_model in days.values() for m in per_model}
    models = DeviceModel.objects.in_bulk(model_ids | {b.baseline_device_id for b in baselines if b.baseline_device_id})
    data_centre = _data_centre_kwh_per_seat(framework, member_ids)
    year_days = Decimal(carbon.days_in_year(year))
    reports = []
    for baseline in baselines:
        if baseline.baseline_device_id is None:
            raise RuleError(f"{baseline.member.code} has not declared the device model its seats replaced")
        baseline_device = models[baseline.baseline_device_id]
        baseline_kwh = _device_kwh(baseline_device, profiles)
        if baseline_kwh is None:
            raise RuleError(f"the baseline device {baseline_device} has no energy figures")
        lines, uncounted = [], []
        counts: dict[str, tuple[int, Decimal]] = {}
        for model_id, per_asset in sorted(days.get(baseline.member_id, {}).items()):
            device = models[model_id]
            name = f"{device.manufacturer} {device.model}"
            per_device = _device_kwh(device, profiles)
            if per_device is None:
                uncounted.append((name, len(per_asset)))
                continue
            device_years = Decimal(sum(per_asset)) / year_days
            lines.append((name, device_years, per_device))
            counts[name] = (len(per_asset), device_years)
        seats = sum((c[1] for c in counts.values()), Decimal(0))
        estate = carbon.estate_carbon(
            lines,
            seats=seats,
            baseline_kwh_per_seat=baseline_kwh,
            kg_per_kwh=factor.kg_co2e_per_kwh,
            data_centre_kwh_per_seat=data_centre.get(baseline.member_id, Decimal(0)),
        )
        reports.append(
            CarbonReport(
                framework=framework.code,
                org=baseline.member.code,
                year=year,
                factor=factor.kg_co2e_per_kwh,
                factor_source=factor.source,
                devices=[DeviceRow(d.model, counts[d.model][0], d.count, d.kwh) for d in estate.devices],
                seats=seats,
                kwh=estate.kwh,
                data_centre_kwh=seats * data_centre.get(baseline.member_id, Decimal(0)),
                tco2e=estate.tco2e,
                baseline_device=str(baseline_device),
                baseline_kwh=estate.baseline_kwh,
                baseline_tco2e=estate.baseline_tco2e,
                uncounted=uncounted,
            )
        )
    return reports


def framework_carbon(framework: Framework, members: list[CarbonReport], year: int) -> CarbonReport:
    """The framework's total: its members' estates and baselines summed, devices by model."""
    factor = emission_factor(year)
    by_model: dict[str, list[Any]] = {}
    for report in members:
        for d in report.devices:
            row = by_model.setdefault(d.model, [0, Decimal(0), Decimal(0)])
            row[0] += d.count
            row[1] += d.device_years
            row[2] += d.kwh
    zero = Decimal(0)
    return CarbonReport(
        framework=framework.code,
        org=None,
        year=year,
        factor=factor.kg_co2e_per_kwh,
        factor_source=factor.source,
        devices=[DeviceRow(name, *row) for name, row in sorted(by_model.items())],
        seats=sum((m.seats for m in members), zero),
        kwh=sum((m.kwh for m in members), zero),
        data_centre_kwh=sum((m.data_centre_kwh for m in members), zero),
        tco2e=sum((m.tco2e for m in members), zero),
        baseline_device="",
        baseline_kwh=sum((m.baseline_kwh for m in members), zero),
        baseline_tco2e=sum((m.baseline_tco2e for m in members), zero),
        uncounted=[u for m in members for u in m.uncounted],
        members=members,
    )


# Savings ---------------------------------------------------------------------------------------


@dataclass
class SavingsReport:
    framework: str
    org: str | None
    year: int
    figures: savings.SavingsYear
    annual_saving_target: Decimal | None = None
    members: list[SavingsReport] = field(default_factory=list)

    @property
    def own_target_for_months(self) -> Decimal | None:
        """The member's own annual saving target, pro rata to the months billed."""
        if self.annual_saving_target is None:
            return None
        return savings.baseline_for_months(self.annual_saving_target, self.figures.months)

    def as_json(self) -> dict[str, Any]:
        """The shape `flexhub report savings --json` and the API give (money as strings with
        two decimals; percentages as strings with one, or null without a baseline)."""
        f = self.figures

        def percent(value: Decimal | None) -> str | None:
            return None if value is None else f"{value:.1f}"

        answer: dict[str, Any] = {
            "org": self.org,
            "year": self.year,
            "baseline_it": money_text(f.baseline_it),
            "baseline_desktop": money_text(f.baseline_desktop),
            "invoiced_it": money_text(f.invoiced_it),
            "invoiced_desktop": money_text(f.invoiced_desktop),
            "saving_it": money_text(f.saving_it),
            "saving_desktop": money_text(f.saving_desktop),
            "saving_it_percent": percent(f.saving_it_percent),
            "saving_desktop_percent": percent(f.saving_desktop_percent),
            "target_it_percent": percent(f.target_it_percent),
            "target_desktop_percent": percent(f.target_desktop_percent),
            "pooling_saving": money_text(f.pooling_saving),
        }
        if self.org is None:
            answer = {"framework": self.framework, **answer}
            del answer["org"]
            answer["members"] = [m.as_json() for m in self.members]
        return answer


def savings_target(framework: Framework) -> SavingsTarget:
    """The framework's targets, or the CIO Council's defaults (an unsaved row) until it sets its own."""
    return SavingsTarget.objects.filter(framework=framework).first() or SavingsTarget(framework=framework)


def _desktop_codes(framework: Framework) -> set[str]:
    """The services whose charges are desktop costs: the core service and seat-based options."""
    return set(
        Service.objects.filter(framework=framework, category__in=[Category.CORE, Category.OPTION])
        .exclude(category=Category.OPTION, unit__in=[u for u in Unit.values if u != Unit.SEAT_MONTH])
        .values_list("code", flat=True)
    )


def savings_reports(baselines: list[MemberBaseline], year: int) -> list[SavingsReport]:
    """Each member baseline's (all of one framework) savings in `year` against what it was
    invoiced: IT = every line less credit notes, desktop = the core service and seat-based options."""
    if not baselines:
        return []
    framework = baselines[0].framework
    target = savings_target(framework)
    member_ids = [b.member_id for b in baselines]
    invoices = Invoice.objects.filter(
        framework=framework, member_id__in=member_ids, status=InvoiceStatus.ISSUED, period__year=year
    )
    months: dict[int, set[dt.date]] = defaultdict(set)
    pooling: dict[int, Decimal] = defaultdict(Decimal)
    for member_id, period, saving in invoices.values_list("member_id", "period", "pooling_saving"):
        months[member_id].add(period)
        pooling[member_id] += saving
    desktop = _desktop_codes(framework)
    it: dict[int, Decimal] = defaultdict(Decimal)
    desk: dict[int, Decimal] = defaultdict(Decimal)
    lines = (
        InvoiceLine.objects.filter(invoice__in=invoices)
        .values_list("invoice__member_id", "service_code")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for member_id, code, total in lines:
        it[member_id] += total
        if code in desktop:
            desk[member_id] += total
    credited = (
        CreditNote.objects.filter(invoice__in=invoices)
        .values_list("invoice__member_id")
        .annotate(total=Sum("net"))
        .order_by()
    )
    for member_id, total in credited:
        it[member_id] -= total
    return [
        SavingsReport(
            framework=framework.code,
            org=b.member.code,
            year=year,
            figures=savings.savings_year(
                months=len(months[b.member_id]),
                annual_it=b.annual_it_cost,
                annual_desktop=b.annual_desktop_cost,
                invoiced_it=it[b.member_id] or ZERO,
                invoiced_desktop=desk[b.member_id] or ZERO,
                target_it_percent=target.it_percent,
                target_desktop_percent=target.desktop_percent,
                pooling_saving=pooling[b.member_id] or ZERO,
            ),
            annual_saving_target=b.annual_saving_target,
        )
        for b in baselines
    ]


def framework_savings(framework: Framework, members: list[SavingsReport], year: int) -> SavingsReport:
    """The framework's total: its members' baselines and invoices summed."""
    target = savings_target(framework)
    zero = ZERO
    figures = [m.figures for m in members]
    total = savings.SavingsYear(
        months=max((f.months for f in figures), default=0),
        baseline_it=sum((f.baseline_it for f in figures), zero),
        baseline_desktop=sum((f.baseline_desktop for f in figures), zero),
        invoiced_it=sum((f.invoiced_it for f in figures), zero),
        invoiced_desktop=sum((f.invoiced_desktop for f in figures), zero),
        target_it_percent=target.it_percent,
        target_desktop_percent=target.desktop_percent,
        pooling_saving=sum((f.pooling_saving for f in figures), zero),
    )
    return SavingsReport(framework=framework.code, org=None, year=year, figures=total, members=members)


def membership_years(baseline: MemberBaseline) -> list[int]:
    """The calendar years the member was invoiced in the framework (its years of membership)."""
    return sorted(
        {
            d.year
            for d in Invoice.objects.filter(
                framework_id=baseline.framework_id, member_id=baseline.member_id, status=InvoiceStatus.ISSUED
            ).dates("period", "year")
        }
    )


def framework_years(framework: Framework) -> list[int]:
    return sorted(
        d.year for d in Invoice.objects.filter(framework=framework, status=InvoiceStatus.ISSUED).dates("period", "year")
    )


# Choosing what to report -----------------------------------------------------------------------


def baselines_of(framework: Framework, user: Any | None = None) -> list[MemberBaseline]:
    """The framework's member baselines (those `user` may see, when acting for one), by member."""
    rows = MemberBaseline.objects.filter(framework=framework)
    if user is not None:
        rows = rows.visible_to(user)
    return list(rows.select_related("member", "framework", "baseline_device").order_by("member__code"))


def baseline_for_cli(*, org: str, framework: str | None) -> MemberBaseline:
    """The one baseline `--org` (and `--framework`, when it is in more than one) names."""
    rows = MemberBaseline.objects.filter(member__code=org).select_related("member", "framework", "baseline_device")
    if framework:
        rows = rows.filter(framework__code=framework)
    found = list(rows)
    if not found:
        where = f" under {framework}" if framework else ""
        raise RuleError(f"{org} has declared no baseline{where} (or there is no such organisation)")
    if len(found) > 1:
        codes = ", ".join(b.framework.code for b in found)
        raise RuleError(f"{org} is a member of {codes}: say which with --framework")
    return found[0]


def member_carbon(baseline: MemberBaseline, year: int) -> CarbonReport:
    return carbon_reports([baseline], year)[0]


def member_savings(baseline: MemberBaseline, year: int) -> SavingsReport:
    return savings_reports([baseline], year)[0]


def whole_framework_carbon(framework: Framework, year: int, user: Any | None = None) -> CarbonReport:
    return framework_carbon(framework, carbon_reports(baselines_of(framework, user), year), year)


def whole_framework_savings(framework: Framework, year: int, user: Any | None = None) -> SavingsReport:
    return framework_savings(framework, savings_reports(baselines_of(framework, user), year), year)


def savings_reports_over(baseline: MemberBaseline, years: list[int]) -> list[SavingsReport]:
    """The member's savings in each of `years`."""
    return [member_savings(baseline, year) for year in years]
