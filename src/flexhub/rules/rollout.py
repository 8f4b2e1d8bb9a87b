"""The scheduling arithmetic of rollout programmes (issue 12): stage dates from durations and
dependencies, slippage against the baseline, waves spread over their stage, a programme's state.

A stage runs from its start to its end, both days included, and lasts `duration_days` (at least
one); a stage that depends on others starts the day after the last of them ends, and never before
the programme starts or before its own `not_before` date (a re-plan). Pure functions of dates and
small dataclasses, so the same rules serve a new programme, a re-plan and the portfolio.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

MAX_DURATION_DAYS = 3650  # ten years: a stage longer than the longest framework is a typing error


class ScheduleError(ValueError):
    """A set of stages that cannot be scheduled: a cycle, an unknown dependency, a bad duration."""


@dataclass(frozen=True)
class StagePlan:
    """A stage as the scheduler needs it: its key, how long it lasts, what it waits for."""

    key: str
    duration_days: int
    depends_on: tuple[str, ...] = ()
    not_before: dt.date | None = None


@dataclass(frozen=True)
class StageDates:
    start: dt.date
    end: dt.date  # the last day of the stage, included


def check_stages(stages: Sequence[StagePlan]) -> list[str]:
    """The stages' keys in an order where each comes after everything it depends on.

    Raises ScheduleError naming the fault: a repeated key, a duration out of range, a dependency
    on a stage that does not exist or on itself, or stages that depend on each other in a cycle
    (named in the order they wait for each other)."""
    by_key: dict[str, StagePlan] = {}
    for stage in stages:
        if not stage.key:
            raise ScheduleError("a stage needs a key")
        if stage.key in by_key:
            raise ScheduleError(f"stage {stage.key!r} appears twice")
        if not 1 <= stage.duration_days <= MAX_DURATION_DAYS:
            raise ScheduleError(
                f"stage {stage.key!r}: a duration must be from 1 to {MAX_DURATION_DAYS} days, not {stage.duration_days}"
            )
        by_key[stage.key] = stage
    for stage in stages:
        for dependency in stage.depends_on:
            if dependency == stage.key:
                raise ScheduleError(f"stage {stage.key!r} cannot depend on itself")
            if dependency not in by_key:
                raise ScheduleError(f"stage {stage.key!r} depends on {dependency!r}, which is not a stage")
    order: list[str] = []
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            cycle = [*path[path.index(key) :], key]
            raise ScheduleError("stages depend on each other in a cycle: " + " -> ".join(cycle))
        state[key] = 1
        for dependency in by_key[key].depends_on:
            visit(dependency, [*path, key])
        state[key] = 2
        order.append(key)

    for stage in stages:
        visit(stage.key, [])
    return order


def schedule(stages: Sequence[StagePlan], start: dt.date) -> dict[str, StageDates]:
    """Each stage's dates: it starts on the programme's start, the day after the last of its
    dependencies ends, or its `not_before` date, whichever is latest, and lasts its duration."""
    by_key = {stage.key: stage for stage in stages}
    dates: dict[str, StageDates] = {}
    for key in check_stages(stages):
        stage = by_key[key]
        begins = max(
            [start, *(dates[d].end + dt.timedelta(days=1) for d in stage.depends_on)]
            + ([stage.not_before] if stage.not_before else [])
        )
        dates[key] = StageDates(begins, begins + dt.timedelta(days=stage.duration_days - 1))
    return dates


def slippage_days(baseline_end: dt.date, planned_end: dt.date) -> int:
    """Days the planned end lies after the baseline's (negative when ahead of it)."""
    return (planned_end - baseline_end).days


def spread_waves(start: dt.date, end: dt.date, count: int) -> list[dt.date]:
    """The planned dates of `count` waves spread evenly over a stage, the last on its end day."""
    if count < 1:
        return []
    span = (end - start).days
    if count == 1:
        return [end]
    return [start + dt.timedelta(days=round(span * (i + 1) / count)) for i in range(count)]


class ProgrammeState(StrEnum):
    NOT_STARTED = "not-started"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    LATE = "late"
    DONE = "done"

    @property
    def label(self) -> str:
        return {
            "not-started": "Not started",
            "on-track": "On track",
            "at-risk": "At risk",
            "late": "Late",
            "done": "Done",
        }[self.value]


@dataclass(frozen=True)
class StageProgress:
    """A stage as the state needs it: its planned and baseline ends, and whether it is complete."""

    planned_start: dt.date
    planned_end: dt.date
    baseline_end: dt.date
    complete: bool


@dataclass(frozen=True)
class WaveProgress:
    planned_date: dt.date
    seats: int
    moved: int  # measured, never typed in

    @property
    def to_move(self) -> int:
        return max(self.seats - self.moved, 0)

    @property
    def complete(self) -> bool:
        return self.moved >= self.seats


def programme_state(
    *, today: dt.date, stages: Iterable[StageProgress], waves: Iterable[WaveProgress] = ()
) -> ProgrammeState:
    """Done when every stage is complete and every wave has its seats; not started before the
    first stage's start with nothing complete; late when a stage or wave is past its planned end
    and not complete; at risk when the planned finish has slipped past the baseline's; on track
    otherwise."""
    stage_list = list(stages)
    wave_list = list(waves)
    if not stage_list:
        return ProgrammeState.NOT_STARTED
    if all(s.complete for s in stage_list) and all(w.complete for w in wave_list):
        return ProgrammeState.DONE
    if today < min(s.planned_start for s in stage_list) and not any(s.complete for s in stage_list):
        return ProgrammeState.NOT_STARTED
    if any(not s.complete and s.planned_end < today for s in stage_list) or any(
        not w.complete and w.planned_date < today for w in wave_list
    ):
        return ProgrammeState.LATE
    planned_finish = max(s.planned_end for s in stage_list)
    baseline_finish = max(s.baseline_end for s in stage_list)
    if planned_finish > baseline_finish:
        return ProgrammeState.AT_RISK
    return ProgrammeState.ON_TRACK


def seats_to_move(waves: Iterable[WaveProgress]) -> int:
    """Seats the waves still have to move to the framework."""
    return sum(w.to_move for w in waves)


def measured_moved(deployed_at_site: int, staff_at_site: int, seats: int) -> int:
    """Seats a wave has moved: the assets deployed at its site, capped by the wave's seats and,
    where the directory knows the site, by the people there (a device for nobody is not a seat)."""
    moved = min(deployed_at_site, seats)
    return min(moved, staff_at_site) if staff_at_site else moved
