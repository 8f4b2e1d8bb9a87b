"""`flexhub load`: a validated scenario written to the database in one transaction.

Small things (organisations, the framework, its catalogue) go through the
apps' own services; contracts and tickets, which a scenario may hold by the
thousand, are compared with what is stored and written in bulk, each created
or changed one audited. Loading the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from flexhub.core.audit import Actor, audit_build, audit_bulk, audit_insert_rows, audit_row
from flexhub.core.bulk import insert_rows
from flexhub.core.models import AuditAction, Organisation
from flexhub.core.perf import gc_paused
from flexhub.core.services import organisation_save
from flexhub.frameworks.models import (
    CallOffContract,
    ContractChange,
    ContractLine,
    Delivery,
    Framework,
    Service,
    Tower,
)
from flexhub.frameworks.services import (
    framework_enrol,
    framework_save,
    service_save,
    tower_save,
    vat_rates_set,
)
from flexhub.rules.ticket_state import ticket_state
from flexhub.scenarios.schema import ContractSpec, Scenario, SlaSpec, TicketSpec
from flexhub.scenarios.yamlio import parse_yaml
from flexhub.servicedesk.models import (
    ServiceCreditRule,
    SlaPolicy,
    SlaTarget,
    Ticket,
    TicketEvent,
)
from flexhub.servicedesk.selectors import sla_context
from flexhub.servicedesk.sla_state import sla_position

BATCH = 5000


@dataclass
class LoadReport:
    """What a load did, counted by kind of record."""

    framework: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
        }


def scenario_parse(text: str) -> Scenario:
    """Parse and validate a scenario file's text (RuleError or ScenarioInvalid on failure)."""
    from flexhub.scenarios.schema import validate

    with gc_paused():
        return validate(parse_yaml(text))


def scenario_load(*, actor: Actor, scenario: Scenario) -> LoadReport:
    """Write a validated scenario; all or nothing, idempotent on codes and refs."""
    with gc_paused(), transaction.atomic():
        return _scenario_write(actor, scenario)


def _scenario_write(actor: Actor, scenario: Scenario) -> LoadReport:
    report = LoadReport(scenario.framework.code)
    orgs = _organisations(actor, scenario)
    spec = scenario.framework
    framework = framework_save(
        actor=actor,
        code=spec.code,
        name=spec.name,
        authority=orgs[spec.authority],
        suppliers=[orgs[c] for c in spec.suppliers],
        start=spec.start,
        end=spec.end,
        value_ceiling=spec.value_ceiling,
        integrator=orgs[spec.integrator] if spec.integrator else None,
    )
    framework_enrol(actor=actor, framework=framework, organisations=orgs.values())
    vat_rates_set(actor=actor, framework=framework, rates=[(v.start, v.rate) for v in spec.vat])
    for tower in spec.towers:
        tower_save(actor=actor, framework=framework, code=tower.code, name=tower.name, supplier=orgs[tower.supplier])
    services = {
        s.code: service_save(
            actor=actor,
            framework=framework,
            code=s.code,
            name=s.name,
            category=s.category,
            unit=s.unit,
            classification=s.classification,
            pricing_model=s.model,
            ratchet=s.ratchet,
            bands=[(b.start, b.text) for b in s.bands],
        )
        for s in scenario.services
    }
    contracts = _contracts(actor, framework, scenario.contracts, orgs, services, report)
    _deliveries(actor, framework, scenario, contracts, services, report)
    if scenario.sla is not None:
        _sla(actor, framework, scenario.sla, report)
    _tickets(actor, framework, scenario.tickets, orgs, report)
    return report


def _organisations(actor: Actor, scenario: Scenario) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    existing = {o.code: o for o in Organisation.objects.filter(code__in=[s.code for s in scenario.organisations])}
    for spec in scenario.organisations:
        current = existing.get(spec.code)
        orgs[spec.code] = organisation_save(
            actor=actor,
            code=spec.code,
            name=spec.name,
            roles=spec.roles,
            region=spec.region if spec.region_given or current is None else current.region,
            jurisdictions=spec.jurisdictions
            if spec.jurisdictions is not None
            else (current.jurisdictions if current else []),
            foreign_law_exposure=spec.foreign_law_exposure
            if spec.foreign_law_exposure is not None
            else (current.foreign_law_exposure if current else ""),
        )
    for spec in scenario.organisations:
        if spec.predecessors is not None:
            org = orgs[spec.code]
            organisation_save(
                actor=actor,
                code=org.code,
                name=org.name,
                roles=org.roles,
                region=org.region,
                jurisdictions=org.jurisdictions,
                foreign_law_exposure=org.foreign_law_exposure,
                predecessors=[orgs[c] for c in spec.predecessors],
            )
    return orgs


def _contract_summary(spec: ContractSpec) -> dict[str, Any]:
    return {
        "member": spec.member,
        "signed": spec.signed.isoformat(),
        "start": spec.start.isoformat(),
        "end": spec.end.isoformat(),
        "committed_value": str(spec.committed_value),
        "lines": sorted(
            f"{line.service} x {line.quantity}"
            + (f" from {line.start}" if line.start else "")
            + (f" to {line.end}" if line.end else "")
            for line in spec.lines
        ),
        "changes": sorted(f"{c.service} to {c.quantity} from {c.effective}" for c in spec.changes),
    }


def _stored_summary(
    contract: CallOffContract, lines: list[ContractLine], changes: list[ContractChange]
) -> dict[str, Any]:
    return {
        "member": contract.member.code,
        "signed": contract.signed.isoformat(),
        "start": contract.start.isoformat(),
        "end": contract.end.isoformat(),
        "committed_value": str(contract.committed_value),
        "lines": sorted(
            f"{line.service.code} x {line.quantity}"
            + (f" from {line.start}" if line.start else "")
            + (f" to {line.end}" if line.end else "")
            for line in lines
        ),
        "changes": sorted(f"{c.service.code} to {c.quantity} from {c.effective}" for c in changes),
    }


def _contracts(
    actor: Actor,
    framework: Framework,
    specs: list[ContractSpec],
    orgs: dict[str, Organisation],
    services: dict[str, Service],
    report: LoadReport,
) -> dict[str, CallOffContract]:
    stored = {c.ref: c for c in framework.contracts.select_related("member")}
    lines: dict[int, list[ContractLine]] = defaultdict(list)
    for line in ContractLine.objects.filter(contract__framework=framework).select_related("service"):
        lines[line.contract_id].append(line)
    changes: dict[int, list[ContractChange]] = defaultdict(list)
    for change in ContractChange.objects.filter(contract__framework=framework).select_related("service"):
        changes[change.contract_id].append(change)
    audit = []
    to_rewrite: list[tuple[CallOffContract, ContractSpec]] = []
    new_contracts: list[tuple[CallOffContract, ContractSpec]] = []
    for spec in specs:
        wanted = _contract_summary(spec)
        contract = stored.get(spec.ref)
        if contract is None:
            contract = CallOffContract(
                framework=framework,
                ref=spec.ref,
                member=orgs[spec.member],
                signed=spec.signed,
                start=spec.start,
                end=spec.end,
                committed_value=spec.committed_value,
            )
            new_contracts.append((contract, spec))
            continue
        before = _stored_summary(contract, lines[contract.pk], changes[contract.pk])
        if before == wanted:
            report.unchanged["contracts"] += 1
            continue
        contract.member = orgs[spec.member]
        contract.signed, contract.start, contract.end = spec.signed, spec.start, spec.end
        contract.committed_value = spec.committed_value
        contract.save()
        to_rewrite.append((contract, spec))
        report.updated["contracts"] += 1
        audit.append(
            audit_build(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=contract,
                changes={k: [before[k], wanted[k]] for k in wanted if before[k] != wanted[k]},
                organisation_id=contract.member_id,
                framework_id=framework.pk,
            )
        )
    CallOffContract.objects.bulk_create([c for c, _ in new_contracts], batch_size=BATCH)
    for contract, spec in new_contracts:
        stored[spec.ref] = contract
        report.created["contracts"] += 1
        audit.append(
            audit_build(
                actor=actor,
                action=AuditAction.CREATE,
                instance=contract,
                changes={k: [None, v] for k, v in _contract_summary(spec).items()},
                organisation_id=contract.member_id,
                framework_id=framework.pk,
            )
        )
    rewrite_ids = [c.pk for c, _ in to_rewrite]
    ContractLine.objects.filter(contract_id__in=rewrite_ids).delete()
    ContractChange.objects.filter(contract_id__in=rewrite_ids).delete()
    ContractLine.objects.bulk_create(
        [
            ContractLine(
                contract=c,
                service=services[line.service],
                quantity=line.quantity,
                start=line.start,
                end=line.end,
            )
            for c, spec in [*new_contracts, *to_rewrite]
            for line in spec.lines
        ],
        batch_size=BATCH,
    )
    ContractChange.objects.bulk_create(
        [
            ContractChange(
                contract=c,
                service=services[ch.service],
                effective=ch.effective,
                quantity=ch.quantity,
            )
            for c, spec in [*new_contracts, *to_rewrite]
            for ch in spec.changes
        ],
        batch_size=BATCH,
    )
    audit_bulk(audit)
    return stored


def _deliveries(
    actor: Actor,
    framework: Framework,
    scenario: Scenario,
    contracts: dict[str, CallOffContract],
    services: dict[str, Service],
    report: LoadReport,
) -> None:
    stored = {(d.contract_id, d.service_id, d.date): d for d in Delivery.objects.filter(contract__framework=framework)}
    audit = []
    for spec in scenario.deliveries:
        contract = contracts[spec.contract]
        service = services[spec.service]
        delivery = stored.get((contract.pk, service.pk, spec.date))
        if delivery is not None and delivery.quantity == spec.quantity:
            report.unchanged["deliveries"] += 1
            continue
        if delivery is None:
            delivery = Delivery.objects.create(
                contract=contract, service=service, date=spec.date, quantity=spec.quantity
            )
            report.created["deliveries"] += 1
            changes = {
                "service": [None, service.code],
                "date": [None, spec.date.isoformat()],
                "quantity": [None, spec.text],
            }
            action = AuditAction.CREATE
        else:
            changes = {"quantity": [str(delivery.quantity), spec.text]}
            delivery.quantity = spec.quantity
            delivery.save(update_fields=["quantity"])
            report.updated["deliveries"] += 1
            action = AuditAction.UPDATE
        audit.append(
            audit_build(
                actor=actor,
                action=action,
                instance=delivery,
                changes=changes,
                organisation_id=contract.member_id,
                framework_id=framework.pk,
            )
        )
    audit_bulk(audit)


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


def _sla(actor: Actor, framework: Framework, spec: SlaSpec, report: LoadReport) -> None:
    from decimal import Decimal

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
        report.unchanged["sla"] += 1
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
    (report.created if created else report.updated)["sla"] += 1
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


def _tickets(
    actor: Actor,
    framework: Framework,
    specs: list[TicketSpec],
    orgs: dict[str, Organisation],
    report: LoadReport,
) -> None:
    if not specs:
        return
    towers = {t.code: t for t in Tower.objects.filter(framework=framework)}
    tower_codes = {t.pk: code for code, t in towers.items()}
    stored = {t.ref: t for t in Ticket.objects.filter(framework=framework).select_related("member")}
    stored_events: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
    if stored:
        for ticket_id, at, kind, tower_id in (
            TicketEvent.objects.filter(ticket__framework=framework)
            .order_by("ticket_id", "seq")
            .values_list("ticket_id", "at", "type", "tower_id")
        ):
            stored_events[ticket_id].append(_event_key(at, kind, tower_codes.get(tower_id)))
    new: list[tuple[Ticket, TicketSpec]] = []
    rewrite: list[tuple[Ticket, TicketSpec]] = []
    context = sla_context(framework)
    now = timezone.now()
    audit = []
    for spec in specs:
        state = ticket_state([(e.at, e.type, e.tower) for e in spec.events], spec.tower)
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
        position = sla_position(
            context, spec.priority, orgs[spec.member].region, [(e.at, e.type) for e in spec.events], now
        )
        values.update(
            closed_at=state.closed_at,
            respond_due_at=position.respond_due_at,
            resolve_due_at=position.resolve_due_at,
            next_due_at=position.next_due_at,
            response_breached_at=position.response_breached_at,
            resolution_breached_at=position.resolution_breached_at,
        )
        ticket = stored.get(spec.ref)
        wanted_events = [_event_key(e.at, e.type, spec.tower if e.type == "opened" else e.tower) for e in spec.events]
        if ticket is None:
            ticket = Ticket(framework=framework, ref=spec.ref, **values)
            new.append((ticket, spec))
            continue
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
            report.unchanged["tickets"] += 1
            continue
        for key, value in values.items():
            setattr(ticket, key, value)
        ticket.save()
        rewrite.append((ticket, spec))
        report.updated["tickets"] += 1
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
        report.created["tickets"] += len(new)
    _insert_new_tickets(actor, framework, new, towers)
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
    actor: Actor, framework: Framework, new: list[tuple[Ticket, TicketSpec]], towers: dict[str, Tower]
) -> None:
    """New tickets, their events and their audit entries, in three streamed inserts."""
    if not new:
        return
    insert_rows(
        Ticket,
        TICKET_COLUMNS,
        (
            (
                framework.pk,
                t.ref,
                t.member_id,
                t.kind,
                t.priority,
                t.title,
                "",
                t.initial_tower_id,
                t.current_tower_id,
                t.status,
                t.opened_at,
                t.responded_at,
                t.resolved_at,
                t.closed_at,
                t.respond_due_at,
                t.resolve_due_at,
                t.next_due_at,
                t.response_breached_at,
                t.resolution_breached_at,
            )
            for t, _ in new
        ),
    )
    ids = dict(
        Ticket.objects.filter(framework=framework, ref__in=[t.ref for t, _ in new]).values_list("ref", "pk")
        if len(new) < 500
        else Ticket.objects.filter(framework=framework).values_list("ref", "pk")
    )
    insert_rows(
        TicketEvent,
        EVENT_COLUMNS,
        (
            (
                ids[t.ref],
                seq,
                e.at,
                e.type,
                towers[e.tower].pk if e.tower else (t.initial_tower_id if e.type == "opened" else None),
                "",
                False,
            )
            for t, spec in new
            for seq, e in enumerate(spec.events)
        ),
    )
    now = timezone.now()
    audit_insert_rows(
        audit_row(
            actor=actor,
            at=now,
            action=AuditAction.CREATE,
            object_type="servicedesk.ticket",
            object_id=ids[t.ref],
            object_repr=str(t),
            organisation_id=t.member_id,
            framework_id=framework.pk,
            changes={
                "priority": [None, spec.priority],
                "title": [None, spec.title],
                "events": [None, len(spec.events)],
            },
        )
        for t, spec in new
    )
