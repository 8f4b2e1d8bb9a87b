"""The ticket lifecycle rules: status, resolution and the end of the response clock."""

from __future__ import annotations

import datetime as dt

import pytest

from flexhub.rules.ticket_state import resolution_end, response_end, ticket_state

T0 = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def history(*steps: tuple[int, str]) -> list[tuple[dt.datetime, str, str | None]]:
    return [(at(m), kind, "NET" if kind == "reassigned" else None) for m, kind in ((0, "opened"), *steps)]


@pytest.mark.parametrize(
    ("steps", "status", "resolved", "closed"),
    [
        ((), "open", None, None),
        (((5, "responded"), (9, "awaiting_customer")), "awaiting_customer", None, None),
        (((5, "awaiting_customer"), (9, "resumed")), "open", None, None),
        (((5, "resolved"),), "resolved", 5, None),
        (((5, "resolved"), (9, "closed")), "closed", 5, 9),
        (((5, "resolved"), (9, "reopened")), "open", None, None),
        (((5, "resolved"), (9, "reopened"), (20, "resolved"), (30, "closed")), "closed", 20, 30),
    ],
)
def test_status_resolution_and_closure(steps, status, resolved, closed):
    state = ticket_state(history(*steps), "EUC")
    assert state.status == status
    assert state.resolved_at == (at(resolved) if resolved is not None else None)
    assert state.closed_at == (at(closed) if closed is not None else None)
    assert resolution_end(history(*steps)) == state.resolved_at


def test_reassignment_moves_the_tower():
    assert ticket_state(history((5, "reassigned")), "EUC").tower == "NET"
    assert ticket_state(history(), "EUC").tower == "EUC"


@pytest.mark.parametrize(
    ("steps", "end"),
    [
        ((), None),
        (((7, "responded"), (30, "resolved")), 7),
        (((30, "resolved"),), 30),  # resolved without a response: answered by the resolution
        (((30, "resolved"), (40, "reopened"), (50, "responded")), 30),
        (((3, "awaiting_customer"), (8, "responded")), 8),
    ],
)
def test_the_response_clock_stops_at_the_first_response_or_resolution(steps, end):
    assert response_end(history(*steps)) == (at(end) if end is not None else None)
    state = ticket_state(history(*steps), None)
    # the stored first response is only ever an actual response
    responded = [m for m, kind in steps if kind == "responded"]
    assert state.responded_at == (at(responded[0]) if responded else None)
