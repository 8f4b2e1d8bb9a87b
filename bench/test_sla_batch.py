"""The array clock agrees with the scalar clock, ticket by ticket, to the second."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from sla_batch import ArrayClock, intervals_of, measure_batch

from flexhub.rules.sla_clock import (
    ALWAYS,
    BusinessCalendar,
    Clock,
    measure_resolution,
    measure_response,
    uk_bank_holidays,
)

CAL = BusinessCalendar.of(
    "Europe/London",
    ["mon", "tue", "wed", "thu", "fri"],
    dt.time(8),
    dt.time(18),
    uk_bank_holidays("SCT", 2007, 2012),
    (2007, 2012),
)


def random_history(rng: random.Random) -> list[tuple[dt.datetime, str]]:
    at = dt.datetime(2008, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))
    events = [(at, "opened")]
    running = True
    for _ in range(rng.randrange(0, 6)):
        at += dt.timedelta(minutes=rng.randrange(1, 3000))
        choice = rng.choice(["responded", "pause", "comment", "resolve"])
        if choice == "responded":
            events.append((at, "responded"))
        elif choice == "pause":
            events.append((at, "awaiting_customer" if running else "resumed"))
            running = not running
        elif choice == "resolve":
            events.append((at, "resolved"))
            break
    return events


@pytest.mark.parametrize("kind", ["business", ALWAYS])
def test_batch_equals_scalar(kind):
    rng = random.Random(11)
    histories = [random_history(rng) for _ in range(400)]
    now = dt.datetime(2011, 6, 1, tzinfo=dt.UTC)
    scalar_clock = Clock(kind, CAL)
    index, at, types = [], [], []
    for i, history in enumerate(histories):
        for when, event in history:
            index.append(i)
            at.append(when.timestamp())
            types.append(event)
    owners, starts, ends, opened, responded = intervals_of(index, at, types, now.timestamp())
    resolved = np.array([h[-1][1] == "resolved" for h in histories])
    count = len(histories)
    result = measure_batch(
        ArrayClock.of(CAL if kind == "business" else None),
        opened,
        responded,
        owners,
        starts,
        ends,
        np.full(count, 30 * 60.0),
        np.full(count, 480 * 60.0),
        resolved,
        now.timestamp(),
    )
    for i, history in enumerate(histories):
        first_response = next((w for w, e in history if e == "responded"), None)
        response = measure_response(scalar_clock, history[0][0], first_response, 30, now)
        resolution = measure_resolution(scalar_clock, history, 480, now)
        assert (response.breach_at.timestamp() if response.breach_at else None) == (
            None if np.isnan(result.response_breach[i]) else result.response_breach[i]
        ), i
        assert (resolution.breach_at.timestamp() if resolution.breach_at else None) == (
            None if np.isnan(result.resolution_breach[i]) else result.resolution_breach[i]
        ), i
        if resolution.minutes is not None:
            assert resolution.minutes * 60 == pytest.approx(result.resolution_seconds[i], abs=0.6)  # minutes to 0.01
        if response.minutes is not None:
            assert response.minutes * 60 == pytest.approx(result.response_seconds[i], abs=0.6)
