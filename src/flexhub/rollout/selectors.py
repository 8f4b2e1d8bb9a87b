"""Rollout reads: programmes with their measured progress and state, in a fixed number of queries
however many there are (the portfolio shows hundreds). A row works each figure out once, when first
asked (`cached_property`): a page asks for them several times a row."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from flexhub.assets.models import Asset, AssetStatus
from flexhub.directory.models import StaffMember, StaffStatus
from flexhub.rollout.models import Programme, ProgrammeStage, Wave
from flexhub.rules.rollout import (
    ProgrammeState,
    StageProgress,
    WaveProgress,
    measured_moved,
    programme_state,
    seats_to_move,
)


@dataclass(frozen=True)
class WaveRow:
    wave: Wave
    deployed: int  # assets deployed at the site, from the asset register
    staff: int  # people in post at the site, from the directory
    moved: int

    @cached_property
    def progress(self) -> WaveProgress:
        return WaveProgress(self.wave.planned_date, self.wave.seats, self.moved)

    @cached_property
    def complete(self) -> bool:
        return self.progress.complete

    @cached_property
    def to_move(self) -> int:
        return self.progress.to_move

    @cached_property
    def percent(self) -> int:
        return 100 if not self.wave.seats else min(100, self.moved * 100 // self.wave.seats)

    @cached_property
    def slippage_days(self) -> int:
        return (self.wave.planned_date - self.wave.baseline_date).days


@dataclass(frozen=True)
class ProgrammeRow:
    programme: Programme
    stages: list[ProgrammeStage]
    waves: list[WaveRow]
    state: ProgrammeState

    @cached_property
    def seats(self) -> int:
        return sum(w.wave.seats for w in self.waves)

    @cached_property
    def to_move(self) -> int:
        return seats_to_move(w.progress for w in self.waves)

    @cached_property
    def baseline_finish(self) -> dt.date | None:
        return max((s.baseline_end for s in self.stages), default=None)

    @cached_property
    def planned_finish(self) -> dt.date | None:
        return max((s.planned_end for s in self.stages), default=None)

    @cached_property
    def slippage_days(self) -> int:
        if self.baseline_finish is None or self.planned_finish is None:
            return 0
        return (self.planned_finish - self.baseline_finish).days


def _site_counts(member_ids: set[int]) -> tuple[dict[tuple[int, str], int], dict[tuple[int, str], int]]:
    """Assets deployed and people in post per (member, site): two grouped queries."""
    deployed = {
        (row["owner_id"], row["site"]): row["n"]
        for row in Asset.objects.filter(owner_id__in=member_ids, status=AssetStatus.DEPLOYED)
        .values("owner_id", "site")
        .annotate(n=Count("pk"))
        .order_by()
    }
    staff = {
        (row["organisation_id"], row["site"]): row["n"]
        for row in StaffMember.objects.filter(organisation_id__in=member_ids, status=StaffStatus.ACTIVE)
        .values("organisation_id", "site")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return deployed, staff


# What the portfolio needs of a stage: its dates (its checklist and dependencies are JSON to decode).
STAGE_DATES = (
    "programme_id",
    "position",
    "baseline_start",
    "baseline_end",
    "planned_start",
    "planned_end",
    "completed_on",
)


def programme_rows(
    programmes: QuerySet[Programme], *, today: dt.date | None = None, dates_only: bool = False
) -> list[ProgrammeRow]:
    """Each programme with its stages, its waves measured and its state: five queries in all
    (`dates_only`: stages read for their dates alone, as the portfolio needs them)."""
    today = today or timezone.localdate()
    listed = list(programmes.select_related("member", "framework"))
    ids = [p.pk for p in listed]
    stages: dict[int, list[ProgrammeStage]] = defaultdict(list)
    stage_rows = ProgrammeStage.objects.filter(programme_id__in=ids).order_by("programme_id", "position")
    for stage in stage_rows.only(*STAGE_DATES) if dates_only else stage_rows:
        stages[stage.programme_id].append(stage)
    waves: dict[int, list[Wave]] = defaultdict(list)
    for wave in Wave.objects.filter(programme_id__in=ids).order_by("programme_id", "number"):
        waves[wave.programme_id].append(wave)
    deployed, staff = _site_counts({p.member_id for p in listed}) if any(waves.values()) else ({}, {})
    rows = []
    for programme in listed:
        wave_rows = []
        for wave in waves[programme.pk]:
            wave.programme = programme
            key = (programme.member_id, wave.site)
            at_site, people = deployed.get(key, 0), staff.get(key, 0)
            wave_rows.append(WaveRow(wave, at_site, people, measured_moved(at_site, people, wave.seats)))
        for stage in stages[programme.pk]:
            stage.programme = programme
        state = programme_state(
            today=today,
            stages=(
                StageProgress(s.planned_start, s.planned_end, s.baseline_end, s.completed_on is not None)
                for s in stages[programme.pk]
            ),
            waves=(w.progress for w in wave_rows),
        )
        rows.append(ProgrammeRow(programme, stages[programme.pk], wave_rows, state))
    return rows


def programme_row(programme: Programme, *, today: dt.date | None = None) -> ProgrammeRow:
    return programme_rows(Programme.objects.filter(pk=programme.pk), today=today)[0]


@dataclass(frozen=True)
class PortfolioSummary:
    by_state: list[tuple[ProgrammeState, int]]
    seats: int
    to_move: int


def portfolio_summary(rows: Iterable[ProgrammeRow]) -> PortfolioSummary:
    counts: dict[ProgrammeState, int] = dict.fromkeys(ProgrammeState, 0)
    seats = to_move = 0
    for row in rows:
        counts[row.state] += 1
        seats += row.seats
        to_move += row.to_move
    return PortfolioSummary(list(counts.items()), seats, to_move)


PROGRAMME_CSV_HEADER = (
    "member",
    "programme",
    "kind",
    "stage_or_site",
    "baseline_start",
    "baseline_end",
    "planned_start",
    "planned_end",
    "slippage_days",
    "completed_on",
    "seats",
    "deployed",
    "staff",
    "moved",
)


def programme_csv_rows(row: ProgrammeRow) -> list[tuple[Any, ...]]:
    """A programme's stages then waves, as the CSV download gives them."""
    code, member = row.programme.code, row.programme.member.code
    lines: list[tuple[Any, ...]] = [
        (
            member,
            code,
            "stage",
            s.name,
            s.baseline_start,
            s.baseline_end,
            s.planned_start,
            s.planned_end,
            s.slippage_days,
            s.completed_on,
            None,
            None,
            None,
            None,
        )
        for s in row.stages
    ]
    lines += [
        (
            member,
            code,
            "wave",
            w.wave.site,
            None,
            w.wave.baseline_date,
            None,
            w.wave.planned_date,
            w.slippage_days,
            None,
            w.wave.seats,
            w.deployed,
            w.staff,
            w.moved,
        )
        for w in row.waves
    ]
    return lines


PORTFOLIO_CSV_HEADER = (
    "member",
    "programme",
    "name",
    "template",
    "start",
    "baseline_finish",
    "planned_finish",
    "slippage_days",
    "state",
    "seats",
    "seats_to_move",
)


def portfolio_csv_rows(rows: Iterable[ProgrammeRow]) -> list[tuple[Any, ...]]:
    return [
        (
            r.programme.member.code,
            r.programme.code,
            r.programme.name,
            r.programme.template_name,
            r.programme.start,
            r.baseline_finish,
            r.planned_finish,
            r.slippage_days,
            r.state.value,
            r.seats,
            r.to_move,
        )
        for r in rows
    ]


STAGE_FIELDS = (
    "id",
    "key",
    "name",
    "duration_days",
    "depends_on",
    "checklist",
    "checklist_done",
    "is_waves",
    "not_before",
    "baseline_start",
    "baseline_end",
    "planned_start",
    "planned_end",
    "slippage_days",
    "completed_on",
)


def stage_json(stage: ProgrammeStage) -> dict[str, Any]:
    """A stage as the API and `flexhub rollout --json` write it (dates in ISO 8601)."""
    values = {name: getattr(stage, name) for name in STAGE_FIELDS}
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def wave_json(row: WaveRow) -> dict[str, Any]:
    wave = row.wave
    return {
        "id": wave.pk,
        "programme": wave.programme.code,
        "number": wave.number,
        "site": wave.site,
        "seats": wave.seats,
        "baseline_date": wave.baseline_date.isoformat(),
        "planned_date": wave.planned_date.isoformat(),
        "deployed": row.deployed,
        "staff": row.staff,
        "moved": row.moved,
        "complete": row.complete,
        "seat_request": wave.seat_request_id,
    }


def programme_json(row: ProgrammeRow) -> dict[str, Any]:
    programme = row.programme
    return {
        "id": programme.pk,
        "member": programme.member.code,
        "framework": programme.framework.code,
        "code": programme.code,
        "name": programme.name,
        "template_name": programme.template_name,
        "start": programme.start.isoformat(),
        "contract": programme.contract.ref if programme.contract_id and programme.contract else None,
        "service": programme.service.code if programme.service_id and programme.service else None,
        "state": row.state.value,
        "seats": row.seats,
        "seats_to_move": row.to_move,
        "baseline_finish": row.baseline_finish.isoformat() if row.baseline_finish else None,
        "planned_finish": row.planned_finish.isoformat() if row.planned_finish else None,
        "slippage_days": row.slippage_days,
        "stages": [stage_json(s) for s in row.stages],
        "waves": [wave_json(w) for w in row.waves],
    }
