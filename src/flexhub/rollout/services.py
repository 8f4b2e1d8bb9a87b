"""Rollout writes: keeping a template, starting a programme from one, re-planning and completing
its stages, and asking for the seat change a completed wave calls for. Each is one transaction
with its audit entry; the dates come from rules/rollout.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from flexhub.core.audit import Actor, audit_record, changed, snapshot
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, Organisation
from flexhub.core.roles import Role
from flexhub.directory.models import StaffMember, StaffStatus
from flexhub.frameworks.models import CallOffContract, ContractChange, ContractLine, Framework, Service
from flexhub.frameworks.services import require_authority, seat_change_request
from flexhub.rollout.models import Programme, ProgrammeStage, RolloutTemplate, TemplateStage, Wave
from flexhub.rollout.selectors import programme_row
from flexhub.rules.pricing import LineTerms
from flexhub.rules.rollout import ScheduleError, StagePlan, check_stages, schedule, spread_waves


@dataclass(frozen=True)
class StageInput:
    """A template stage as a form, the API or a scenario gives it."""

    key: str
    name: str
    duration_days: int
    depends_on: tuple[str, ...] = ()
    checklist: tuple[str, ...] = ()
    is_waves: bool = False


@dataclass(frozen=True)
class WaveInput:
    site: str
    seats: int | None = None  # None: the people in post at the site, from the directory


@dataclass
class ProgrammeInput:
    code: str
    name: str
    start: dt.date
    waves: Sequence[WaveInput] = field(default_factory=tuple)
    contract: CallOffContract | None = None
    service: Service | None = None


def _check_stage_inputs(stages: Sequence[StageInput]) -> None:
    if not stages:
        raise RuleError("a template needs at least one stage", field="stages")
    try:
        check_stages([StagePlan(s.key, s.duration_days, tuple(s.depends_on)) for s in stages])
    except ScheduleError as error:
        raise RuleError(str(error), field="stages") from error
    if sum(1 for s in stages if s.is_waves) > 1:
        raise RuleError("only one stage can hold the waves", field="stages")
    for stage in stages:
        if len(stage.key) > 40:
            raise RuleError(f"stage {stage.key[:40]!r}...: a key is at most 40 characters", field="stages")
        if not stage.name.strip():
            raise RuleError(f"stage {stage.key!r} needs a name", field="stages")
        if len(stage.name) > 100:
            raise RuleError(f"stage {stage.key!r}: a name is at most 100 characters", field="stages")
        if any(not item.strip() or len(item) > 300 for item in stage.checklist):
            raise RuleError(f"stage {stage.key!r}: a checklist line must be 1 to 300 characters", field="stages")


@transaction.atomic
def template_save(
    *, actor: Actor, framework: Framework, code: str, name: str, stages: Sequence[StageInput], description: str = ""
) -> RolloutTemplate:
    """Create or replace an authority's template. Programmes already started keep their copy."""
    require_authority(actor, framework, "keep rollout templates")
    if not code.strip() or len(code) > 32:
        raise RuleError("a template code must be 1 to 32 characters", field="code")
    if not name.strip():
        raise RuleError("a template needs a name", field="name")
    _check_stage_inputs(stages)
    template, created = RolloutTemplate.objects.get_or_create(
        framework=framework,
        code=code,
        defaults={"name": name, "description": description, "updated_at": timezone.now()},
    )
    before = {} if created else {**snapshot(template, ["name", "description"]), "stages": _template_stages(template)}
    template.name, template.description, template.updated_at = name, description, timezone.now()
    template.save()
    template.stages.all().delete()
    TemplateStage.objects.bulk_create(
        TemplateStage(
            template=template,
            position=i,
            key=s.key,
            name=s.name,
            duration_days=s.duration_days,
            depends_on=list(s.depends_on),
            checklist=list(s.checklist),
            is_waves=s.is_waves,
        )
        for i, s in enumerate(stages, start=1)
    )
    after = {**snapshot(template, ["name", "description"]), "stages": _template_stages(template)}
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=template,
        changes=changed(before, after),
        organisation=framework.authority,
        framework=framework,
    )
    return template


def _template_stages(template: RolloutTemplate) -> list[str]:
    """Each stage in words, for the audit log: a change to any part of it shows."""
    return [
        f"{s.key} {s.name!r} {s.duration_days}d"
        + (f" after {', '.join(s.depends_on)}" if s.depends_on else "")
        + (f" checklist {'; '.join(s.checklist)}" if s.checklist else "")
        + (" waves" if s.is_waves else "")
        for s in template.stages.order_by("position")
    ]


def staff_sites(member: Organisation) -> dict[str, int]:
    """The sites of a member's directory with the people in post at each."""
    counts: dict[str, int] = {}
    for site in StaffMember.objects.filter(organisation=member, status=StaffStatus.ACTIVE).values_list(
        "site", flat=True
    ):
        if site:
            counts[site] = counts.get(site, 0) + 1
    return dict(sorted(counts.items()))


def _may_run(actor: Actor, member: Organisation) -> None:
    user = actor.user
    if user is not None and (user.role != Role.MEMBER_ADMIN or user.organisation_id != member.pk):
        raise RuleError("only the member's admins may run its rollout programmes")


@transaction.atomic
def programme_start(
    *,
    actor: Actor,
    template: RolloutTemplate,
    member: Organisation,
    programme: ProgrammeInput,
    sites_from_directory: bool = True,
) -> Programme:
    """Start a member's programme from a copy of the template: stage dates follow from the start,
    the durations and the dependencies (and are kept as the baseline); one wave per site, spread
    over the waves stage, each of the people in post there unless its seats are given.

    A scenario file (`sites_from_directory=False`) names each wave's site and seats itself: it
    is loaded before any directory, so its sites are not looked up; progress is still measured
    from the asset register and the directory once they are there."""
    _may_run(actor, member)
    framework = template.framework
    if not framework.participants.filter(pk=member.pk).exists():
        raise RuleError(f"{member.code} does not take part in {framework.code}", field="template")
    if not programme.code.strip() or len(programme.code) > 40:
        raise RuleError("a programme code must be 1 to 40 characters", field="code")
    if not programme.name.strip():
        raise RuleError("a programme needs a name", field="name")
    if Programme.objects.filter(member=member, code=programme.code).exists():
        raise RuleError(f"{member.code} already has a programme {programme.code}", field="code")
    if not framework.start <= programme.start <= framework.end:
        raise RuleError(
            f"{programme.start} is outside the framework ({framework.start} to {framework.end})", field="start"
        )
    if programme.contract is not None and (
        programme.contract.member_id != member.pk or programme.contract.framework_id != framework.pk
    ):
        raise RuleError("the contract must be the member's under the template's framework", field="contract")
    if programme.service is not None and (
        programme.contract is None or not programme.contract.lines.filter(service=programme.service).exists()
    ):
        raise RuleError("the seat's service must be a line of the contract", field="service")
    stages = list(template.stages.order_by("position"))
    try:
        dates = schedule([StagePlan(s.key, s.duration_days, tuple(s.depends_on)) for s in stages], programme.start)
    except ScheduleError as error:
        raise RuleError(f"template {template.code}: {error}", field="template") from error
    sites = staff_sites(member)
    waves = list(programme.waves)
    seen: set[str] = set()
    for wave in waves:
        if not sites_from_directory and wave.seats is None:
            raise RuleError(f"the wave at {wave.site!r} needs its seats", field="sites")
        if sites_from_directory and wave.site not in sites:
            raise RuleError(f"{wave.site!r} is not a site in {member.code}'s staff directory", field="sites")
        if wave.site in seen:
            raise RuleError(f"{wave.site!r} is chosen twice", field="sites")
        if wave.seats is not None and wave.seats < 0:
            raise RuleError("a wave's seats cannot be negative", field="sites")
        seen.add(wave.site)
    waves_stage = next((s for s in stages if s.is_waves), None)
    if waves and waves_stage is None:
        raise RuleError(f"template {template.code} has no stage for waves", field="sites")
    created = Programme.objects.create(
        framework=framework,
        member=member,
        code=programme.code,
        name=programme.name,
        template=template,
        template_name=template.name,
        start=programme.start,
        contract=programme.contract,
        service=programme.service,
        started_at=timezone.now(),
    )
    ProgrammeStage.objects.bulk_create(
        ProgrammeStage(
            programme=created,
            position=s.position,
            key=s.key,
            name=s.name,
            duration_days=s.duration_days,
            depends_on=list(s.depends_on),
            checklist=list(s.checklist),
            is_waves=s.is_waves,
            baseline_start=dates[s.key].start,
            baseline_end=dates[s.key].end,
            planned_start=dates[s.key].start,
            planned_end=dates[s.key].end,
        )
        for s in stages
    )
    if waves_stage is not None and waves:
        span = dates[waves_stage.key]
        planned = spread_waves(span.start, span.end, len(waves))
        Wave.objects.bulk_create(
            Wave(
                programme=created,
                number=i,
                site=w.site,
                seats=sites[w.site] if w.seats is None else w.seats,
                baseline_date=day,
                planned_date=day,
            )
            for i, (w, day) in enumerate(zip(waves, planned, strict=True), start=1)
        )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=created,
        changes=changed(
            {},
            {
                **snapshot(created, ["name", "template_name", "start", "contract", "service"]),
                "sites": [w.site for w in waves],
            },
        ),
        organisation=member,
        framework=framework,
    )
    return created


def _replan(programme: Programme) -> list[ProgrammeStage]:
    """Work the planned dates out again from the stages' durations and not-before dates."""
    stages = list(programme.stages.order_by("position"))
    dates = schedule(
        [StagePlan(s.key, s.duration_days, tuple(s.depends_on), s.not_before) for s in stages], programme.start
    )
    for stage in stages:
        stage.planned_start, stage.planned_end = dates[stage.key].start, dates[stage.key].end
    ProgrammeStage.objects.bulk_update(stages, ["planned_start", "planned_end"])
    return stages


@transaction.atomic
def stage_replan(
    *, actor: Actor, stage: ProgrammeStage, duration_days: int, not_before: dt.date | None, reason: str = ""
) -> ProgrammeStage:
    """Re-plan a stage (how long it now takes, and a date it cannot start before); the stages
    after it follow. The baseline never moves, so the slippage shows."""
    programme = stage.programme
    _may_run(actor, programme.member)
    if stage.completed_on is not None:
        raise RuleError("a completed stage cannot be re-planned", field="duration_days")
    if not 1 <= duration_days <= 3650:
        raise RuleError("a duration must be from 1 to 3650 days", field="duration_days")
    if not_before is not None and not programme.framework.start <= not_before <= programme.framework.end:
        raise RuleError("that date is outside the framework's term", field="not_before")
    before = snapshot(stage, ["duration_days", "not_before", "planned_start", "planned_end"])
    stage.duration_days, stage.not_before = duration_days, not_before
    stage.save(update_fields=["duration_days", "not_before"])
    stage = next(s for s in _replan(programme) if s.pk == stage.pk)
    _move_waves(programme)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=stage,
        changes=changed(before, snapshot(stage, ["duration_days", "not_before", "planned_start", "planned_end"])),
        organisation=programme.member,
        framework=programme.framework,
        reason=reason,
    )
    return stage


def _move_waves(programme: Programme) -> None:
    """Waves follow their stage when it moves: spread again over its planned dates."""
    stage = programme.stages.filter(is_waves=True).first()
    waves = list(programme.waves.order_by("number"))
    if stage is None or not waves:
        return
    for wave, day in zip(waves, spread_waves(stage.planned_start, stage.planned_end, len(waves)), strict=True):
        wave.planned_date = day
    Wave.objects.bulk_update(waves, ["planned_date"])


def _checked(stage: ProgrammeStage, checked: Sequence[str]) -> list[str]:
    """`checked` as the stage's checklist items, in the checklist's order; an item the checklist
    does not have is refused by name."""
    unknown = [item for item in checked if item not in stage.checklist]
    if unknown:
        raise RuleError(f"{stage.name}'s checklist has no item {unknown[0]!r}", field="checked")
    return [item for item in stage.checklist if item in checked]


@transaction.atomic
def stage_checklist(*, actor: Actor, stage: ProgrammeStage, checked: Sequence[str]) -> ProgrammeStage:
    """Record which of a stage's checklist items are done so far (the rest are not)."""
    _may_run(actor, stage.programme.member)
    stage = ProgrammeStage.objects.select_for_update().select_related("programme").get(pk=stage.pk)
    if stage.completed_on is not None:
        raise RuleError(f"{stage.name} is complete: its checklist can no longer change", field="checked")
    done = _checked(stage, checked)
    if done != stage.checklist_done:
        before, stage.checklist_done = stage.checklist_done, done
        stage.save(update_fields=["checklist_done"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=stage,
            changes={"checklist_done": [before, done]},
            organisation=stage.programme.member,
            framework=stage.programme.framework,
        )
    return stage


@transaction.atomic
def stage_complete(
    *, actor: Actor, stage: ProgrammeStage, completed_on: dt.date, checked: Sequence[str] | None = None
) -> ProgrammeStage:
    """Record that a stage is done on a date: every item of its checklist checked, as already
    recorded or as `checked` gives them now."""
    _may_run(actor, stage.programme.member)
    stage = ProgrammeStage.objects.select_for_update().select_related("programme").get(pk=stage.pk)
    if stage.completed_on is not None:
        raise RuleError(f"{stage.name} is already complete", field="completed_on")
    if completed_on < stage.programme.start or completed_on > timezone.localdate():
        raise RuleError("a stage completes between the programme's start and today", field="completed_on")
    done = stage.checklist_done if checked is None else _checked(stage, checked)
    still_open = [item for item in stage.checklist if item not in done]
    if still_open:
        raise RuleError(
            f"check every item of the checklist first; not yet checked: {'; '.join(still_open)}", field="checked"
        )
    changes: dict[str, Any] = {"completed_on": [None, completed_on.isoformat()]}
    if done != stage.checklist_done:
        changes["checklist_done"] = [stage.checklist_done, done]
    stage.completed_on, stage.checklist_done = completed_on, done
    stage.save(update_fields=["completed_on", "checklist_done"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=stage,
        changes=changes,
        organisation=stage.programme.member,
        framework=stage.programme.framework,
    )
    return stage


def contract_quantity_on(contract: CallOffContract, service: Service, day: dt.date) -> int:
    """The line's quantity in force on a day, with its effective-dated changes."""
    line = ContractLine.objects.filter(contract=contract, service=service).first()
    if line is None:
        return 0
    changes = tuple(
        ContractChange.objects.filter(contract=contract, service=service)
        .order_by("effective")
        .values_list("effective", "quantity")
    )
    terms = LineTerms(service.code, line.start or contract.start, line.end or contract.end, line.quantity, changes)
    return terms.quantity_on(day)


def wave_seat_change_suggestion(wave: Wave, moved: int) -> dict[str, Any] | None:
    """What the seat-change request of a completed wave should say: the contract's seats on the
    wave's date plus the seats it moved, from that date. None without a contract and service."""
    programme = wave.programme
    if programme.contract is None or programme.service is None:
        return None
    effective = min(max(wave.planned_date, programme.contract.start), programme.contract.end)
    current = contract_quantity_on(programme.contract, programme.service, effective)
    return {
        "service": programme.service,
        "effective": effective,
        "quantity": current + moved,
        "reason": f"Rollout {programme.code} wave {wave.number} ({wave.site}): {moved} seats moved to the framework",
    }


@transaction.atomic
def wave_seat_change(
    *, actor: Actor, wave: Wave, service: Service, effective: dt.date, quantity: int, reason: str = ""
) -> Wave:
    """Ask the authority for the seat change a completed wave calls for (the contract's own
    seat-change request), and keep it with the wave so the offer is not made twice."""
    programme = wave.programme
    _may_run(actor, programme.member)
    if programme.contract is None:
        raise RuleError("the programme has no contract to change", field="service")
    if wave.seat_request_id is not None:
        raise RuleError(f"wave {wave.number} has already asked for its seat change", field="quantity")
    measured = next(w for w in programme_row(programme).waves if w.wave.pk == wave.pk)
    if not measured.complete:
        raise RuleError(
            f"wave {wave.number} has moved {measured.moved} of its {wave.seats} seats: it is not complete yet",
            field="quantity",
        )
    request = seat_change_request(
        actor=actor, contract=programme.contract, service=service, effective=effective, quantity=quantity, reason=reason
    )
    wave.seat_request = request
    wave.save(update_fields=["seat_request"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=wave,
        changes={"seat_request": [None, str(request)]},
        organisation=programme.member,
        framework=programme.framework,
    )
    return wave
