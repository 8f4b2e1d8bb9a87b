"""Benefits' writes: the authority's factors, usage profiles, data-centre shares and targets, and
a member's baseline; each one atomic and in the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction

from flexhub.assets.models import DeviceKind, DeviceModel
from flexhub.benefits.models import DataCentreShare, EmissionFactor, MemberBaseline, SavingsTarget, UsageProfile
from flexhub.core.audit import Actor, audit_record
from flexhub.core.csvimport import FileRefused, RowProblem, read_rows
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import is_authority_of
from flexhub.frameworks.models import Framework, Service
from flexhub.rules.carbon import HOURS_IN_A_YEAR

FACTOR_COLUMNS = ("year", "kg_co2e_per_kwh", "source")
FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_FACTOR = Decimal(5)  # no grid emits 5 kg a kWh; a larger figure is grams or a typo
SOURCE_LENGTH = EmissionFactor._meta.get_field("source").max_length or 300


def _require_authority(actor: Actor, what: str) -> None:
    if actor.user is not None and actor.user.role != Role.AUTHORITY_ADMIN:
        raise RuleError(f"{what} are kept by the authority")


@dataclass
class FactorLoad:
    """What a factors file did, or every problem in it (then nothing was written)."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _factor_row(line: int, row: dict[str, str], problems: list[RowProblem]) -> tuple[int, Decimal, str] | None:
    if "__width__" in row:
        problems.append(RowProblem(line, "", f"the row has {row['__width__']} values, not {len(FACTOR_COLUMNS)}"))
        return None
    before = len(problems)
    year = 0
    if not row["year"].isdigit() or not FIRST_YEAR <= int(row["year"]) <= LAST_YEAR:
        problems.append(RowProblem(line, "year", f"{row['year']!r} is not a year from {FIRST_YEAR} to {LAST_YEAR}"))
    else:
        year = int(row["year"])
    factor = Decimal(0)
    try:
        factor = Decimal(row["kg_co2e_per_kwh"])
        if not factor.is_finite() or not 0 < factor < MAX_FACTOR:
            raise InvalidOperation
        if factor.as_tuple().exponent < -5:  # type: ignore[operator]
            problems.append(RowProblem(line, "kg_co2e_per_kwh", "give the factor to five decimal places at most"))
    except InvalidOperation:
        problems.append(
            RowProblem(line, "kg_co2e_per_kwh", f"{row['kg_co2e_per_kwh']!r} is not a factor in kg CO2e a kWh (0 to 5)")
        )
    if not row["source"]:
        problems.append(RowProblem(line, "source", "say where the factor comes from (for example DESNZ 2024)"))
    elif len(row["source"]) > SOURCE_LENGTH or "\x00" in row["source"]:
        problems.append(RowProblem(line, "source", f"the source is longer than {SOURCE_LENGTH} characters"))
    return (year, factor, row["source"]) if len(problems) == before else None


@transaction.atomic
def factors_load(*, actor: Actor, binary: IO[bytes]) -> FactorLoad:
    """Load grid emission factors from a CSV (year,kg_co2e_per_kwh,source): all of it, or none
    of it with every problem by line. A year already loaded takes the new figure and source."""
    _require_authority(actor, "emission factors")
    result = FactorLoad()
    rows: dict[int, tuple[int, Decimal, str]] = {}
    try:
        for line, row in read_rows(binary, FACTOR_COLUMNS):
            parsed = _factor_row(line, row, result.problems)
            if parsed is None:
                continue
            if parsed[0] in {r[0] for r in rows.values()}:
                first = next(n for n, r in rows.items() if r[0] == parsed[0])
                result.problems.append(RowProblem(line, "year", f"{parsed[0]} is given twice (first on row {first})"))
                continue
            rows[line] = parsed
    except FileRefused as refused:
        result.problems.append(refused.problem)
    if not rows and not result.problems:
        result.problems.append(RowProblem(2, "", "the file has no factors"))
    if result.problems:
        return result
    existing = {f.year: f for f in EmissionFactor.objects.filter(year__in=[r[0] for r in rows.values()])}
    organisation = actor.user.organisation if actor.user else None
    for year, factor, source in rows.values():
        current = existing.get(year)
        if current is None:
            created = EmissionFactor.objects.create(year=year, kg_co2e_per_kwh=factor, source=source)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                instance=created,
                changes={"kg_co2e_per_kwh": [None, str(factor)], "source": [None, source]},
                organisation=organisation,
            )
            result.added += 1
        elif current.kg_co2e_per_kwh != factor or current.source != source:
            changes = {
                "kg_co2e_per_kwh": [str(current.kg_co2e_per_kwh), str(factor)],
                "source": [current.source, source],
            }
            current.kg_co2e_per_kwh, current.source = factor, source
            current.save()
            audit_record(
                actor=actor, action=AuditAction.UPDATE, instance=current, changes=changes, organisation=organisation
            )
            result.changed += 1
        else:
            result.unchanged += 1
    return result


@transaction.atomic
def usage_profile_save(*, actor: Actor, kind: str, hours_on: Decimal, hours_sleep: Decimal) -> UsageProfile:
    """Set the hours a year a kind of device is on and asleep (the rest is off)."""
    _require_authority(actor, "usage profiles")
    if kind not in DeviceKind.values:
        raise RuleError(f"unknown device kind {kind!r}", field="kind")
    if hours_on < 0 or hours_sleep < 0:
        raise RuleError("hours cannot be negative", field="hours_on" if hours_on < 0 else "hours_sleep")
    if hours_on + hours_sleep > HOURS_IN_A_YEAR:
        raise RuleError(f"a year has {HOURS_IN_A_YEAR} hours: on and asleep add up to more", field="hours_sleep")
    profile = UsageProfile.objects.filter(kind=kind).first()
    before = None if profile is None else [str(profile.hours_on), str(profile.hours_sleep)]
    if profile is None:
        profile = UsageProfile(kind=kind)
    profile.hours_on, profile.hours_sleep = hours_on, hours_sleep
    profile.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        instance=profile,
        changes={
            "hours_on": [before and before[0], str(hours_on)],
            "hours_sleep": [before and before[1], str(hours_sleep)],
        },
        organisation=actor.user.organisation if actor.user else None,
    )
    return profile


@transaction.atomic
def data_centre_share_save(*, actor: Actor, service: Service, watts_per_seat: Decimal, pue: Decimal) -> DataCentreShare:
    """Set the data-centre share a seat of `service` carries (its framework's authority only)."""
    if actor.user is not None and not is_authority_of(actor.user, service.framework):
        raise RuleError("a service's data-centre share is kept by its framework's authority")
    if watts_per_seat < 0:
        raise RuleError("watts per seat cannot be negative", field="watts_per_seat")
    if pue < 1:
        raise RuleError("a power usage effectiveness is 1 or more", field="pue")
    share = DataCentreShare.objects.filter(service=service).first()
    before = None if share is None else [str(share.watts_per_seat), str(share.pue)]
    share = share or DataCentreShare(service=service)
    share.watts_per_seat, share.pue = watts_per_seat, pue
    share.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        instance=share,
        changes={
            "watts_per_seat": [before and before[0], str(watts_per_seat)],
            "pue": [before and before[1], str(pue)],
        },
        organisation=None,
        framework=service.framework,
    )
    return share


@transaction.atomic
def savings_target_save(
    *, actor: Actor, framework: Framework, it_percent: Decimal, desktop_percent: Decimal
) -> SavingsTarget:
    """Set a framework's saving targets, as percentages of its members' baseline costs."""
    if actor.user is not None and not is_authority_of(actor.user, framework):
        raise RuleError("a framework's targets are set by its authority")
    for name, value in (("it_percent", it_percent), ("desktop_percent", desktop_percent)):
        if not 0 <= value <= 100:
            raise RuleError("a target is a percentage from 0 to 100", field=name)
    target = SavingsTarget.objects.filter(framework=framework).first()
    before = None if target is None else [str(target.it_percent), str(target.desktop_percent)]
    target = target or SavingsTarget(framework=framework)
    target.it_percent, target.desktop_percent = it_percent, desktop_percent
    target.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        instance=target,
        changes={
            "it_percent": [before and before[0], str(it_percent)],
            "desktop_percent": [before and before[1], str(desktop_percent)],
        },
        organisation=None,
        framework=framework,
    )
    return target


BASELINE_FIELDS = ("year", "annual_it_cost", "annual_desktop_cost", "annual_saving_target", "baseline_device")


def _may_declare(actor: Actor, framework: Framework, member: Organisation) -> bool:
    user = actor.user
    if user is None:
        return True
    if user.role == Role.MEMBER_ADMIN:
        return user.organisation_id == member.pk
    return is_authority_of(user, framework)


@transaction.atomic
def member_baseline_save(
    *,
    actor: Actor,
    framework: Framework,
    member: Organisation,
    year: int,
    annual_it_cost: Decimal,
    annual_desktop_cost: Decimal,
    annual_saving_target: Decimal | None = None,
    baseline_device: DeviceModel | None = None,
) -> MemberBaseline:
    """Declare (or change) what a member spent and used before it joined a framework."""
    if not _may_declare(actor, framework, member):
        raise RuleError("you may declare only your own organisation's baseline")
    if (
        not framework.participants.filter(pk=member.pk).exists()
        or not framework.contracts.filter(member=member).exists()
    ):
        raise RuleError(f"{member.code} has no contract under {framework.code}", field="member")
    if not 1990 <= year <= framework.end.year:
        raise RuleError(f"the baseline year must be from 1990 to {framework.end.year}", field="year")
    for name, value in (
        ("annual_it_cost", annual_it_cost),
        ("annual_desktop_cost", annual_desktop_cost),
        ("annual_saving_target", annual_saving_target),
    ):
        if value is not None and value < 0:
            raise RuleError("a cost cannot be negative", field=name)
    if annual_desktop_cost > annual_it_cost:
        raise RuleError("the desktop cost is part of the IT cost and cannot be more", field="annual_desktop_cost")
    baseline = MemberBaseline.objects.filter(framework=framework, member=member).first()
    values: dict[str, Any] = {
        "year": year,
        "annual_it_cost": annual_it_cost,
        "annual_desktop_cost": annual_desktop_cost,
        "annual_saving_target": annual_saving_target,
        "baseline_device": baseline_device,
    }
    created = baseline is None
    baseline = baseline or MemberBaseline(framework=framework, member=member)
    changes = {}
    for name, value in values.items():
        old = None if created else getattr(baseline, name)
        if created or old != value:
            changes[name] = [None if old is None else str(old), None if value is None else str(value)]
            setattr(baseline, name, value)
    if changes:
        baseline.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            instance=baseline,
            changes=changes,
            organisation=member,
            framework=framework,
        )
    return baseline
