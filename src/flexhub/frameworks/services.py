"""Writes to frameworks: each validates, saves and audits in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from flexhub.core.audit import Actor, audit_record, changed, snapshot
from flexhub.core.errors import RuleError, raise_first
from flexhub.core.models import AuditAction, Organisation
from flexhub.core.roles import OrganisationRole, Role
from flexhub.core.services import organisation_save
from flexhub.core.tenancy import is_authority_of
from flexhub.frameworks.guards import check_contract_guards
from flexhub.frameworks.models import (
    CallOffContract,
    Category,
    Classification,
    ContractChange,
    ContractLine,
    Delivery,
    Framework,
    PriceBand,
    PricingModel,
    SeatChangeRequest,
    SeatChangeStatus,
    Service,
    Tower,
    Unit,
    VatRate,
)
from flexhub.frameworks.selectors import ceiling_position, framework_pricing, pooled_lines
from flexhub.rules.pricing import (
    ContractTerms,
    LineTerms,
    Pricing,
    ceiling_refusal_text,
    committed_value_of,
)
from flexhub.rules.validation import (
    ChangeShape,
    LineShape,
    band_problems,
    code_problem,
    contract_problems,
    delivery_problems,
    framework_term_problems,
    money_problem,
    payment_terms_problem,
    vat_schedule_problems,
)

FRAMEWORK_AUDIT_FIELDS = [
    "code",
    "name",
    "authority",
    "integrator",
    "start",
    "end",
    "value_ceiling",
    "payment_terms_days",
    "invoiced_by",
]


def _framework_snapshot(framework: Framework) -> dict[str, Any]:
    values = snapshot(framework, FRAMEWORK_AUDIT_FIELDS)
    if framework.pk:
        values["suppliers"] = sorted(framework.suppliers.values_list("code", flat=True))
    return values


def _require_code(code: str, field: str) -> None:
    """Codes and references entered on a page, through the API or by command follow the same
    rule as in a scenario file (rules.validation.code_problem): plain enough to read the same
    in a URL, a file name and a spreadsheet cell, where `=1+1` would be a formula."""
    if problem := code_problem(code):
        raise RuleError(problem, field=field)


@transaction.atomic
def framework_save(
    *,
    actor: Actor,
    code: str,
    name: str,
    authority: Organisation,
    suppliers: Iterable[Organisation],
    start: dt.date,
    end: dt.date,
    value_ceiling: Decimal,
    integrator: Organisation | None = None,
    payment_terms_days: int = 30,
    invoiced_by: Organisation | None = None,
) -> Framework:
    """Create the framework with `code` or bring it in line; idempotent.

    The authority, suppliers and integrator are enrolled as participants. `invoiced_by` names
    whose VAT invoices the members get (by default the sole supplier).
    """
    suppliers = list(suppliers)
    _require_code(code, "code")
    if not authority.is_authority:
        raise RuleError(f"{authority.code} is not an authority", field="authority")
    for supplier in suppliers:
        if not supplier.is_supplier:
            raise RuleError(f"{supplier.code} is not a supplier", field="suppliers")
    if integrator is not None and not integrator.is_integrator:
        raise RuleError(f"{integrator.code} is not an integrator", field="integrator")
    raise_first(framework_term_problems(start, end))
    if problem := money_problem(format(value_ceiling, "f")):
        raise RuleError(f"the value ceiling: {problem}", field="value_ceiling")
    _check_invoicing(payment_terms_days, invoiced_by, authority, suppliers, integrator)
    framework = Framework.objects.filter(code=code).first()
    created = framework is None
    if framework is None:
        framework = Framework(code=code)
        before: dict[str, Any] = {}
    else:
        before = _framework_snapshot(framework)
    framework.name = name
    framework.authority = authority
    framework.integrator = integrator
    framework.start = start
    framework.end = end
    framework.value_ceiling = value_ceiling
    framework.payment_terms_days = payment_terms_days
    framework.invoiced_by = invoiced_by
    after = snapshot(framework, FRAMEWORK_AUDIT_FIELDS)
    after["suppliers"] = sorted(s.code for s in suppliers)
    changes = changed(before, after)
    if changes:
        framework.save()
        framework.suppliers.set(suppliers)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            instance=framework,
            changes=changes,
            organisation=authority,
            framework=framework,
        )
    framework_enrol(
        actor=actor,
        framework=framework,
        organisations=[authority, *suppliers, *([integrator] if integrator else [])],
    )
    return framework


def _check_invoicing(
    days: int,
    invoiced_by: Organisation | None,
    authority: Organisation,
    suppliers: list[Organisation],
    integrator: Organisation | None,
) -> None:
    if problem := payment_terms_problem(days):
        raise RuleError(problem, field="payment_terms_days")
    parties = {authority.pk, *(s.pk for s in suppliers), *([integrator.pk] if integrator else [])}
    if invoiced_by is not None and invoiced_by.pk not in parties:
        raise RuleError(
            f"{invoiced_by.code} invoices the members only if it is the framework's authority, "
            "a supplier or its integrator",
            field="invoiced_by",
        )


@transaction.atomic
def framework_invoicing_set(
    *, actor: Actor, framework: Framework, payment_terms_days: int, invoiced_by: Organisation | None
) -> Framework:
    """The authority sets how long members have to pay and whose VAT invoices they receive."""
    require_authority(actor, framework, "change the framework's invoicing")
    _check_invoicing(
        payment_terms_days, invoiced_by, framework.authority, list(framework.suppliers.all()), framework.integrator
    )
    before = snapshot(framework, ["payment_terms_days", "invoiced_by"])
    framework.payment_terms_days = payment_terms_days
    framework.invoiced_by = invoiced_by
    changes = changed(before, snapshot(framework, ["payment_terms_days", "invoiced_by"]))
    if changes:
        framework.save(update_fields=["payment_terms_days", "invoiced_by"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=framework,
            changes=changes,
            organisation=framework.authority,
            framework=framework,
        )
    return framework


def invoicing_party(framework: Framework) -> Organisation | None:
    """Whose VAT invoices the members receive: the named organisation, else the sole supplier."""
    if framework.invoiced_by_id is not None:
        return framework.invoiced_by
    suppliers = list(framework.suppliers.all()[:2])
    return suppliers[0] if len(suppliers) == 1 else None


@transaction.atomic
def contract_po_number_set(*, actor: Actor, contract: CallOffContract, po_number: str) -> CallOffContract:
    """The member's purchase-order number, quoted on every invoice for the contract."""
    require_authority(actor, contract.framework, "change a contract's purchase-order number")
    po_number = po_number.strip()
    if len(po_number) > 64:
        raise RuleError("a purchase-order number has at most 64 characters", field="po_number")
    if po_number != contract.po_number:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=contract,
            changes={"po_number": [contract.po_number, po_number]},
            organisation=contract.member,
            framework=contract.framework,
        )
        contract.po_number = po_number
        contract.save(update_fields=["po_number"])
    return contract


@transaction.atomic
def framework_enrol(*, actor: Actor, framework: Framework, organisations: Iterable[Organisation]) -> None:
    """Enrol organisations as participants of a framework (audited once per newcomer)."""
    present = set(framework.participants.values_list("pk", flat=True))
    for organisation in organisations:
        if organisation.pk in present:
            continue
        framework.participants.add(organisation)
        present.add(organisation.pk)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=framework,
            changes={"participants": [None, f"+{organisation.code}"]},
            organisation=organisation,
            framework=framework,
        )


@transaction.atomic
def organisation_onboard(
    *, actor: Actor, code: str, name: str, roles: Iterable[str], region: str, framework: Any
) -> Organisation:
    """An authority adds a new body to one of its frameworks; an existing code is refused."""
    user = actor.user
    if user is not None and not is_authority_of(user, framework):
        raise RuleError("only the framework's authority admins may add organisations to it")
    if problem := code_problem(code):
        raise RuleError(problem, field="code")
    if Organisation.objects.filter(code__iexact=code).exists():
        raise RuleError(f"the code {code} is taken", field="code")
    if OrganisationRole.AUTHORITY in roles:
        raise RuleError("a framework has one authority", field="roles")
    organisation = organisation_save(actor=actor, code=code, name=name, roles=roles, region=region)
    framework_enrol(actor=actor, framework=framework, organisations=[organisation])
    return organisation


def require_authority(actor: Actor, framework: Framework, doing: str = "do this") -> None:
    """Only the framework's authority admins (or the CLI) change its catalogue, contracts and bills."""
    if actor.user is not None and not is_authority_of(actor.user, framework):
        raise RuleError(f"only the framework's authority admins may {doing}")


@transaction.atomic
def vat_rates_set(*, actor: Actor, framework: Framework, rates: list[tuple[dt.date, Decimal]]) -> None:
    """Replace the framework's VAT rates (each in force from its date to the next)."""
    wanted = sorted(rates)
    raise_first(vat_schedule_problems([(d, r, format(r, "f")) for d, r in wanted], framework.start))
    existing = [(v.start, v.rate) for v in framework.vat_rates.order_by("start")]
    if [(d, r.normalize()) for d, r in existing] == [(d, r.normalize()) for d, r in wanted]:
        return
    framework.vat_rates.all().delete()
    VatRate.objects.bulk_create(VatRate(framework=framework, start=d, rate=r) for d, r in wanted)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=framework,
        changes={"vat_rates": [[f"{d}: {r}" for d, r in existing], [f"{d}: {r}" for d, r in wanted]]},
        organisation=framework.authority,
        framework=framework,
    )


@transaction.atomic
def tower_save(*, actor: Actor, framework: Framework, code: str, name: str, supplier: Organisation) -> Tower:
    """Create or update a tower; its supplier must be one of the framework's."""
    _require_code(code, "code")
    if not framework.suppliers.filter(pk=supplier.pk).exists():
        raise RuleError(f"{supplier.code} is not a supplier of {framework.code}", field="supplier")
    tower = Tower.objects.filter(framework=framework, code=code).first()
    before = snapshot(tower, ["name", "supplier"]) if tower else {}
    tower = tower or Tower(framework=framework, code=code)
    tower.name = name
    tower.supplier = supplier
    changes = changed(before, snapshot(tower, ["name", "supplier"]))
    if changes:
        created = tower.pk is None
        tower.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            instance=tower,
            changes=changes,
            organisation=framework.authority,
            framework=framework,
        )
    return tower


SERVICE_AUDIT_FIELDS = [
    "code",
    "name",
    "category",
    "unit",
    "classification",
    "pricing_model",
    "ratchet",
]


@transaction.atomic
def service_save(
    *,
    actor: Actor,
    framework: Framework,
    code: str,
    name: str,
    category: str,
    unit: str,
    classification: str,
    pricing_model: str,
    ratchet: bool,
    bands: list[tuple[int, str]],
) -> Service:
    """Create or update a catalogue service and its price bands (`(from, price text)`).

    A flat service has one band from 0; pooled bands start at 0 and rise.
    """
    require_authority(actor, framework)
    _require_code(code, "code")
    for field_name, value, choices in (
        ("category", category, Category.values),
        ("unit", unit, Unit.values),
        ("classification", classification, Classification.values),
        ("pricing_model", pricing_model, PricingModel.values),
    ):
        if value not in choices:
            raise RuleError(f"unknown {field_name.replace('_', ' ')} {value!r}", field=field_name)
    parsed = _parse_bands(bands, pricing_model)
    service = Service.objects.filter(framework=framework, code=code).first()
    created = service is None
    before = _service_snapshot(service) if service else {}
    service = service or Service(framework=framework, code=code)
    service.name = name
    service.category = category
    service.unit = unit
    service.classification = classification
    service.pricing_model = pricing_model
    service.ratchet = ratchet and pricing_model == PricingModel.POOLED
    after = snapshot(service, SERVICE_AUDIT_FIELDS)
    after["bands"] = [f"{start}: {text}" for start, _, text in parsed]
    changes = changed(before, after)
    if not changes:
        return service
    service.save()
    if "bands" in changes:
        service.bands.all().delete()
        PriceBand.objects.bulk_create(
            PriceBand(service=service, start=start, price=price, price_text=text) for start, price, text in parsed
        )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=service,
        changes=changes,
        organisation=framework.authority,
        framework=framework,
    )
    return service


def _service_snapshot(service: Service) -> dict[str, Any]:
    values = snapshot(service, SERVICE_AUDIT_FIELDS)
    values["bands"] = [f"{b.start}: {b.price_text}" for b in service.bands.order_by("start")]
    return values


def _parse_bands(bands: list[tuple[int, str]], pricing_model: str) -> list[tuple[int, Decimal, str]]:
    """`(from, price text)` pairs checked by the same rules as a scenario file's, then parsed."""
    texts = [(start, str(text).strip()) for start, text in bands]
    raise_first(band_problems(pricing_model, texts))
    return [(start, Decimal(text), text) for start, text in texts]


@dataclass(frozen=True)
class LineInput:
    """A contract line as a form, the API or a scenario file gives it."""

    service: str
    quantity: int
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class ChangeInput:
    service: str
    effective: dt.date
    quantity: int


def _check_contract_shape(
    framework: Framework,
    services: dict[str, Service],
    *,
    signed: dt.date | None,
    start: dt.date,
    end: dt.date,
    lines: list[LineInput],
    changes: list[ChangeInput],
) -> None:
    """The contract rules a scenario file is checked against, for a contract signed here."""
    raise_first(
        contract_problems(
            framework_term=(framework.start, framework.end),
            signed=signed,
            start=start,
            end=end,
            lines=[LineShape(line.service, line.quantity, line.start, line.end) for line in lines],
            changes=[ChangeShape(change.service, change.effective, change.quantity) for change in changes],
            units={code: service.unit for code, service in services.items()},
        )
    )


def committed_value_at_signing(
    framework: Framework, terms: ContractTerms, *, pricing: dict[str, Pricing] | None = None
) -> Decimal:
    """The committed value the rules give a contract signed now, with the pools of the
    contracts already signed on or before its signing date."""
    pricing = pricing or framework_pricing(framework)
    earlier = pooled_lines(framework, signed_on_or_before=terms.signed, exclude_ref=terms.ref)
    return committed_value_of(terms, earlier, pricing, framework.start, framework.end)


@transaction.atomic
def contract_sign(
    *,
    actor: Actor,
    framework: Framework,
    ref: str,
    member: Organisation,
    signed: dt.date,
    start: dt.date,
    end: dt.date,
    lines: list[LineInput],
    changes: list[ChangeInput] = (),  # type: ignore[assignment]
    po_number: str = "",
) -> CallOffContract:
    """Sign a call-off: fix its committed value and refuse it if it passes the ceiling."""
    require_authority(actor, framework)
    Framework.objects.select_for_update().filter(pk=framework.pk).first()  # one signing at a time
    ref = ref.strip()
    if not ref:
        raise RuleError("enter a contract reference", field="ref")
    _require_code(ref, "ref")
    if framework.contracts.filter(ref=ref).exists():
        raise RuleError(f"{framework.code} already has a contract {ref}", field="ref")
    if not member.is_member:
        raise RuleError(f"{member.code} is not a member", field="member")
    services = {s.code: s for s in framework.services.all()}
    changes = list(changes)
    _check_contract_shape(framework, services, signed=signed, start=start, end=end, lines=lines, changes=changes)
    terms = ContractTerms(
        ref,
        signed,
        start,
        end,
        tuple(
            LineTerms(
                line.service,
                line.start or start,
                line.end or end,
                line.quantity,
                tuple(sorted((c.effective, c.quantity) for c in changes if c.service == line.service)),
            )
            for line in lines
        ),
    )
    check_contract_guards(
        member=member, services=[services[line.service] for line in lines], doing="sign", contract=ref
    )
    value = committed_value_at_signing(framework, terms)
    refusal = ceiling_refusal_text(ref, value, ceiling_position(framework).committed, framework.value_ceiling)
    if refusal:
        raise RuleError(refusal)
    contract = CallOffContract.objects.create(
        framework=framework,
        ref=ref,
        member=member,
        signed=signed,
        start=start,
        end=end,
        committed_value=value,
        po_number=po_number.strip(),
    )
    ContractLine.objects.bulk_create(
        ContractLine(
            contract=contract,
            service=services[line.service],
            quantity=line.quantity,
            start=line.start,
            end=line.end,
        )
        for line in lines
    )
    ContractChange.objects.bulk_create(
        ContractChange(
            contract=contract,
            service=services[c.service],
            effective=c.effective,
            quantity=c.quantity,
        )
        for c in changes
    )
    framework_enrol(actor=actor, framework=framework, organisations=[member])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=contract,
        changes=changed({}, {**_contract_snapshot(contract), **_lines_snapshot(lines, changes)}),
        organisation=member,
        framework=framework,
    )
    return contract


def _contract_snapshot(contract: CallOffContract) -> dict[str, Any]:
    return snapshot(contract, ["ref", "member", "signed", "start", "end", "committed_value"])


def _lines_snapshot(lines: list[LineInput], changes: list[ChangeInput]) -> dict[str, Any]:
    return {
        "lines": sorted(
            f"{line.service} x {line.quantity}"
            + (f" from {line.start}" if line.start else "")
            + (f" to {line.end}" if line.end else "")
            for line in lines
        ),
        "changes": sorted(f"{c.service} to {c.quantity} from {c.effective}" for c in changes),
    }


def _quantity_on(contract: CallOffContract, service: Service, day: dt.date) -> int:
    """A line's quantity on `day`: its latest change on or before it, else the line's own."""
    change = (
        ContractChange.objects.filter(contract=contract, service=service, effective__lte=day)
        .order_by("-effective")
        .first()
    )
    if change is not None:
        return change.quantity
    line = contract.lines.filter(service=service).first()
    return line.quantity if line is not None else 0


@transaction.atomic
def contract_change_record(
    *,
    actor: Actor,
    contract: CallOffContract,
    service: Service,
    effective: dt.date,
    quantity: int,
    reason: str = "",
) -> ContractChange:
    """Record an effective-dated quantity change of a line (committed value stays as signed)."""
    require_authority(actor, contract.framework)
    if quantity < 0:
        raise RuleError("a quantity cannot be negative", field="quantity")
    if not contract.lines.filter(service=service).exists():
        raise RuleError(f"{contract.ref} has no line for {service.code}", field="service")
    if not contract.start <= effective <= contract.end:
        raise RuleError(
            f"{effective} is outside the contract ({contract.start} to {contract.end})",
            field="effective",
        )
    if quantity > _quantity_on(contract, service, effective):
        check_contract_guards(member=contract.member, services=[service], doing="extend", contract=contract.ref)
    change, created = ContractChange.objects.get_or_create(
        contract=contract, service=service, effective=effective, defaults={"quantity": quantity}
    )
    before = None if created else change.quantity
    if not created and change.quantity != quantity:
        change.quantity = quantity
        change.save(update_fields=["quantity"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=change,
        changes={"quantity": [before, quantity]},
        organisation=contract.member,
        framework=contract.framework,
        reason=reason,
    )
    return change


@transaction.atomic
def delivery_record(
    *, actor: Actor, contract: CallOffContract, service: Service, date: dt.date, quantity: Decimal
) -> Delivery:
    """Record day-rate or fixed-price work delivered under a contract."""
    require_authority(actor, contract.framework)
    if service.framework_id != contract.framework_id:
        raise RuleError("unknown service", field="service")
    raise_first(
        delivery_problems(
            service=service.code,
            unit=service.unit,
            contract_term=(contract.start, contract.end),
            day=date,
            quantity=quantity,
        )
    )
    if Delivery.objects.filter(contract=contract, service=service, date=date).exists():
        raise RuleError(f"{service.code} is already recorded for {date}", field="date")
    delivery = Delivery.objects.create(contract=contract, service=service, date=date, quantity=quantity)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=delivery,
        changes=changed({}, snapshot(delivery, ["service", "date", "quantity"])),
        organisation=contract.member,
        framework=contract.framework,
    )
    return delivery


@transaction.atomic
def seat_change_request(
    *,
    actor: Actor,
    contract: CallOffContract,
    service: Service,
    effective: dt.date,
    quantity: int,
    reason: str = "",
) -> SeatChangeRequest:
    """A member admin asks for a line's quantity to change from a date; the authority decides."""
    user = actor.user
    if user is not None and (user.role != Role.MEMBER_ADMIN or user.organisation_id != contract.member_id):
        raise RuleError("only the member's admins may ask for a seat change")
    if quantity < 0:
        raise RuleError("a quantity cannot be negative", field="quantity")
    if not contract.lines.filter(service=service).exists():
        raise RuleError(f"{contract.ref} has no line for {service.code}", field="service")
    if not contract.start <= effective <= contract.end:
        raise RuleError(
            f"{effective} is outside the contract ({contract.start} to {contract.end})",
            field="effective",
        )
    request = SeatChangeRequest.objects.create(
        contract=contract,
        service=service,
        effective=effective,
        quantity=quantity,
        reason=reason,
        requested_by=user,
        requested_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=request,
        changes=changed({}, snapshot(request, ["service", "effective", "quantity", "status"])),
        organisation=contract.member,
        framework=contract.framework,
        reason=reason,
    )
    return request


@transaction.atomic
def seat_change_decide(*, actor: Actor, request: SeatChangeRequest, approve: bool, note: str = "") -> SeatChangeRequest:
    """The authority approves (recording the change on the contract) or rejects a request."""
    contract = request.contract
    require_authority(actor, contract.framework)
    request = SeatChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != SeatChangeStatus.REQUESTED:
        raise RuleError(f"this request is already {request.get_status_display().lower()}")
    request.status = SeatChangeStatus.APPROVED if approve else SeatChangeStatus.REJECTED
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=request,
        changes={"status": [SeatChangeStatus.REQUESTED.value, request.status]},
        organisation=contract.member,
        framework=contract.framework,
        reason=note,
    )
    if approve:
        contract_change_record(
            actor=actor,
            contract=contract,
            service=request.service,
            effective=request.effective,
            quantity=request.quantity,
            reason=f"seat change request {request.pk} approved",
        )
    return request
