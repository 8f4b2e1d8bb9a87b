"""A ticket's lifecycle, decided once: its status, tower, response and resolution from its events.

Every reader of a ticket's events (the stored state, the SLA clocks, the month's report, the
scorecards, the scenario loader) asks these functions, so "closed" or "reopened" cannot mean one
thing to the queue and another to the credits.

Events are tuples whose first two items are `(at, type)`, in time order, the first `opened`:
  responded, awaiting_customer, resumed, reassigned (with a tower), resolved, reopened, closed.
- A ticket is *resolved* at its last `resolved` not followed by `reopened`; `closed` (the member
  confirming the fix) ends its life but changes neither the resolution nor any breach.
- The response clock stops at the first `responded`, or at the first `resolved` if that comes
  first: a ticket resolved without a response was answered by its resolution.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flexhub.rules.validation import Problem

EVENT_TYPES = ("opened", "responded", "awaiting_customer", "resumed", "reassigned", "resolved", "reopened", "closed")
OPEN = "open"
AWAITING_CUSTOMER = "awaiting_customer"
RESOLVED = "resolved"
CLOSED = "closed"


@dataclass(frozen=True)
class TicketState:
    status: str
    tower: str | None
    opened_at: dt.datetime
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None


def response_end(events: Sequence[tuple[Any, ...]]) -> dt.datetime | None:
    """When the response clock stopped: the first response, or the first resolution before any."""
    for event in events:
        if event[1] in ("responded", "resolved"):
            at: dt.datetime = event[0]
            return at
    return None


def resolution_end(events: Sequence[tuple[Any, ...]]) -> dt.datetime | None:
    """When the ticket was resolved, if it still is (a later `reopened` undoes it, `closed` does not)."""
    resolved_at: dt.datetime | None = None
    for event in events:
        if event[1] == "resolved":
            resolved_at = event[0]
        elif event[1] == "reopened":
            resolved_at = None
    return resolved_at


def ticket_state(events: Sequence[tuple[dt.datetime, str, str | None]], initial_tower: str | None) -> TicketState:
    """Fold `(at, type, tower)` events, in time order and starting with `opened`, into a state."""
    status = OPEN
    tower = initial_tower
    responded_at = closed_at = None
    for at, kind, event_tower in events:
        if kind == "responded" and responded_at is None:
            responded_at = at
        elif kind == "awaiting_customer":
            status = AWAITING_CUSTOMER
        elif kind in ("resumed", "reopened"):
            status = OPEN
        elif kind == "reassigned":
            tower = event_tower
        elif kind == "resolved":
            status = RESOLVED
        elif kind == "closed":
            status = CLOSED
            closed_at = at
    return TicketState(status, tower, events[0][0], responded_at, resolution_end(events), closed_at)


def event_order_problems(events: Sequence[tuple[dt.datetime | None, str | None]]) -> list[Problem]:
    """A history that can have happened: `opened` first and once, in time order, nothing after
    `closed`, after `resolved` only `reopened` or `closed`, and those only after `resolved`.
    Items may be None where the caller could not read them; they are skipped."""
    problems: list[Problem] = []
    if not events:
        return [Problem("", "a ticket needs at least its `opened` event")]
    resolved = closed = False
    previous: dt.datetime | None = None
    for j, (at, kind) in enumerate(events):
        if j == 0 and kind and kind != "opened":
            problems.append(Problem(f"[{j}].type", f"the first event must be `opened`, not `{kind}`"))
        if j > 0 and kind == "opened":
            problems.append(Problem(f"[{j}].type", "a ticket is `opened` only once, as its first event"))
        if closed and kind:
            problems.append(Problem(f"[{j}].type", f"`{kind}` after the ticket was closed"))
        elif resolved and kind and kind not in ("reopened", "closed"):
            problems.append(Problem(f"[{j}].type", f"`{kind}` after the ticket was resolved"))
        elif not resolved and kind in ("reopened", "closed"):
            problems.append(Problem(f"[{j}].type", f"`{kind}` before the ticket was resolved"))
        if at is not None and previous is not None and at < previous:
            problems.append(
                Problem(f"[{j}].at", f"{at.isoformat()} is before the previous event ({previous.isoformat()})")
            )
        if at is not None:
            previous = at
        if kind == "resolved":
            resolved = True
        elif kind == "reopened":
            resolved = False
        elif kind == "closed":
            closed = True
    return problems
