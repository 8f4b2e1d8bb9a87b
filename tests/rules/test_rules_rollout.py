"""The rollout scheduling rules: dates from durations and dependencies, cycles refused, states."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexhub.rules.rollout import (
    ProgrammeState,
    ScheduleError,
    StagePlan,
    StageProgress,
    WaveProgress,
    check_stages,
    measured_moved,
    programme_state,
    schedule,
    seats_to_move,
    slippage_days,
    spread_waves,
)

D = dt.date
CABINET_OFFICE = [
    StagePlan("survey", 20),
    StagePlan("pilot", 30, ("survey",)),
    StagePlan("build", 40, ("survey",)),
    StagePlan("waves", 60, ("pilot", "build")),
    StagePlan("close", 10, ("waves",)),
]


def test_a_stage_starts_the_day_after_its_last_dependency_ends():
    dates = schedule(CABINET_OFFICE, D(2008, 1, 7))
    assert dates["survey"].start == D(2008, 1, 7)
    assert dates["survey"].end == D(2008, 1, 26)  # 20 days, both ends included
    assert dates["pilot"].start == dates["build"].start == D(2008, 1, 27)
    assert dates["build"].end == D(2008, 3, 6)
    assert dates["waves"].start == D(2008, 3, 7)  # after build, the later of its two dependencies
    assert dates["close"].end == D(2008, 3, 7) + dt.timedelta(days=59 + 10)


def test_a_replan_not_before_a_date_moves_the_stage_and_what_follows():
    replanned = [*CABINET_OFFICE[:3], StagePlan("waves", 60, ("pilot", "build"), D(2008, 4, 1)), CABINET_OFFICE[4]]
    dates = schedule(replanned, D(2008, 1, 7))
    assert dates["waves"].start == D(2008, 4, 1)
    baseline = schedule(CABINET_OFFICE, D(2008, 1, 7))
    assert slippage_days(baseline["close"].end, dates["close"].end) == 25


def test_a_not_before_earlier_than_the_dependencies_does_not_pull_a_stage_forward():
    replanned = [CABINET_OFFICE[0], StagePlan("pilot", 30, ("survey",), D(2008, 1, 1))]
    assert schedule(replanned, D(2008, 1, 7))["pilot"].start == D(2008, 1, 27)


def test_a_cycle_is_refused_naming_its_stages():
    stages = [StagePlan("a", 1, ("c",)), StagePlan("b", 1, ("a",)), StagePlan("c", 1, ("b",))]
    with pytest.raises(ScheduleError, match=r"cycle: a -> c -> b -> a"):
        schedule(stages, D(2020, 1, 1))


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([StagePlan("a", 1, ("a",))], "cannot depend on itself"),
        ([StagePlan("a", 1, ("x",))], "depends on 'x', which is not a stage"),
        ([StagePlan("a", 0)], "from 1 to 3650 days, not 0"),
        ([StagePlan("a", 1), StagePlan("a", 2)], "appears twice"),
        ([StagePlan("", 1)], "needs a key"),
    ],
)
def test_bad_stages_are_refused_saying_why(stages, message):
    with pytest.raises(ScheduleError, match=message):
        check_stages(stages)


@st.composite
def acyclic_stages(draw):
    """Stages where each may depend only on stages listed before it (so no cycle), then shuffled."""
    count = draw(st.integers(1, 12))
    stages = []
    for i in range(count):
        deps = draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set()
        not_before = draw(st.none() | st.dates(D(2020, 1, 1), D(2021, 12, 31)))
        stages.append(StagePlan(f"s{i}", draw(st.integers(1, 200)), tuple(f"s{d}" for d in sorted(deps)), not_before))
    return draw(st.permutations(stages))


@given(acyclic_stages(), st.dates(D(2020, 1, 1), D(2030, 1, 1)))
def test_no_stage_starts_before_its_dependencies_end_or_the_programme_starts(stages, start):
    dates = schedule(stages, start)
    assert set(dates) == {s.key for s in stages}
    for stage in stages:
        mine = dates[stage.key]
        assert mine.start >= start
        assert (mine.end - mine.start).days + 1 == stage.duration_days
        for dependency in stage.depends_on:
            assert mine.start > dates[dependency].end
        if stage.not_before:
            assert mine.start >= stage.not_before


@given(acyclic_stages(), st.dates(D(2020, 1, 1), D(2030, 1, 1)), st.integers(0, 11), st.integers(1, 100))
def test_lengthening_a_stage_never_brings_any_stage_forward(stages, start, which, extra):
    stages = list(stages)
    index = which % len(stages)
    longer = list(stages)
    longer[index] = StagePlan(
        stages[index].key, stages[index].duration_days + extra, stages[index].depends_on, stages[index].not_before
    )
    before, after = schedule(stages, start), schedule(longer, start)
    assert all(after[k].start >= before[k].start and after[k].end >= before[k].end for k in before)


@given(st.lists(st.integers(1, 10), min_size=2, max_size=8))
def test_any_cycle_is_refused(durations):
    keys = [f"k{i}" for i in range(len(durations))]
    stages = [StagePlan(k, d, (keys[i - 1],)) for i, (k, d) in enumerate(zip(keys, durations, strict=True))]
    with pytest.raises(ScheduleError, match="cycle"):
        schedule(stages, D(2020, 1, 1))


def test_waves_spread_over_their_stage_and_the_last_ends_it():
    assert spread_waves(D(2008, 3, 1), D(2008, 3, 31), 3) == [D(2008, 3, 11), D(2008, 3, 21), D(2008, 3, 31)]
    assert spread_waves(D(2008, 3, 1), D(2008, 3, 31), 1) == [D(2008, 3, 31)]
    assert spread_waves(D(2008, 3, 1), D(2008, 3, 31), 0) == []


@given(st.dates(D(2020, 1, 1), D(2030, 1, 1)), st.integers(0, 400), st.integers(1, 30))
def test_waves_stay_inside_their_stage_in_order(start, span, count):
    end = start + dt.timedelta(days=span)
    dates = spread_waves(start, end, count)
    assert len(dates) == count
    assert all(start <= d <= end for d in dates)
    assert dates == sorted(dates) and dates[-1] == end


def stage(start, end, baseline_end, complete=False):
    return StageProgress(start, end, baseline_end, complete)


@pytest.mark.parametrize(
    ("today", "stages", "waves", "state"),
    [
        (D(2020, 1, 1), [stage(D(2020, 2, 1), D(2020, 3, 1), D(2020, 3, 1))], [], ProgrammeState.NOT_STARTED),
        (D(2020, 2, 10), [stage(D(2020, 2, 1), D(2020, 3, 1), D(2020, 3, 1))], [], ProgrammeState.ON_TRACK),
        (D(2020, 2, 10), [stage(D(2020, 2, 1), D(2020, 3, 9), D(2020, 3, 1))], [], ProgrammeState.AT_RISK),
        (D(2020, 3, 2), [stage(D(2020, 2, 1), D(2020, 3, 1), D(2020, 3, 1))], [], ProgrammeState.LATE),
        (D(2020, 3, 2), [stage(D(2020, 2, 1), D(2020, 3, 1), D(2020, 3, 1), True)], [], ProgrammeState.DONE),
        (
            D(2020, 3, 2),
            [stage(D(2020, 2, 1), D(2020, 3, 1), D(2020, 3, 1), True)],
            [WaveProgress(D(2020, 2, 20), 10, 9)],
            ProgrammeState.LATE,
        ),
        (
            D(2020, 2, 10),
            [stage(D(2020, 2, 1), D(2020, 3, 1), D(2020, 3, 1))],
            [WaveProgress(D(2020, 2, 20), 10, 3)],
            ProgrammeState.ON_TRACK,
        ),
        (D(2020, 1, 1), [], [], ProgrammeState.NOT_STARTED),
    ],
)
def test_programme_state(today, stages, waves, state):
    assert programme_state(today=today, stages=stages, waves=waves) is state


def test_seats_to_move_counts_only_what_is_short():
    waves = [WaveProgress(D(2020, 1, 1), 10, 4), WaveProgress(D(2020, 1, 1), 5, 9)]
    assert seats_to_move(waves) == 6


@pytest.mark.parametrize(
    ("deployed", "staff", "seats", "moved"), [(5, 10, 8, 5), (12, 10, 8, 8), (12, 6, 8, 6), (3, 0, 8, 3)]
)
def test_moved_is_measured_and_capped(deployed, staff, seats, moved):
    assert measured_moved(deployed, staff, seats) == moved
