"""Bulk writers of a framework's contracts and deliveries, for loads of thousands at a time.

`flexhub load` checks a whole scenario first (with the same rules as the services:
rules/validation.py) and then hands its contracts and deliveries here: they are
compared with what is stored and written in bulk, each one created or changed
audited, so loading the same file twice changes nothing. Any object with the
attributes of the protocols below will do; the scenario checker's specs have them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from flexhub.core.audit import Actor, audit_build, audit_bulk
from flexhub.core.bulk import LoadCounts, insert_rows
from flexhub.core.models import AuditAction, Organisation
from flexhub.frameworks.models import CallOffContract, ContractChange, ContractLine, Delivery, Framework, Service

BATCH = 5000


class LineLike(Protocol):
    @property
    def service(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def start(self) -> dt.date | None: ...
    @property
    def end(self) -> dt.date | None: ...


class ChangeLike(Protocol):
    @property
    def service(self) -> str: ...
    @property
    def effective(self) -> dt.date: ...
    @property
    def quantity(self) -> int: ...


class ContractLike(Protocol):
    @property
    def ref(self) -> str: ...
    @property
    def member(self) -> str: ...
    @property
    def signed(self) -> dt.date: ...
    @property
    def start(self) -> dt.date: ...
    @property
    def end(self) -> dt.date: ...
    @property
    def lines(self) -> Sequence[LineLike]: ...
    @property
    def changes(self) -> Sequence[ChangeLike]: ...
    @property
    def po_number(self) -> str: ...
    @property
    def committed_value(self) -> Decimal: ...


class DeliveryLike(Protocol):
    @property
    def contract(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def text(self) -> str: ...


def _contract_summary(spec: ContractLike) -> dict[str, Any]:
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
        "po_number": spec.po_number,
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
        "po_number": contract.po_number,
    }


def contracts_load(
    *,
    actor: Actor,
    framework: Framework,
    specs: Sequence[ContractLike],
    orgs: Mapping[str, Organisation],
    services: Mapping[str, Service],
    counts: LoadCounts,
) -> dict[str, CallOffContract]:
    """Bring the framework's contracts in line with `specs` (checked already): new ones inserted
    in bulk, changed ones rewritten, each created or changed one audited."""
    stored = {c.ref: c for c in framework.contracts.select_related("member")}
    lines: dict[int, list[ContractLine]] = defaultdict(list)
    for line in ContractLine.objects.filter(contract__framework=framework).select_related("service"):
        lines[line.contract_id].append(line)
    changes: dict[int, list[ContractChange]] = defaultdict(list)
    for change in ContractChange.objects.filter(contract__framework=framework).select_related("service"):
        changes[change.contract_id].append(change)
    audit = []
    to_rewrite: list[tuple[CallOffContract, ContractLike]] = []
    new_contracts: list[tuple[CallOffContract, ContractLike]] = []
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
                po_number=spec.po_number,
            )
            new_contracts.append((contract, spec))
            continue
        before = _stored_summary(contract, lines[contract.pk], changes[contract.pk])
        if before == wanted:
            counts.unchanged["contracts"] += 1
            continue
        contract.member = orgs[spec.member]
        contract.signed, contract.start, contract.end = spec.signed, spec.start, spec.end
        contract.committed_value = spec.committed_value
        contract.po_number = spec.po_number
        contract.save()
        to_rewrite.append((contract, spec))
        counts.updated["contracts"] += 1
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
        counts.created["contracts"] += 1
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
    # Lines and changes as plain rows: a scenario may hold hundreds of thousands of seat changes.
    written = [*new_contracts, *to_rewrite]
    insert_rows(
        ContractLine,
        ("contract_id", "service_id", "quantity", "start", "end"),
        (
            (c.pk, services[line.service].pk, line.quantity, line.start, line.end)
            for c, spec in written
            for line in spec.lines
        ),
    )
    insert_rows(
        ContractChange,
        ("contract_id", "service_id", "effective", "quantity"),
        ((c.pk, services[ch.service].pk, ch.effective, ch.quantity) for c, spec in written for ch in spec.changes),
    )
    audit_bulk(audit)
    return stored


def deliveries_load(
    *,
    actor: Actor,
    framework: Framework,
    specs: Sequence[DeliveryLike],
    contracts: Mapping[str, CallOffContract],
    services: Mapping[str, Service],
    counts: LoadCounts,
) -> None:
    """Record the deliveries of `specs` (checked already) that are new or changed, each audited."""
    stored = {(d.contract_id, d.service_id, d.date): d for d in Delivery.objects.filter(contract__framework=framework)}
    audit = []
    for spec in specs:
        contract = contracts[spec.contract]
        service = services[spec.service]
        delivery = stored.get((contract.pk, service.pk, spec.date))
        if delivery is not None and delivery.quantity == spec.quantity:
            counts.unchanged["deliveries"] += 1
            continue
        if delivery is None:
            delivery = Delivery.objects.create(
                contract=contract, service=service, date=spec.date, quantity=spec.quantity
            )
            counts.created["deliveries"] += 1
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
            counts.updated["deliveries"] += 1
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
