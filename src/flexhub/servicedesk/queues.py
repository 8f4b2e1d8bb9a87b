"""Ticket lists as users see them: queues sorted by time to breach, with filters."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet

from flexhub.core.errors import RuleError
from flexhub.core.models import Organisation
from flexhub.frameworks.models import Framework, Tower
from flexhub.servicedesk.models import DESK_ROLES, OPEN_STATES, Ticket, TicketStatus


def queue_filter_choices(user: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The members and towers a user can narrow its queue to, as (code, label) lists: the
    members of the frameworks it sees, and the towers it sees (an agent: its supplier's)."""
    frameworks = Framework.objects.visible_to(user)
    members = (
        Organisation.objects.filter(is_member=True, frameworks__in=frameworks)
        .distinct()
        .order_by("name")
        .values_list("code", "name")
    )
    names: dict[str, list[str]] = {}
    for code, name in Tower.objects.visible_to(user).order_by("code", "name").values_list("code", "name"):
        if name not in names.setdefault(code, []):
            names[code].append(name)
    towers = [(code, f"{' / '.join(labels)} ({code})") for code, labels in names.items()]
    return [(code, f"{name} ({code})") for code, name in members], towers


QUEUE_PAGE_SIZE = 50
# What a queue row shows, on the page and in the API's list: nothing else is read.
QUEUE_COLUMNS = (
    "ref",
    "framework__code",
    "member__code",
    "kind",
    "priority",
    "title",
    "status",
    "current_tower__code",
    "opened_at",
    "responded_at",
    "resolved_at",
    "respond_due_at",
    "resolve_due_at",
    "next_due_at",
    "response_breached_at",
    "resolution_breached_at",
)


def _filtered(user: Any, filters: dict[str, Any]) -> tuple[QuerySet[Ticket], list[str]]:
    """The tickets `user` may see, narrowed by the filters other than the state; and the states."""
    tickets = Ticket.objects.visible_to(user)
    state = filters.get("state") or ""
    states = list(TicketStatus.values) if state == "all" else [state] if state else list(OPEN_STATES)
    if filters.get("member"):
        tickets = tickets.filter(member__code=filters["member"].strip().upper())
    if filters.get("priority"):
        tickets = tickets.filter(priority=filters["priority"])
    if filters.get("tower"):
        tickets = tickets.filter(current_tower__code=filters["tower"].strip().upper())
    breached = Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)
    if filters.get("breached") == "yes":
        tickets = tickets.filter(breached)
    elif filters.get("breached") == "no":
        tickets = tickets.exclude(breached)
    return tickets, states


@dataclass(frozen=True)
class QueueKey:
    """Where a ticket sits in a queue: by next due time (none last), then opened, then id."""

    next_due_at: dt.datetime | None
    opened_at: dt.datetime
    pk: int

    def order(self) -> tuple[bool, dt.datetime, dt.datetime, int]:
        return (self.next_due_at is None, self.next_due_at or self.opened_at, self.opened_at, self.pk)

    def token(self) -> str:
        """The key as an opaque token for a "next page" link."""
        due = self.next_due_at.isoformat() if self.next_due_at else ""
        text = f"{due}|{self.opened_at.isoformat()}|{self.pk}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> QueueKey:
        """The key a token holds; a RuleError for anything else (an edited or truncated link)."""
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            due, opened, pk = text.split("|")
            key = cls(dt.datetime.fromisoformat(due) if due else None, dt.datetime.fromisoformat(opened), int(pk))
        except (ValueError, UnicodeDecodeError) as exc:
            raise RuleError("the page link is broken or out of date: start again from the first page") from exc
        if key.opened_at.tzinfo is None or (key.next_due_at is not None and key.next_due_at.tzinfo is None):
            raise RuleError("the page link is broken or out of date: start again from the first page")
        return key


def _after(key: QueueKey | None, dated: bool) -> Q | None:
    """The rows after `key` among those with a due time (dated) or without; None: none of them."""
    if key is None:
        return Q()
    opened_later = Q(opened_at__gt=key.opened_at) | Q(opened_at=key.opened_at, pk__gt=key.pk)
    if key.next_due_at is None:
        return None if dated else opened_later
    if not dated:
        return Q()  # tickets without a due time come after every dated one
    return Q(next_due_at__gt=key.next_due_at) | Q(next_due_at=key.next_due_at) & opened_later


def _runs(tickets: QuerySet[Ticket], after: QueueKey | None, limit: int) -> list[QuerySet[Any]]:
    """The first `limit` keys after `after`, in index order, as two runs: dated, then not."""
    runs = []
    for dated in (True, False):
        condition = _after(after, dated)
        if condition is None:
            continue
        run = tickets.filter(condition, next_due_at__isnull=not dated)
        run = run.order_by("next_due_at", "opened_at", "pk") if dated else run.order_by("opened_at", "pk")
        runs.append(run.values_list("pk", "next_due_at", "opened_at")[:limit])
    return runs


def _first_pks(runs: list[QuerySet[Any]], limit: int) -> list[int]:
    """Merge the runs (each already in queue order and cut at `limit`) in one statement."""
    parts: list[str] = []
    params: list[Any] = []
    for number, run in enumerate(runs):
        try:
            sql, run_params = run.query.sql_with_params()
        except EmptyResultSet:
            continue
        parts.append(f"SELECT * FROM ({sql}) AS run{number}")  # noqa: S608 (the ORM's SQL; values are params)
        params.extend(run_params)
    if not parts:
        return []
    sql = (
        f"SELECT pk FROM ({' UNION ALL '.join(parts)}) AS queue "  # noqa: S608 (as above)
        "ORDER BY CASE WHEN next_due_at IS NULL THEN 1 ELSE 0 END, next_due_at, opened_at, pk LIMIT %s"
    )
    with connections[runs[0].db].cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A queue row: what the queue shows of a ticket, read as values."""

    pk: int
    ref: str
    framework_code: str
    member_code: str
    kind: str
    priority: str
    title: str
    status: str
    tower_code: str | None
    opened_at: dt.datetime
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    respond_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    next_due_at: dt.datetime | None
    response_breached_at: dt.datetime | None
    resolution_breached_at: dt.datetime | None

    @property
    def status_label(self) -> str:
        return str(TicketStatus(self.status).label)


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_key: QueueKey | None


def queue_page(
    user: Any, filters: dict[str, Any], *, after: QueueKey | None = None, size: int = QUEUE_PAGE_SIZE
) -> QueuePage:
    """One page of a queue, after the key of the last row of the page before (keyset paging).

    For the service desk, whose towers may hold tens of thousands of open tickets, the keys are
    read tower by tower and state by state, each run in the order of the index on (tower, state,
    next due, opened, id) and stopped at the page size, then merged: the cost follows the page,
    not the queue or its history. Members' lists are read through their own index. No count of
    the whole queue: a "next" key says whether there is more. Rows are plain values, only the
    columns a queue shows."""
    tickets, states = _filtered(user, filters)
    limit = size + 1
    if user.role in DESK_ROLES:
        towers: list[int | None] = [*Tower.objects.visible_to(user).values_list("pk", flat=True), None]
        parts = [tickets.filter(current_tower=tower, status=state) for tower in towers for state in states]
    else:
        parts = [tickets.filter(status__in=states)]
    pks = _first_pks([run for part in parts for run in _runs(part, after, limit)], limit)
    shown = pks[:size]
    values = Ticket.objects.filter(pk__in=shown).values_list("pk", *QUEUE_COLUMNS)
    by_pk = {row[0]: QueueRow(*row) for row in values}
    rows = [by_pk[pk] for pk in shown if pk in by_pk]
    last = rows[-1] if rows else None
    more = len(pks) > size and last is not None
    return QueuePage(rows=rows, next_key=QueueKey(last.next_due_at, last.opened_at, last.pk) if more and last else None)
