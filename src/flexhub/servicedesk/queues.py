"""Ticket lists as users see them: queues sorted by time to breach, with filters."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet

from flexhub.core.compiled import ScopedList
from flexhub.core.errors import RuleError
from flexhub.core.models import Organisation
from flexhub.core.prepared import literal_sql, prepared_cursor
from flexhub.core.roles import Role
from flexhub.frameworks.models import Framework, Tower
from flexhub.servicedesk.models import DESK_ROLES, OPEN_STATES, Ticket, TicketStatus


@dataclass(frozen=True)
class QueueChoices:
    """What a user can narrow its queue to, as (code, label) lists: the members of the
    frameworks it sees, and the towers it sees (an agent: its supplier's); and those towers'
    ids, which the queue itself reads by."""

    members: list[tuple[str, str]]
    towers: list[tuple[str, str]]
    tower_ids: list[int]


# What every load of a queue reads of the user's reach, compiled once per role (core.compiled).
VISIBLE_FRAMEWORKS = ScopedList(lambda user: Framework.objects.visible_to(user).order_by("pk"))
VISIBLE_TOWERS = ScopedList(lambda user: Tower.objects.visible_to(user).order_by("code", "name"))


def queue_filter_choices(user: Any) -> QueueChoices:
    """The filter lists of `user`'s queue. Five hundred members are offered on every load of an
    agent's queue, so they are read as plain rows, not through the ORM."""
    frameworks = [framework.pk for framework in VISIBLE_FRAMEWORKS.all(user)]
    members: list[tuple[str, str]] = []
    if frameworks:
        participants = Framework.participants.through._meta.db_table
        sql = (
            f"SELECT DISTINCT o.code, o.name FROM {Organisation._meta.db_table} o "  # noqa: S608 (fixed names; values are params)
            f"JOIN {participants} p ON p.organisation_id = o.id "
            f"WHERE o.is_member AND p.framework_id IN ({', '.join(['%s'] * len(frameworks))}) ORDER BY o.name"
        )
        alias = Organisation.objects.db
        with prepared_cursor(alias) as cursor:
            cursor.execute(*literal_sql(alias, sql, frameworks))
            members = [(code, f"{name} ({code})") for code, name in cursor.fetchall()]
    names: dict[str, list[str]] = {}
    ids = []
    for tower in VISIBLE_TOWERS.all(user):
        ids.append(tower.pk)
        if tower.name not in names.setdefault(tower.code, []):
            names[tower.code].append(tower.name)
    towers = [(code, f"{' / '.join(labels)} ({code})") for code, labels in names.items()]
    return QueueChoices(members=members, towers=towers, tower_ids=ids)


QUEUE_PAGE_SIZE = 50
# What a queue row shows, on the page and in the API's list (QueueRow's fields, in order):
# nothing else is read. Table aliases: t the ticket, f its framework, m its member, w its tower.
QUEUE_TIMES = (
    "opened_at",
    "responded_at",
    "resolved_at",
    "respond_due_at",
    "resolve_due_at",
    "next_due_at",
    "response_breached_at",
    "resolution_breached_at",
)
# The same, as the ORM names them (for reading one ticket as a row).
QUEUE_ROW_FIELDS = (
    "pk",
    "ref",
    "framework__code",
    "member__code",
    "kind",
    "priority",
    "title",
    "status",
    "current_tower__code",
    *QUEUE_TIMES,
)
_ROW_COLUMNS = ", ".join(
    [
        "t.id",
        "t.ref",
        "f.code",
        "m.code",
        "t.kind",
        "t.priority",
        "t.title",
        "t.status",
        "w.code",
        *(f"t.{name}" for name in QUEUE_TIMES),
    ]
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


# A run: the keys of one tower and state (or of a member's states), dated or not, in queue order
# after a key. Written around the scoped, filtered tickets as a derived table, which both
# databases fold into the outer query, so each run is read through ticket_queue_order; the SQL
# is assembled in the few microseconds a string takes, not the ORM's third of a millisecond.
_RUN_SQL = (
    "SELECT * FROM (SELECT id, next_due_at, opened_at FROM ({base}) AS scoped{n} "
    "WHERE {where} ORDER BY {order} LIMIT %s) AS run{n}"
)
_DATED_AFTER = "(next_due_at > %s OR (next_due_at = %s AND (opened_at > %s OR (opened_at = %s AND id > %s))))"
_OPENED_AFTER = "(opened_at > %s OR (opened_at = %s AND id > %s))"


def _run_conditions(key: QueueKey | None, dated: bool, adapt: Any) -> tuple[str, list[Any]] | None:
    """The SQL and params for the rows after `key` among those with a due time (dated) or
    without; None: there are none (the key is past all of them)."""
    due = "next_due_at IS NOT NULL" if dated else "next_due_at IS NULL"
    if key is None:
        return due, []
    opened = adapt(key.opened_at)
    if key.next_due_at is None:
        return None if dated else (f"{due} AND {_OPENED_AFTER}", [opened, opened, key.pk])
    if not dated:
        return due, []  # tickets without a due time come after every dated one
    next_due = adapt(key.next_due_at)
    return f"{due} AND {_DATED_AFTER}", [next_due, next_due, opened, opened, key.pk]


def _aware(value: Any) -> dt.datetime | None:
    """A stored time as an aware datetime: PostgreSQL gives one; SQLite a naive one (or its
    text, in an expression it cannot type), in UTC."""
    if value is None:
        return None
    instant = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=dt.UTC)


def _page_rows(
    tickets: QuerySet[Ticket], slots: list[tuple[str, list[Any]]], after: QueueKey | None, limit: int
) -> list[QueueRow]:
    """The first `limit` rows after `after`, in one statement: each slot (a tower and state)
    read as two runs in index order, each cut at `limit`, merged, cut again, and only then
    joined to the framework, member and tower whose codes a row shows."""
    try:
        # No ORDER BY inside (the model's own): PostgreSQL would sort the whole tower first.
        base, base_params = (
            tickets.order_by().values_list("id", "current_tower_id", "status", "next_due_at", "opened_at")
        ).query.sql_with_params()
    except EmptyResultSet:
        return []
    connection = connections[tickets.db]
    adapt = connection.ops.adapt_datetimefield_value
    parts: list[str] = []
    params: list[Any] = []
    for slot_sql, slot_params in slots:
        for dated in (True, False):
            condition = _run_conditions(after, dated, adapt)
            if condition is None:
                continue
            order = "next_due_at, opened_at, id" if dated else "opened_at, id"
            run = _RUN_SQL.format(base=base, n=len(parts), where=f"{slot_sql} AND {condition[0]}", order=order)
            parts.append(run)
            params += [*base_params, *slot_params, *condition[1], limit]
    if not parts:
        return []
    order = "CASE WHEN {0}.next_due_at IS NULL THEN 1 ELSE 0 END, {0}.next_due_at, {0}.opened_at, {0}.id"
    sql = (
        f"SELECT {_ROW_COLUMNS} FROM ("  # noqa: S608 (the ORM's SQL and fixed names; values are params)
        f"SELECT id FROM ({' UNION ALL '.join(parts)}) AS queue ORDER BY {order.format('queue')} LIMIT %s"
        f") AS page JOIN {Ticket._meta.db_table} t ON t.id = page.id "
        f"JOIN {Framework._meta.db_table} f ON f.id = t.framework_id "
        f"JOIN {Organisation._meta.db_table} m ON m.id = t.member_id "
        f"LEFT JOIN {Tower._meta.db_table} w ON w.id = t.current_tower_id "
        f"ORDER BY {order.format('t')}"
    )
    params.append(limit)
    if after is None:  # the first page, asked for again and again: planned once (core.prepared)
        with prepared_cursor(tickets.db) as cursor:
            cursor.execute(*literal_sql(tickets.db, sql, params))
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    return [QueueRow(*row[:9], *map(_aware, row[9:])) for row in rows]


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
    user: Any,
    filters: dict[str, Any],
    *,
    after: QueueKey | None = None,
    size: int = QUEUE_PAGE_SIZE,
    tower_ids: list[int] | None = None,
) -> QueuePage:
    """One page of a queue, after the key of the last row of the page before (keyset paging).

    For the service desk, whose towers may hold tens of thousands of open tickets, the keys are
    read tower by tower and state by state, each run in the order of the index on (tower, state,
    next due, opened, id) and stopped at the page size, then merged: the cost follows the page,
    not the queue or its history. Members' lists are read through their own index. No count of
    the whole queue: a "next" key says whether there is more. Rows are plain values, only the
    columns a queue shows. `tower_ids`: the towers `user` sees, when already read (the page
    reads them for its filter)."""
    tickets, states = _filtered(user, filters)
    limit = size + 1
    slots: list[tuple[str, list[Any]]]
    if user.role in DESK_ROLES:
        towers = [tower.pk for tower in VISIBLE_TOWERS.all(user)] if tower_ids is None else tower_ids
        slots = [("current_tower_id = %s AND status = %s", [tower, state]) for tower in towers for state in states]
        if user.role != Role.AGENT:  # an agent's tickets are always in one of its towers
            slots += [("current_tower_id IS NULL AND status = %s", [state]) for state in states]
    else:
        slots = [(f"status IN ({', '.join(['%s'] * len(states))})", list(states))]
    rows = _page_rows(tickets, slots, after, limit)
    if len(rows) <= size:
        return QueuePage(rows=rows, next_key=None)
    last = rows[size - 1]
    return QueuePage(rows=rows[:size], next_key=QueueKey(last.next_due_at, last.opened_at, last.pk))
