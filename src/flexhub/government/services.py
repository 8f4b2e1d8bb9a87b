"""Machinery-of-government changes: a new organisation formed from predecessors (whole or in
part), or one organisation merged into another. A dry run (`mog_plan`) says exactly what would
move; `mog_apply` moves it in one transaction, keeping every record's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from flexhub.assets.models import Asset, AssetEvent
from flexhub.core.audit import Actor, audit_insert_rows, audit_record, audit_row
from flexhub.core.bulk import insert_rows
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, Organisation
from flexhub.core.roles import Role
from flexhub.core.services import organisation_save
from flexhub.core.tenancy import administers
from flexhub.directory.models import StaffEvent, StaffMember, StaffStatus
from flexhub.frameworks.models import CallOffContract, Framework
from flexhub.frameworks.services import framework_enrol
from flexhub.government.models import ChangeKind, MachineryChange
from flexhub.servicedesk.models import OPEN_STATES, Ticket

SAMPLE = 20


@dataclass
class MogPlan:
    """What a change would do; `keys` are the ids that will move, by kind."""

    kind: str
    successor_code: str
    successor_name: str
    predecessors: list[Organisation]
    effective: dt.date
    reason: str
    into: Organisation | None = None
    existing: Organisation | None = None  # a successor declared beforehand (a scenario's predecessors)
    keys: dict[str, list[int]] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "successor": self.successor_code,
            "successor_name": self.successor_name,
            "predecessors": [p.code for p in self.predecessors],
            "effective": self.effective.isoformat(),
            "moves": {kind: len(ids) for kind, ids in self.keys.items()},
            "examples": self.samples,
        }


def _require_authority(actor: Actor, organisations: list[Organisation]) -> None:
    """Only an authority admin who administers every organisation concerned (core.tenancy's one
    rule: each takes part only in frameworks its authority runs) changes their shape; the
    operator, on the command line, may change any."""
    user = actor.user
    if user is None:
        return
    if user.role != Role.AUTHORITY_ADMIN:
        raise RuleError("only an authority admin can make a machinery-of-government change")
    for organisation in organisations:
        if not administers(user, organisation):
            raise RuleError(
                f"you do not administer {organisation.code}: an authority changes only organisations "
                "that take part solely in frameworks it runs (the operator changes others with flexhub mog)",
                field="predecessors",
            )


def mog_plan(
    *,
    actor: Actor,
    kind: str,
    predecessors: list[Organisation],
    effective: dt.date,
    reason: str,
    code: str = "",
    name: str = "",
    into: Organisation | None = None,
    units: list[str] | None = None,
    staff_emails: list[str] | None = None,
    contract_refs: list[str] | None = None,
    move_assets: bool = True,
    move_contracts: bool = True,
    move_tickets: bool = True,
) -> MogPlan:
    """Work out exactly what the change would move, writing nothing.

    In part: `units` or `staff_emails` choose the staff (their assets and tickets follow), and
    `contract_refs` the contracts; otherwise everything of the predecessors moves."""
    if kind not in ChangeKind.values:
        raise RuleError(f"unknown kind of change {kind!r} (form or merge)", field="kind")
    if not predecessors:
        raise RuleError("name the predecessor organisations", field="predecessors")
    if not reason.strip():
        raise RuleError("say why (the reason is kept with the change)", field="reason")
    for org in predecessors:
        if not org.is_member:
            raise RuleError(f"{org.code} is not a member body", field="predecessors")
    if kind == ChangeKind.FORM:
        code = code.strip().upper()
        declared = Organisation.objects.filter(code__iexact=code).first() if code else None
        if declared is not None:
            # A successor a scenario file declared with these predecessors, not formed yet: the
            # change fills it, beside any new starters its admins have already imported.
            declared_from = set(declared.predecessors.values_list("pk", flat=True))
            if not {p.pk for p in predecessors} <= declared_from:
                raise RuleError(f"the code {code} is taken by {declared.name}: choose another code", field="code")
            formed = MachineryChange.objects.filter(successor=declared, kind=ChangeKind.FORM).first()
            if formed is not None:
                when = f"{formed.effective.day} {formed.effective:%B %Y}"
                raise RuleError(f"{code} was already formed from its predecessors on {when}", field="code")
            name = name.strip() or declared.name
        if not code or not name.strip():
            raise RuleError("give the new organisation's code and name", field="code")
        _require_authority(actor, predecessors)
        plan = MogPlan(kind, code, name.strip(), predecessors, effective, reason.strip(), existing=declared)
    else:
        if into is None:
            raise RuleError("choose the organisation to merge into", field="into")
        if len(predecessors) != 1:
            raise RuleError("merge one organisation at a time", field="predecessors")
        if into.pk == predecessors[0].pk:
            raise RuleError("an organisation cannot merge into itself", field="into")
        _require_authority(actor, [*predecessors, into])
        plan = MogPlan(kind, into.code, into.name, predecessors, effective, reason.strip(), into=into)
        units = staff_emails = contract_refs = None  # a merge moves everything
    staff = StaffMember.objects.filter(organisation__in=predecessors).exclude(status=StaffStatus.TRANSFERRED)
    if units:
        staff = staff.filter(unit__in=units)
    if staff_emails:
        wanted = {e.strip().lower() for e in staff_emails if e.strip()}
        staff = staff.filter(email__in=wanted)
        unknown = wanted - set(staff.values_list("email", flat=True))
        if unknown:
            raise RuleError(f"{sorted(unknown)[0]} is not in the predecessors' directories", field="staff_emails")
    partial = bool(units or staff_emails)
    plan.keys["staff"] = list(staff.order_by("pk").values_list("pk", flat=True))
    plan.samples["staff"] = [f"{n} <{e}>" for n, e in staff.order_by("name").values_list("name", "email")[:SAMPLE]]
    successor = plan.into or plan.existing
    _refuse_twice(
        StaffMember.objects.filter(Q(pk__in=staff.values("pk")) | Q(organisation=successor)),
        "email",
        f"{plan.successor_code}'s directory",
    )
    if move_assets:
        assets = Asset.objects.filter(owner__in=predecessors)
        if partial:
            assets = assets.filter(assigned_to__in=staff)
        plan.keys["assets"] = list(assets.order_by("pk").values_list("pk", flat=True))
        plan.samples["assets"] = list(assets.order_by("asset_tag").values_list("asset_tag", flat=True)[:SAMPLE])
        _refuse_twice(
            Asset.objects.filter(Q(pk__in=assets.values("pk")) | Q(owner=successor)),
            "asset_tag",
            f"{plan.successor_code}'s asset register",
        )
    if move_contracts:
        contracts = CallOffContract.objects.filter(member__in=predecessors)
        if contract_refs:
            contracts = contracts.filter(ref__in=contract_refs)
            unknown_refs = set(contract_refs) - set(contracts.values_list("ref", flat=True))
            if unknown_refs:
                raise RuleError(
                    f"{sorted(unknown_refs)[0]} is not a contract of the predecessors", field="contract_refs"
                )
        plan.keys["contracts"] = list(contracts.order_by("pk").values_list("pk", flat=True))
        plan.samples["contracts"] = list(contracts.order_by("ref").values_list("ref", flat=True)[:SAMPLE])
    if move_tickets:
        tickets = Ticket.objects.filter(member__in=predecessors, status__in=OPEN_STATES)
        if partial:
            tickets = tickets.filter(Q(raised_by__staff__in=staff) | Q(raised_by__isnull=True))
        plan.keys["tickets"] = list(tickets.order_by("pk").values_list("pk", flat=True))
        plan.samples["tickets"] = list(tickets.order_by("ref").values_list("ref", flat=True)[:SAMPLE])
    return plan


def _refuse_twice(records: QuerySet[Any], key: str, where: str) -> None:
    """Refuse a change that would put one email (or asset tag) twice into the successor: each is
    unique within an organisation. The authority making the change administers every
    organisation involved, so naming the clash tells it nothing it may not see."""
    clash = (
        records.values(key).annotate(n=Count("pk")).filter(n__gt=1).order_by(key).values_list(key, flat=True).first()
    )
    if clash is not None:
        raise RuleError(f"{clash} would be in {where} twice: change or remove one of them first", field="predecessors")


@transaction.atomic
def mog_apply(*, actor: Actor, plan: MogPlan) -> MachineryChange:
    """Carry out a planned change: the successor formed (or chosen), everything planned moved,
    each moved record's history and audit entry written; the predecessors stay, marked."""
    now = timezone.now()
    if plan.kind == ChangeKind.FORM and plan.existing is not None:
        successor = plan.existing
    elif plan.kind == ChangeKind.FORM:
        first = plan.predecessors[0]
        successor = organisation_save(
            actor=actor,
            code=plan.successor_code,
            name=plan.successor_name,
            roles=["member"],
            region=first.region,
            predecessors=plan.predecessors,
        )
    else:
        assert plan.into is not None
        successor = plan.into
        existing = list(successor.predecessors.all())
        organisation_save(
            actor=actor,
            code=successor.code,
            name=successor.name,
            roles=successor.roles,
            region=successor.region,
            jurisdictions=successor.jurisdictions,
            foreign_law_exposure=successor.foreign_law_exposure,
            predecessors=[*existing, *[p for p in plan.predecessors if p not in existing]],
        )
    for framework in Framework.objects.filter(participants__in=plan.predecessors).distinct():
        framework_enrol(actor=actor, framework=framework, organisations=[successor])
    label = actor.label[:200]
    note = f"{ChangeKind(plan.kind).label} on {plan.effective}: {plan.reason}"

    def audit_moves(object_type: str, rows: list[tuple[int, str, str]]) -> None:
        audit_insert_rows(
            audit_row(
                actor=actor,
                at=now,
                action=AuditAction.UPDATE,
                object_type=object_type,
                object_id=pk,
                object_repr=text,
                organisation_id=successor.pk,
                changes={"organisation": [old, successor.code]},
                reason=plan.reason,
            )
            for pk, text, old in rows
        )

    codes = {p.pk: p.code for p in plan.predecessors}
    staff_ids = plan.keys.get("staff", [])
    for chunk_start in range(0, len(staff_ids), 5000):
        ids = staff_ids[chunk_start : chunk_start + 5000]
        rows = list(StaffMember.objects.filter(pk__in=ids).values_list("pk", "email", "organisation_id"))
        insert_rows(
            StaffEvent,
            ("staff_id", "at", "effective", "kind", "from_organisation_id", "to_organisation_id", "note"),
            [(pk, now, plan.effective, "moved", org, successor.pk, note[:300]) for pk, _, org in rows],
        )
        audit_moves("directory.staffmember", [(pk, e, codes[o]) for pk, e, o in rows])
        for org_id in {o for _, _, o in rows}:
            StaffMember.objects.filter(pk__in=ids, organisation_id=org_id, predecessor__isnull=True).update(
                predecessor_id=org_id
            )
        StaffMember.objects.filter(pk__in=ids).update(organisation=successor)
    asset_ids = plan.keys.get("assets", [])
    for chunk_start in range(0, len(asset_ids), 5000):
        ids = asset_ids[chunk_start : chunk_start + 5000]
        rows = list(Asset.objects.filter(pk__in=ids).values_list("pk", "asset_tag", "owner_id"))
        insert_rows(
            AssetEvent,
            ("asset_id", "at", "kind", "from_value", "to_value", "actor_label", "note"),
            [(pk, now, "owner", codes[o], successor.code, label, note[:300]) for pk, _, o in rows],
        )
        audit_moves("assets.asset", [(pk, t, codes[o]) for pk, t, o in rows])
        Asset.objects.filter(pk__in=ids).update(owner=successor)
    for object_type, model, attribute, key in (
        ("frameworks.calloffcontract", CallOffContract, "member", "contracts"),
        ("servicedesk.ticket", Ticket, "member", "tickets"),
    ):
        ids = plan.keys.get(key, [])
        rows = list(model.objects.filter(pk__in=ids).values_list("pk", "ref", f"{attribute}_id"))
        audit_moves(object_type, [(pk, r, codes[o]) for pk, r, o in rows])
        model.objects.filter(pk__in=ids).update(**{attribute: successor})
    change = MachineryChange.objects.create(
        kind=plan.kind,
        successor=successor,
        effective=plan.effective,
        reason=plan.reason,
        performed_by=label,
        performed_at=now,
        moved={kind: len(ids) for kind, ids in plan.keys.items()},
    )
    change.predecessors.set(plan.predecessors)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=change,
        changes={"predecessors": [None, [p.code for p in plan.predecessors]], "moved": [None, change.moved]},
        organisation=successor,
        reason=plan.reason,
    )
    return change
