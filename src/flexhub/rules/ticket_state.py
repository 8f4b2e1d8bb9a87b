"""A ticket's state as its events leave it: status, tower, first response, resolution."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TicketState:
    status: str
    tower: str | None
    opened_at: dt.datetime
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None


def ticket_state(events: Sequence[tuple[dt.datetime, str, str | None]], initial_tower: str | None) -> TicketState:
    """Fold `(at, type, tower)` events, in time order and starting with `opened`, into a state."""
    status = "open"
    tower = initial_tower
    responded_at = resolved_at = None
    for at, kind, event_tower in events:
        if kind == "responded" and responded_at is None:
            responded_at = at
        elif kind == "awaiting_customer":
            status = "awaiting_customer"
        elif kind == "resumed":
            status = "open"
        elif kind == "reassigned":
            tower = event_tower
        elif kind == "resolved":
            status = "resolved"
            resolved_at = at
        elif kind == "reopened":
            status = "open"
            resolved_at = None
    return TicketState(status, tower, events[0][0], responded_at, resolved_at)
