"""The service desk's writes: raising tickets and every step of working them.

Each step is one event with who and when, recomputes the ticket's SLA position,
is audited, and schedules its notifications for after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from flexhub.core.audit import Actor, audit_record
from flexhub.core.compiled import CompiledLookup
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, Organisation, User
from flexhub.core.roles import Role
from flexhub.core.tenancy import is_authority_of
from flexhub.frameworks.models import Framework, Service, Tower
from flexhub.rules.ticket_state import ticket_state
from flexhub.servicedesk import notify
from flexhub.servicedesk.models import (
    OPEN_STATES,
    PRIORITIES,
    TITLE_LIMIT,
    EventType,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketStatus,
)
from flexhub.servicedesk.selectors import SlaContext, sla_context
from flexhub.servicedesk.sla_state import sla_position


def reopen_window() -> dt.timedelta:
    """How long after resolution the member may reopen (FLEXHUB_REOPEN_DAYS, default 5)."""
    return dt.timedelta(days=int(getattr(settings, "FLEXHUB_REOPEN_DAYS", 5)))


def works_on(user: User | None, ticket: Ticket) -> bool:
    """Service-desk staff for this ticket: an agent of the tower's supplier, the integrator,
    or the framework's authority."""
    if user is None:
        return True  # the CLI and the system
    framework = ticket.framework
    if user.role == Role.AGENT:
        return ticket.current_tower is not None and ticket.current_tower.supplier_id == user.organisation_id
    if user.role == Role.INTEGRATOR:
        return framework.integrator_id == user.organisation_id
    if user.role == Role.AUTHORITY_ADMIN:
        return is_authority_of(user, framework)
    return False


def is_customer(user: User | None, ticket: Ticket) -> bool:
    """The member side of the ticket: its raiser, or an admin of its member."""
    if user is None:
        return True
    if user.role == Role.MEMBER_ADMIN:
        return user.organisation_id == ticket.member_id
    if user.role == Role.MEMBER_USER:
        return ticket.raised_by_id == user.pk
    return False


FIRST_TOWER = CompiledLookup(lambda: Tower.objects.order_by("pk"), "framework")
PARTICIPATION = CompiledLookup[Any](
    lambda: Framework.participants.through.objects.values_list("pk"), "framework", "organisation"
)


def default_tower(framework: Framework) -> Tower | None:
    """The front-line tower new tickets go to: the framework's first (as the file lists them)."""
    return FIRST_TOWER.first(framework.pk)


def _refresh(ticket: Ticket, now: dt.datetime | None = None, context: SlaContext | None = None) -> None:
    """Bring the ticket's state and SLA position in line with its events (`context`: the
    framework's SLA policy, when the caller already has it)."""
    events = list(ticket.events.order_by("seq").values_list("at", "type", "tower__code"))
    towers = {t.code: t for t in Tower.objects.filter(framework_id=ticket.framework_id)}
    _settle(ticket, events, towers, context or sla_context(ticket.framework), now)
    ticket.save()


def _settle(
    ticket: Ticket,
    events: Sequence[tuple[dt.datetime, str, str | None]],
    towers: dict[str, Tower],
    context: SlaContext | None,
    now: dt.datetime | None,
) -> None:
    """Set the ticket's state and SLA position from its events (at, type, tower code), without
    reading or writing anything."""
    initial = ticket.initial_tower.code if ticket.initial_tower else None
    state = ticket_state(events, initial)
    ticket.status = state.status
    ticket.current_tower = towers.get(state.tower) if state.tower else None
    ticket.opened_at = state.opened_at
    ticket.responded_at = state.responded_at
    ticket.resolved_at = state.resolved_at
    ticket.closed_at = state.closed_at
    position = sla_position(context, ticket.priority, ticket.member.region, [(at, kind) for at, kind, _ in events], now)
    ticket.respond_due_at = position.respond_due_at
    ticket.resolve_due_at = position.resolve_due_at
    ticket.next_due_at = position.next_due_at
    ticket.response_breached_at = position.response_breached_at
    ticket.resolution_breached_at = position.resolution_breached_at


def _event(
    actor: Actor,
    ticket: Ticket,
    kind: str,
    *,
    note: str = "",
    internal: bool = False,
    tower: Tower | None = None,
    at: dt.datetime | None = None,
) -> TicketEvent:
    last = ticket.events.order_by("-seq").first()
    when = at or timezone.now()
    if last is not None and when < last.at:
        when = last.at
    event = TicketEvent.objects.create(
        ticket=ticket,
        seq=(last.seq + 1) if last else 0,
        at=when,
        type=kind,
        tower=tower,
        actor=actor.user,
        note=note.strip(),
        internal=internal,
    )
    _refresh(ticket)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if kind != EventType.OPENED else AuditAction.CREATE,
        instance=ticket,
        changes={
            "event": [None, kind],
            **({"tower": [None, tower.code]} if tower else {}),
            **({"note": [None, "(internal note)" if internal else note.strip()[:200]]} if note else {}),
        },
        organisation=ticket.member,
        framework=ticket.framework,
    )
    return event


def ticket_raise(
    *,
    actor: Actor,
    framework: Framework,
    member: Organisation,
    kind: str,
    priority: str,
    title: str,
    description: str = "",
    category: Service | None = None,
    tower: Tower | None = None,
) -> Ticket:
    """A member raises an incident or a request; it goes to the tower given or the front line."""
    user = actor.user
    if (
        user is not None
        and not (user.role in (Role.MEMBER_ADMIN, Role.MEMBER_USER) and user.organisation_id == member.pk)
        and not is_authority_of(user, framework)
    ):
        raise RuleError("you may raise tickets only for your own organisation")
    if PARTICIPATION.first(framework.pk, member.pk) is None or not member.is_member:
        raise RuleError(f"{member.code} is not a member of {framework.code}", field="framework")
    if kind not in TicketKind.values:
        raise RuleError(f"unknown kind {kind!r} (incident or request)", field="kind")
    if priority not in PRIORITIES:
        raise RuleError(f"unknown priority {priority!r} (P1 to P4)", field="priority")
    if not title.strip():
        raise RuleError("say in a few words what is wrong or what you need", field="title")
    if len(title.strip()) > TITLE_LIMIT:
        raise RuleError(f"the summary must be {TITLE_LIMIT} characters or fewer", field="title")
    if category is not None and category.framework_id != framework.pk:
        raise RuleError("unknown service", field="category")
    if tower is not None and tower.framework_id != framework.pk:
        raise RuleError("unknown tower", field="tower")
    tower = tower or default_tower(framework)
    now = timezone.now()
    # Everything the new ticket's state needs is read and worked out first, so the transaction
    # (which holds SQLite's one write lock) is four writes long.
    ticket = Ticket(
        framework=framework,
        ref=f"pending-{now.timestamp()}-{member.pk}",
        member=member,
        kind=kind,
        priority=priority,
        title=title.strip(),
        description=description.strip(),
        category=category,
        raised_by=user if user is not None and user.organisation_id == member.pk else None,
        initial_tower=tower,
        current_tower=tower,
        opened_at=now,
    )
    towers = {tower.code: tower} if tower else {}
    _settle(ticket, [(now, EventType.OPENED, tower.code if tower else None)], towers, sla_context(framework), None)
    with transaction.atomic():
        ticket.save(force_insert=True)
        ticket.ref = f"{framework.code}-{'INC' if kind == TicketKind.INCIDENT else 'REQ'}-{ticket.pk:06d}"
        Ticket.objects.filter(pk=ticket.pk).update(ref=ticket.ref)
        TicketEvent.objects.create(ticket=ticket, seq=0, at=now, type=EventType.OPENED, tower=tower, actor=user)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=ticket,
            changes={"event": [None, EventType.OPENED], **({"tower": [None, tower.code]} if tower else {})},
            organisation=member,
            framework=framework,
        )
    transaction.on_commit(lambda: notify.ticket_raised(ticket.pk))
    return ticket


def _require_staff(actor: Actor, ticket: Ticket) -> None:
    if not works_on(actor.user, ticket):
        raise RuleError("only the service desk working this ticket may do that")


def _require_open(ticket: Ticket) -> None:
    if ticket.status not in OPEN_STATES:
        raise RuleError(f"the ticket is {ticket.get_status_display().lower()}")


@transaction.atomic
def ticket_respond(*, actor: Actor, ticket: Ticket, note: str = "") -> TicketEvent:
    """The service desk's first (or a further) response to the customer."""
    ticket = _locked(ticket)
    _require_staff(actor, ticket)
    _require_open(ticket)
    first = ticket.responded_at is None
    event = _event(actor, ticket, EventType.RESPONDED, note=note)
    if first:
        transaction.on_commit(lambda: notify.ticket_responded(ticket.pk, event.pk))
    return event


@transaction.atomic
def ticket_comment(*, actor: Actor, ticket: Ticket, note: str, internal: bool = False) -> TicketEvent:
    """A note on the ticket: public, or (service desk only) internal and never shown to the member."""
    ticket = _locked(ticket)
    staff = works_on(actor.user, ticket)
    if not staff and not is_customer(actor.user, ticket):
        raise RuleError("you may not comment on this ticket")
    if internal and not staff:
        raise RuleError("only the service desk writes internal notes", field="internal")
    if not note.strip():
        raise RuleError("write the comment", field="note")
    event = _event(actor, ticket, EventType.COMMENT, note=note, internal=internal)
    if not internal:
        transaction.on_commit(lambda: notify.ticket_commented(ticket.pk, event.pk))
    return event


@transaction.atomic
def ticket_await_customer(*, actor: Actor, ticket: Ticket, note: str = "") -> TicketEvent:
    """Stop the resolution clock while waiting for the customer."""
    ticket = _locked(ticket)
    _require_staff(actor, ticket)
    if ticket.status != TicketStatus.OPEN:
        raise RuleError("only an open ticket can wait for the customer")
    event = _event(actor, ticket, EventType.AWAITING_CUSTOMER, note=note)
    transaction.on_commit(lambda: notify.ticket_commented(ticket.pk, event.pk))
    return event


@transaction.atomic
def ticket_resume(*, actor: Actor, ticket: Ticket, note: str = "") -> TicketEvent:
    """Restart the clock: the customer has answered (either side may say so)."""
    ticket = _locked(ticket)
    if not works_on(actor.user, ticket) and not is_customer(actor.user, ticket):
        raise RuleError("you may not change this ticket")
    if ticket.status != TicketStatus.AWAITING_CUSTOMER:
        raise RuleError("the ticket is not waiting for the customer")
    return _event(actor, ticket, EventType.RESUMED, note=note)


@transaction.atomic
def ticket_reassign(*, actor: Actor, ticket: Ticket, tower: Tower, note: str = "") -> TicketEvent:
    """Route the ticket to another tower: agents from their own towers; the integrator and the
    authority from anywhere."""
    ticket = _locked(ticket)
    _require_staff(actor, ticket)
    _require_open(ticket)
    if tower.framework_id != ticket.framework_id:
        raise RuleError("unknown tower", field="tower")
    if tower.pk == ticket.current_tower_id:
        raise RuleError(f"the ticket is already with {tower.name}", field="tower")
    event = _event(actor, ticket, EventType.REASSIGNED, note=note, tower=tower)
    transaction.on_commit(lambda: notify.ticket_reassigned(ticket.pk, event.pk))
    return event


@transaction.atomic
def ticket_resolve(*, actor: Actor, ticket: Ticket, note: str = "") -> TicketEvent:
    ticket = _locked(ticket)
    _require_staff(actor, ticket)
    _require_open(ticket)
    event = _event(actor, ticket, EventType.RESOLVED, note=note)
    transaction.on_commit(lambda: notify.ticket_resolved(ticket.pk, event.pk))
    return event


@transaction.atomic
def ticket_reopen(*, actor: Actor, ticket: Ticket, note: str) -> TicketEvent:
    """The member says it is not fixed, within the reopening window."""
    ticket = _locked(ticket)
    if not is_customer(actor.user, ticket):
        raise RuleError("only the member may reopen its ticket")
    if ticket.status != TicketStatus.RESOLVED or ticket.resolved_at is None:
        raise RuleError("only a resolved ticket can be reopened")
    if timezone.now() > ticket.resolved_at + reopen_window():
        raise RuleError(
            f"a ticket can be reopened for {reopen_window().days} days after it is resolved; raise a new one"
        )
    if not note.strip():
        raise RuleError("say what is still wrong", field="note")
    event = _event(actor, ticket, EventType.REOPENED, note=note)
    transaction.on_commit(lambda: notify.ticket_reassigned(ticket.pk, event.pk))
    return event


@transaction.atomic
def ticket_close(*, actor: Actor, ticket: Ticket) -> TicketEvent:
    """The member confirms the fix; the ticket is closed for good."""
    ticket = _locked(ticket)
    if not is_customer(actor.user, ticket):
        raise RuleError("only the member confirms closure")
    if ticket.status != TicketStatus.RESOLVED:
        raise RuleError("only a resolved ticket can be closed")
    return _event(actor, ticket, EventType.CLOSED)


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("framework", "member", "current_tower", "initial_tower")
        .get(pk=ticket.pk)
    )


def sla_sweep(*, now: dt.datetime | None = None, warn_minutes: int | None = None) -> dict[str, Any]:
    """Record breaches as they happen and warn of imminent ones, for every open ticket due soon.

    Run by `flexhub sla --sweep` (for example from cron every few minutes) or as a task.
    """
    now = now or timezone.now()
    warn = dt.timedelta(minutes=warn_minutes or int(getattr(settings, "FLEXHUB_BREACH_WARNING_MINUTES", 30)))
    breached: list[int] = []
    warned: list[int] = []
    with transaction.atomic():
        # Only tickets with something to do: a warning not yet sent, or a due time passed
        # without its breach recorded; already-breached tickets are not looked at again.
        pending = (
            Q(warned_at__isnull=True, next_due_at__gt=now)
            | Q(response_breached_at__isnull=True, respond_due_at__lte=now)
            | Q(resolution_breached_at__isnull=True, resolve_due_at__lte=now)
        )
        due = Ticket.objects.select_for_update(of=("self",)).filter(
            pending, status__in=OPEN_STATES, next_due_at__lte=now + warn
        )
        contexts: dict[int, SlaContext | None] = {}
        for ticket in due.select_related("framework", "member"):
            before = (ticket.response_breached_at, ticket.resolution_breached_at)
            if ticket.framework_id not in contexts:
                contexts[ticket.framework_id] = sla_context(ticket.framework)
            _refresh(ticket, now, contexts[ticket.framework_id])
            if (ticket.response_breached_at, ticket.resolution_breached_at) != before:
                breached.append(ticket.pk)
            elif ticket.warned_at is None and ticket.next_due_at and now < ticket.next_due_at <= now + warn:
                Ticket.objects.filter(pk=ticket.pk).update(warned_at=now)
                warned.append(ticket.pk)
        # mypy cannot type a lambda whose default binds the loop variable (python/mypy#15459)
        for pk in warned:
            transaction.on_commit(lambda pk=pk: notify.breach_imminent(pk))  # type: ignore[misc]
        for pk in breached:
            transaction.on_commit(lambda pk=pk: notify.breach_recorded(pk))  # type: ignore[misc]
    return {"checked_at": now.isoformat(), "breached": len(breached), "warned": len(warned)}
