"""Bulk writers of a framework's SLA policy and ticket history (a legacy desk's, or a scenario's).

`flexhub load` checks a whole scenario first, with the same rules as the services
(rules/validation.py, rules/ticket_state.py), and hands the policy and tickets
here: compared with what is stored, written in bulk, each created or changed one
audited, so loading the same file twice changes nothing. Any object with the
attributes of the protocols below will do; the scenario checker's specs have them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from django.utils import timezone

from flexhub.core.audit import Actor, audit_build, audit_bulk, audit_insert_rows, audit_row
from flexhub.core.bulk import LoadCounts, datetime_to_db, insert_rows
from flexhub.core.models import AuditAction, Organisation
from flexhub.frameworks.models import Framework, Tower
from flexhub.rules.ticket_state import ticket_state
from flexhub.servicedesk.models import ServiceCreditRule, SlaPolicy, SlaTarget, Ticket, TicketEvent
from flexhub.servicedesk.selectors import sla_context
from flexhub.servicedesk.sla_state import sla_position

BATCH = 5000


class TargetLike(Protocol):
    @property
    def respond(self) -> int: ...
    @property
    def resolve(self) -> int: ...
    @property
    def clock(self) -> str: ...


class CreditLike(Protocol):
    @property
    def per_breach(self) -> Decimal: ...
    @property
    def cap(self) -> Decimal: ...


class SlaPolicyLike(Protocol):
    @property
    def timezone(self) -> str: ...
    @property
    def days(self) -> list[str]: ...
    @property
    def start(self) -> dt.time: ...
    @property
    def end(self) -> dt.time: ...
    @property
    def targets(self) -> Mapping[str, TargetLike]: ...
    @property
    def credits(self) -> Mapping[str, CreditLike]: ...


class EventLike(Protocol):
    @property
    def at(self) -> dt.datetime: ...
    @property
    def type(self) -> str: ...
    @property
    def tower(self) -> str | None: ...


class TicketLike(Protocol):
    @property
    def ref(self) -> str: ...
    @property
    def member(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def events(self) -> Sequence[EventLike]: ...
    @property
    def tower(self) -> str | None: ...


def _sla_summary(policy: SlaPolicy | None) -> dict[str, Any]:
    if policy is None:
        return {}
    return {
        "timezone": policy.timezone,
        "business_days": list(policy.business_days),
        "business_hours": f"{policy.business_start:%H:%M}-{policy.business_end:%H:%M}",
        "targets": {t.priority: [t.respond_minutes, t.resolve_minutes, t.clock] for t in policy.targets.all()},
        "credits": {c.priority: [str(c.per_breach), str(c.cap)] for c in policy.credits.all()},
    }


def sla_policy_load(*, actor: Actor, framework: Framework, spec: SlaPolicyLike, counts: LoadCounts) -> None:
    """Set the framework's SLA policy (checked already) unless it is the same; audited."""
    policy = SlaPolicy.objects.filter(framework=framework).first()
    before = _sla_summary(policy)
    wanted = {
        "timezone": spec.timezone,
        "business_days": spec.days,
        "business_hours": f"{spec.start:%H:%M}-{spec.end:%H:%M}",
        "targets": {p: [t.respond, t.resolve, t.clock] for p, t in sorted(spec.targets.items())},
        "credits": {
            p: [str(c.per_breach.quantize(Decimal("0.01"))), str(c.cap.quantize(Decimal("0.01")))]
            for p, c in sorted(spec.credits.items())
        },
    }
    if before == wanted:
        counts.unchanged["sla"] += 1
        return
    created = policy is None
    policy = policy or SlaPolicy(framework=framework)
    policy.timezone = spec.timezone
    policy.business_days = spec.days
    policy.business_start = spec.start
    policy.business_end = spec.end
    policy.save()
    policy.targets.all().delete()
    policy.credits.all().delete()
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            priority=p,
            respond_minutes=t.respond,
            resolve_minutes=t.resolve,
            clock=t.clock,
        )
        for p, t in spec.targets.items()
    )
    ServiceCreditRule.objects.bulk_create(
        ServiceCreditRule(policy=policy, priority=p, per_breach=c.per_breach, cap=c.cap)
        for p, c in spec.credits.items()
    )
    (counts.created if created else counts.updated)["sla"] += 1
    audit_bulk(
        [
            audit_build(
                actor=actor,
                action=AuditAction.CREATE if created else AuditAction.UPDATE,
                instance=policy,
                changes={k: [before.get(k), v] for k, v in wanted.items() if before.get(k) != v},
                organisation_id=framework.authority_id,
                framework_id=framework.pk,
            )
        ]
    )


def _event_key(at: dt.datetime, kind: str, tower: str | None) -> tuple[str, str, str | None]:
    return (at.astimezone(dt.UTC).isoformat(), kind, tower)


def tickets_load(
    *,
    actor: Actor,
    framework: Framework,
    specs: Sequence[TicketLike],
    orgs: Mapping[str, Organisation],
    counts: LoadCounts,
) -> None:
    """Bring the framework's ticket history in line with `specs` (checked already, events in
    order: rules.ticket_state.event_order_problems): new tickets inserted in bulk with their
    events, changed ones rewritten, state and SLA position from the same rules as a live ticket."""
    if not specs:
        return
    towers = {t.code: t for t in Tower.objects.filter(framework=framework)}
    tower_codes: dict[int | None, str] = {t.pk: code for code, t in towers.items()}  # None: no tower
    tower_ids: dict[str | None, int] = {code: t.pk for code, t in towers.items()}
    stored = {t.ref: t for t in Ticket.objects.filter(framework=framework).select_related("member")}
    stored_events: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
    if stored:
        for ticket_id, at, kind, tower_id in (
            TicketEvent.objects.filter(ticket__framework=framework)
            .order_by("ticket_id", "seq")
            .values_list("ticket_id", "at", "type", "tower_id")
        ):
            stored_events[ticket_id].append(_event_key(at, kind, tower_codes.get(tower_id)))
    new: list[tuple[tuple[Any, ...], TicketLike, list[Any]]] = []
    rewrite: list[tuple[Ticket, TicketLike]] = []
    to_db = datetime_to_db()
    context = sla_context(framework)
    now = timezone.now()
    audit = []
    for spec in specs:
        state = ticket_state([(e.at, e.type, e.tower) for e in spec.events], spec.tower)
        position = sla_position(
            context, spec.priority, orgs[spec.member].region, [(e.at, e.type) for e in spec.events], now
        )
        ticket = stored.get(spec.ref)
        if ticket is None:  # a plain row in TICKET_COLUMNS order: no model instance for a new ticket
            # Each event's instant converted once, for its event row and the ticket's own columns.
            ats = [to_db(e.at) for e in spec.events]
            converted = {id(e.at): at for e, at in zip(spec.events, ats, strict=True)}
            member_id, initial = orgs[spec.member].pk, tower_ids.get(spec.tower)
            row = (framework.pk, spec.ref, member_id, spec.kind, spec.priority, spec.title, "", initial)
            new.append(
                (
                    (
                        *row,
                        tower_ids.get(state.tower),
                        state.status,
                        ats[0],
                        converted.get(id(state.responded_at)) or to_db(state.responded_at),
                        converted.get(id(state.resolved_at)) or to_db(state.resolved_at),
                        converted.get(id(state.closed_at)) or to_db(state.closed_at),
                        to_db(position.respond_due_at),
                        to_db(position.resolve_due_at),
                        to_db(position.next_due_at),
                        to_db(position.response_breached_at),
                        to_db(position.resolution_breached_at),
                    ),
                    spec,
                    ats,
                )
            )
            continue
        values = {
            "member": orgs[spec.member],
            "kind": spec.kind,
            "priority": spec.priority,
            "title": spec.title,
            "initial_tower": towers.get(spec.tower) if spec.tower else None,
            "current_tower": towers.get(state.tower) if state.tower else None,
            "status": state.status,
            "opened_at": state.opened_at,
            "responded_at": state.responded_at,
            "resolved_at": state.resolved_at,
        }
        values.update(
            closed_at=state.closed_at,
            respond_due_at=position.respond_due_at,
            resolve_due_at=position.resolve_due_at,
            next_due_at=position.next_due_at,
            response_breached_at=position.response_breached_at,
            resolution_breached_at=position.resolution_breached_at,
        )
        wanted_events = [_event_key(e.at, e.type, spec.tower if e.type == "opened" else e.tower) for e in spec.events]
        before = {
            "member": ticket.member.code,
            "kind": ticket.kind,
            "priority": ticket.priority,
            "title": ticket.title,
            "tower": tower_codes.get(ticket.initial_tower_id),
            "events": stored_events[ticket.pk],
        }
        after = {
            "member": spec.member,
            "kind": spec.kind,
            "priority": spec.priority,
            "title": spec.title,
            "tower": spec.tower,
            "events": wanted_events,
        }
        if before == after:
            counts.unchanged["tickets"] += 1
            continue
        for key, value in values.items():
            setattr(ticket, key, value)
        ticket.save()
        rewrite.append((ticket, spec))
        counts.updated["tickets"] += 1
        audit.append(
            audit_build(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=ticket,
                changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
                organisation_id=ticket.member_id,
                framework_id=framework.pk,
            )
        )
    if new:
        counts.created["tickets"] += len(new)
    _insert_new_tickets(actor, framework, new, tower_ids)
    TicketEvent.objects.filter(ticket_id__in=[t.pk for t, _ in rewrite]).delete()
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket=ticket,
                seq=seq,
                at=e.at,
                type=e.type,
                tower=towers.get(e.tower) if e.tower else (ticket.initial_tower if e.type == "opened" else None),
            )
            for ticket, spec in rewrite
            for seq, e in enumerate(spec.events)
        ],
        batch_size=BATCH,
    )
    audit_bulk(audit)


TICKET_COLUMNS = (
    "framework_id",
    "ref",
    "member_id",
    "kind",
    "priority",
    "title",
    "description",
    "initial_tower_id",
    "current_tower_id",
    "status",
    "opened_at",
    "responded_at",
    "resolved_at",
    "closed_at",
    "respond_due_at",
    "resolve_due_at",
    "next_due_at",
    "response_breached_at",
    "resolution_breached_at",
)
EVENT_COLUMNS = ("ticket_id", "seq", "at", "type", "tower_id", "note", "internal")


def _insert_new_tickets(
    actor: Actor,
    framework: Framework,
    new: list[tuple[tuple[Any, ...], TicketLike, list[Any]]],
    tower_ids: dict[str | None, int],
) -> None:
    """New tickets (rows in TICKET_COLUMNS order, timestamps already as the database takes them,
    with each ticket's event instants likewise), their events and their audit entries, in three
    streamed inserts of plain rows: no model instance is built (core.bulk.insert_rows)."""
    if not new:
        return
    insert_rows(Ticket, TICKET_COLUMNS, (row for row, _, _ in new), adapted=True)
    ids = dict(
        Ticket.objects.filter(framework=framework, ref__in=[spec.ref for _, spec, _ in new]).values_list("ref", "pk")
        if len(new) < 500
        else Ticket.objects.filter(framework=framework).values_list("ref", "pk")
    )
    initial, member = TICKET_COLUMNS.index("initial_tower_id"), TICKET_COLUMNS.index("member_id")
    insert_rows(
        TicketEvent,
        EVENT_COLUMNS,
        (
            (
                ids[spec.ref],
                seq,
                ats[seq],
                e.type,
                tower_ids[e.tower] if e.tower else (row[initial] if e.type == "opened" else None),
                "",
                False,
            )
            for row, spec, ats in new
            for seq, e in enumerate(spec.events)
        ),
        adapted=True,
    )
    now = timezone.now()
    audit_insert_rows(
        audit_row(
            actor=actor,
            at=now,
            action=AuditAction.CREATE,
            object_type="servicedesk.ticket",
            object_id=ids[spec.ref],
            object_repr=f"{spec.ref}: {spec.title}",  # as Ticket.__str__
            organisation_id=row[member],
            framework_id=framework.pk,
            changes={
                "priority": [None, spec.priority],
                "title": [None, spec.title],
                "events": [None, len(spec.events)],
            },
        )
        for row, spec, _ in new
    )
