"""`flexhub export`: a framework written back in the scenario format, loadable again."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from decimal import Decimal
from typing import Any

from flexhub.assurance.models import (
    DataClassification,
    DataLocation,
    MemberDataPolicy,
    ServiceHandler,
    SubProcessor,
    SupplierJurisdiction,
)
from flexhub.frameworks.models import (
    CallOffContract,
    ContractChange,
    ContractLine,
    Delivery,
    Framework,
    PricingModel,
)
from flexhub.rollout.models import Programme, RolloutTemplate
from flexhub.servicedesk.models import SlaPolicy, Ticket, TicketEvent


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else f"{text}.00" if abs(value) >= 1000 else text


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def scenario_export(framework: Framework) -> dict[str, Any]:
    """The framework, its organisations, catalogue, contracts, deliveries, SLA and tickets."""
    document: dict[str, Any] = {"framework": _framework(framework)}
    document["organisations"] = [
        _organisation(o) for o in framework.participants.order_by("code").prefetch_related("predecessors")
    ]
    document["services"] = [_service(s) for s in framework.services.order_by("pk").prefetch_related("bands")]
    document["contracts"] = _contracts(framework)
    _assurance(framework, document)
    deliveries = [
        {
            "contract": d.contract.ref,
            "service": d.service.code,
            "date": d.date.isoformat(),
            "quantity": _number(d.quantity),
        }
        for d in Delivery.objects.filter(contract__framework=framework)
        .select_related("contract", "service")
        .order_by("date", "pk")
    ]
    if deliveries:
        document["deliveries"] = deliveries
    policy = SlaPolicy.objects.filter(framework=framework).first()
    if policy is not None:
        document["sla"] = _sla(policy)
    tickets = _tickets(framework, zoneinfo.ZoneInfo(policy.timezone if policy else "Europe/London"))
    if tickets:
        document["tickets"] = tickets
    rollout = _rollout(framework)
    if rollout:
        document["rollout"] = rollout
    return document


def _rollout(framework: Framework) -> dict[str, Any]:
    """Templates, and programmes as started: waves, re-plans (a stage whose duration or
    not-before date differs from its baseline) and completed stages."""
    body: dict[str, Any] = {}
    templates = [
        {
            "code": t.code,
            "name": t.name,
            **({"description": t.description} if t.description else {}),
            "stages": [
                {
                    "key": s.key,
                    "name": s.name,
                    "days": s.duration_days,
                    **({"after": list(s.depends_on)} if s.depends_on else {}),
                    **({"checklist": list(s.checklist)} if s.checklist else {}),
                    **({"waves": True} if s.is_waves else {}),
                }
                for s in t.stages.order_by("position")
            ],
        }
        for t in RolloutTemplate.objects.filter(framework=framework).order_by("code")
    ]
    if templates:
        body["templates"] = templates
    programmes = []
    for p in (
        Programme.objects.filter(framework=framework, template__isnull=False)
        .select_related("member", "template", "contract", "service")
        .order_by("member__code", "code")
    ):
        stages = list(p.stages.order_by("position"))
        entry: dict[str, Any] = {
            "member": p.member.code,
            "code": p.code,
            "name": p.name,
            "template": p.template.code if p.template else "",
            "start": p.start.isoformat(),
        }
        if p.contract:
            entry["contract"] = p.contract.ref
        if p.service:
            entry["service"] = p.service.code
        waves = [{"site": w.site, "seats": w.seats} for w in p.waves.order_by("number")]
        if waves:
            entry["waves"] = waves
        replans = [
            {
                "stage": s.key,
                "days": s.duration_days,
                **({"not_before": s.not_before.isoformat()} if s.not_before else {}),
            }
            for s in stages
            if s.not_before or s.duration_days != (s.baseline_end - s.baseline_start).days + 1
        ]
        if replans:
            entry["replan"] = replans
        completed = {s.key: s.completed_on.isoformat() for s in stages if s.completed_on}
        if completed:
            entry["completed"] = completed
        # As a reload would check them: against the template's checklist as it now is.
        template_items = {t.key: t.checklist for t in p.template.stages.all()} if p.template else {}
        checked = {
            s.key: [item for item in s.checklist_done if item in template_items.get(s.key, [])]
            for s in stages
            if s.checklist_done and not s.completed_on
        }
        checked = {key: items for key, items in checked.items() if items}
        if checked:
            entry["checked"] = checked
        programmes.append(entry)
    if programmes:
        body["programmes"] = programmes
    return body


def _framework(framework: Framework) -> dict[str, Any]:
    rates = list(framework.vat_rates.order_by("start"))
    vat: Any
    if len(rates) == 1 and rates[0].start <= framework.start:
        vat = _decimal_text(rates[0].rate)
    else:
        vat = [{"from": r.start.isoformat(), "rate": _decimal_text(r.rate)} for r in rates]
    body: dict[str, Any] = {
        "code": framework.code,
        "name": framework.name,
        "authority": framework.authority.code,
        "suppliers": sorted(framework.suppliers.values_list("code", flat=True)),
        "start": framework.start.isoformat(),
        "end": framework.end.isoformat(),
        "value_ceiling": f"{framework.value_ceiling:.2f}",
        "vat_rate": vat,
    }
    if framework.integrator_id:
        body["integrator"] = framework.integrator.code  # type: ignore[union-attr]
    if framework.payment_terms_days != 30:
        body["payment_terms_days"] = framework.payment_terms_days
    if framework.invoiced_by_id:
        body["invoiced_by"] = framework.invoiced_by.code  # type: ignore[union-attr]
    towers = [
        {"code": t.code, "name": t.name, "supplier": t.supplier.code}
        for t in framework.towers.select_related("supplier").order_by("code")
    ]
    if towers:
        body["towers"] = towers
    return body


def _organisation(org: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": org.code,
        "name": org.name,
        "roles": org.roles,
        "region": org.region,
    }
    if org.jurisdictions:
        body["jurisdictions"] = list(org.jurisdictions)
    if org.foreign_law_exposure:
        body["foreign_law_exposure"] = org.foreign_law_exposure
    for key in ("address", "vat_number", "finance_email"):
        if getattr(org, key):
            body[key] = getattr(org, key)
    predecessors = sorted(p.code for p in org.predecessors.all())
    if predecessors:
        body["predecessors"] = predecessors
    return body


def _service(service: Any) -> dict[str, Any]:
    bands = list(service.bands.all())
    pricing: dict[str, Any]
    if service.pricing_model == PricingModel.FLAT:
        pricing = {"model": "flat", "price": bands[0].price_text}
    else:
        pricing = {
            "model": "pooled-volume",
            "ratchet": service.ratchet,
            "bands": [{"from": b.start, "price": b.price_text} for b in bands],
        }
    return {
        "code": service.code,
        "name": service.name,
        "category": service.category,
        "unit": service.unit,
        "classification": service.classification,
        "pricing": pricing,
    }


def _assurance(framework: Framework, document: dict[str, Any]) -> None:
    """The framework's assurance register, added to the organisations and services written."""
    orgs = {o["code"]: o for o in document["organisations"]}
    catalogue = {s["code"]: s for s in document["services"]}
    for entry in SupplierJurisdiction.objects.filter(framework=framework).select_related("organisation"):
        item: dict[str, Any] = {"jurisdiction": entry.jurisdiction, "basis": entry.legal_basis}
        if entry.source:
            item["source"] = entry.source
        if entry.review_date:
            item["review"] = entry.review_date.isoformat()
        orgs[entry.organisation.code].setdefault("exposures", []).append(item)
    for link in SubProcessor.objects.filter(framework=framework).select_related("supplier", "sub_processor"):
        sub: dict[str, Any] = {"code": link.sub_processor.code}
        if link.reviewed_on:
            sub["reviewed"] = link.reviewed_on.isoformat()
        orgs[link.supplier.code].setdefault("sub_processors", []).append(sub)
    for policy in MemberDataPolicy.objects.filter(framework=framework).select_related("member"):
        orgs[policy.member.code]["allowed_countries"] = list(policy.allowed_countries)
    for held in DataClassification.objects.filter(service__framework=framework).select_related("member", "service"):
        value: dict[str, Any] = {"service": held.service.code, "classification": held.classification}
        if held.sensitive:
            value["sensitive"] = True
        orgs[held.member.code].setdefault("data_classifications", []).append(value)
    for location in DataLocation.objects.filter(service__framework=framework).select_related("service"):
        place: dict[str, Any] = {"country": location.country, "activity": location.activity}
        if location.site:
            place["site"] = location.site
        catalogue[location.service.code].setdefault("data_locations", []).append(place)
    for handler in ServiceHandler.objects.filter(service__framework=framework).select_related(
        "service", "organisation"
    ):
        catalogue[handler.service.code].setdefault("handlers", []).append(handler.organisation.code)


def _contracts(framework: Framework) -> list[dict[str, Any]]:
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in ContractLine.objects.filter(contract__framework=framework).select_related("service").order_by("pk"):
        entry: dict[str, Any] = {"service": line.service.code, "quantity": line.quantity}
        if line.start:
            entry["start"] = line.start.isoformat()
        if line.end:
            entry["end"] = line.end.isoformat()
        lines[line.contract_id].append(entry)
    changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for change in (
        ContractChange.objects.filter(contract__framework=framework)
        .select_related("service")
        .order_by("effective", "pk")
    ):
        changes[change.contract_id].append(
            {
                "service": change.service.code,
                "effective": change.effective.isoformat(),
                "quantity": change.quantity,
            }
        )
    result = []
    for contract in CallOffContract.objects.filter(framework=framework).select_related("member").order_by("pk"):
        body: dict[str, Any] = {
            "ref": contract.ref,
            "member": contract.member.code,
            "signed": contract.signed.isoformat(),
            "start": contract.start.isoformat(),
            "end": contract.end.isoformat(),
            "lines": lines[contract.pk],
        }
        if changes[contract.pk]:
            body["changes"] = changes[contract.pk]
        if contract.po_number:
            body["po_number"] = contract.po_number
        result.append(body)
    return result


def _sla(policy: SlaPolicy) -> dict[str, Any]:
    body: dict[str, Any] = {
        "timezone": policy.timezone,
        "business_hours": {
            "days": list(policy.business_days),
            "start": f"{policy.business_start:%H:%M}",
            "end": f"{policy.business_end:%H:%M}",
        },
        "targets": {
            t.priority: {
                "respond": t.respond_minutes,
                "resolve": t.resolve_minutes,
                "clock": t.clock,
            }
            for t in policy.targets.order_by("priority")
        },
    }
    credits = {
        c.priority: {"per_breach": _decimal_text(c.per_breach), "cap": _decimal_text(c.cap)}
        for c in policy.credits.order_by("priority")
    }
    if credits:
        body["service_credits"] = credits
    return body


def _tickets(framework: Framework, zone: zoneinfo.ZoneInfo) -> list[dict[str, Any]]:
    towers = {t.pk: t.code for t in framework.towers.all()}
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ticket_id, at, kind, tower_id in (
        TicketEvent.objects.filter(ticket__framework=framework)
        .order_by("ticket_id", "seq")
        .values_list("ticket_id", "at", "type", "tower_id")
    ):
        if kind == "comment":  # conversation, not SLA history: the scenario format has no notes
            continue
        event: dict[str, Any] = {"at": at.astimezone(zone).isoformat(), "type": kind}
        if kind == "reassigned":
            event["tower"] = towers[tower_id]
        events[ticket_id].append(event)
    result = []
    for ticket in Ticket.objects.filter(framework=framework).select_related("member").order_by("opened_at", "pk"):
        body: dict[str, Any] = {
            "ref": ticket.ref,
            "member": ticket.member.code,
            "kind": ticket.kind,
            "priority": ticket.priority,
        }
        if ticket.initial_tower_id:
            body["tower"] = towers[ticket.initial_tower_id]
        body["title"] = ticket.title
        body["events"] = events[ticket.pk]
        result.append(body)
    return result
