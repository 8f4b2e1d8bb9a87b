"""Writes to frameworks: each validates, saves and audits in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction

from flexhub.core.audit import Actor, audit_record, changed, snapshot
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, Organisation
from flexhub.frameworks.models import Framework

FRAMEWORK_AUDIT_FIELDS = [
    "code",
    "name",
    "authority",
    "integrator",
    "start",
    "end",
    "value_ceiling",
]


def _framework_snapshot(framework: Framework) -> dict[str, Any]:
    values = snapshot(framework, FRAMEWORK_AUDIT_FIELDS)
    if framework.pk:
        values["suppliers"] = sorted(framework.suppliers.values_list("code", flat=True))
    return values


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
) -> Framework:
    """Create the framework with `code` or bring it in line; idempotent.

    The authority, suppliers and integrator are enrolled as participants.
    """
    suppliers = list(suppliers)
    if not authority.is_authority:
        raise RuleError(f"{authority.code} is not an authority", field="authority")
    for supplier in suppliers:
        if not supplier.is_supplier:
            raise RuleError(f"{supplier.code} is not a supplier", field="suppliers")
    if integrator is not None and not integrator.is_integrator:
        raise RuleError(f"{integrator.code} is not an integrator", field="integrator")
    if end < start:
        raise RuleError("the framework ends before it starts", field="end")
    if value_ceiling < 0:
        raise RuleError("the value ceiling cannot be negative", field="value_ceiling")
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


@transaction.atomic
def framework_enrol(
    *, actor: Actor, framework: Framework, organisations: Iterable[Organisation]
) -> None:
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
