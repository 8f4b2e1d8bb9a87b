"""Writes to the assurance register: each validates, saves, audits and, when a fact changes,
sends the decisions it affects back to review, in one transaction.

Facts of the register (a supplier's jurisdictions, its sub-processors, a service's data locations
and handlers) are the authority's; a member's classification of its data, the countries it
allows and its decisions are its admins'. Every fact change ends in `exposure_reassess`, which
compares each current decision's facts with the facts now (rules.exposure.stale_decisions) and
emails the member admins of every decision it sends back, once the change is committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from flexhub.assurance import notify
from flexhub.assurance.models import (
    DataClassification,
    DataLocation,
    DecisionState,
    ExposureDecision,
    MemberDataPolicy,
    ServiceHandler,
    SubProcessor,
    SupplierJurisdiction,
)
from flexhub.assurance.selectors import assess, bought_services, framework_facts
from flexhub.core.audit import Actor, audit_record, changed, snapshot
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, Organisation
from flexhub.core.roles import Role
from flexhub.frameworks.models import Framework, Service
from flexhub.frameworks.services import require_authority
from flexhub.rules import exposure as rules
from flexhub.rules.validation import code_problem, date_range_problem, text_problem

# ----------------------------------------------------------------------------- checks


def _require_member_admin(actor: Actor, member: Organisation, doing: str) -> None:
    """Only the member's own admins (or the operator) speak for its data."""
    user = actor.user
    if user is not None and (user.role != Role.MEMBER_ADMIN or user.organisation_id != member.pk):
        raise RuleError(f"only {member.name}'s admins may {doing}")


def _country(value: str, field: str) -> str:
    value = value.strip().upper()
    if not value:
        raise RuleError("enter a country code, such as GB or US", field=field)
    if problem := code_problem(value):
        raise RuleError(problem, field=field)
    return value


def _text(value: str, field: str, *, max_length: int | None = None, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise RuleError(f"enter the {field.replace('_', ' ')}", field=field)
    if problem := text_problem(value, max_length=max_length):
        raise RuleError(problem, field=field)
    return value


def _date(value: dt.date | None, field: str) -> None:
    if value is not None and (problem := date_range_problem(value)):
        raise RuleError(problem, field=field)


def _participant(framework: Framework, organisation: Organisation, field: str) -> None:
    if not framework.participants.filter(pk=organisation.pk).exists():
        raise RuleError(f"{organisation.code} does not take part in {framework.code}", field=field)


# ----------------------------------------------------------------------------- reassessment


@transaction.atomic
def exposure_reassess(*, actor: Actor, framework: Framework, cause: str) -> list[ExposureDecision]:
    """Send back to review every current decision in the framework whose exposure's facts differ
    from those it was taken on, saying what changed; email each member's admins after commit."""
    decisions = list(
        ExposureDecision.objects.select_for_update()
        .filter(service__framework=framework, state=DecisionState.CURRENT)
        .select_related("service", "member")
    )
    if not decisions:
        return []
    facts = framework_facts(framework)
    now: dict[tuple[int, str, str], dict[str, Any]] = {}
    for member in {d.member for d in decisions}:
        for assessment in assess(framework, member, facts):
            for exposure in assessment.exposures:
                now[member.pk, exposure.service, exposure.jurisdiction] = exposure.facts
    decided = {(d.member_id, d.service.code, d.jurisdiction): d.facts for d in decisions}
    stale = rules.stale_decisions(decided, now)
    sent_back = []
    for decision in decisions:
        changes = stale.get((decision.member_id, decision.service.code, decision.jurisdiction))
        if not changes:
            continue
        decision.state = DecisionState.TO_REVIEW
        decision.review_note = f"{cause}: " + "; ".join(changes)
        decision.save(update_fields=["state", "review_note"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=decision,
            changes={"state": [DecisionState.CURRENT.value, DecisionState.TO_REVIEW.value]},
            organisation=decision.member,
            framework=framework,
            reason=decision.review_note,
        )
        sent_back.append(decision)
    if sent_back:
        ids = [d.pk for d in sent_back]
        transaction.on_commit(lambda: notify.decisions_to_review(ids))
    return sent_back


# ----------------------------------------------------------------------------- the register


@transaction.atomic
def supplier_jurisdiction_save(
    *,
    actor: Actor,
    framework: Framework,
    organisation: Organisation,
    jurisdiction: str,
    legal_basis: str,
    source: str = "",
    review_date: dt.date | None = None,
) -> SupplierJurisdiction:
    """Record (or bring in line) a jurisdiction whose law reaches a supplier or sub-processor."""
    require_authority(actor, framework, "keep the supplier register")
    _participant(framework, organisation, "organisation")
    jurisdiction = _country(jurisdiction, "jurisdiction")
    legal_basis = _text(legal_basis, "legal_basis")
    source = _text(source, "source", max_length=300, required=False)
    _date(review_date, "review_date")
    entry = SupplierJurisdiction.objects.filter(
        framework=framework, organisation=organisation, jurisdiction=jurisdiction
    ).first()
    fields = ["jurisdiction", "legal_basis", "source", "review_date"]
    before = snapshot(entry, fields) if entry else {}
    if entry is None:
        entry = SupplierJurisdiction(framework=framework, organisation=organisation, jurisdiction=jurisdiction)
    entry.legal_basis, entry.source, entry.review_date = legal_basis, source, review_date
    if before == snapshot(entry, fields):
        return entry
    entry.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=entry,
        changes=changed(before, snapshot(entry, fields)),
        organisation=organisation,
        framework=framework,
    )
    exposure_reassess(
        actor=actor, framework=framework, cause=f"{organisation.code} is reached by the law of {jurisdiction}"
    )
    return entry


@transaction.atomic
def sub_processor_save(
    *,
    actor: Actor,
    framework: Framework,
    supplier: Organisation,
    sub_processor: Organisation,
    reviewed_on: dt.date | None = None,
) -> SubProcessor:
    """Record that `sub_processor` handles data for `supplier`, reviewed on a date or not yet."""
    require_authority(actor, framework, "keep the supplier register")
    _participant(framework, supplier, "supplier")
    _participant(framework, sub_processor, "sub_processor")
    if supplier.pk == sub_processor.pk:
        raise RuleError("an organisation cannot be its own sub-processor", field="sub_processor")
    _date(reviewed_on, "reviewed_on")
    link = SubProcessor.objects.filter(framework=framework, supplier=supplier, sub_processor=sub_processor).first()
    before = snapshot(link, ["reviewed_on"]) if link else {}
    if link is None:
        link = SubProcessor(framework=framework, supplier=supplier, sub_processor=sub_processor)
    link.reviewed_on = reviewed_on
    if before and before == snapshot(link, ["reviewed_on"]):
        return link
    link.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=link,
        changes=changed(before, snapshot(link, ["sub_processor", "reviewed_on"])),
        organisation=supplier,
        framework=framework,
    )
    cause = (
        f"{sub_processor.code} became a sub-processor of {supplier.code}"
        if not before
        else f"{sub_processor.code}'s review as a sub-processor of {supplier.code} changed"
    )
    exposure_reassess(actor=actor, framework=framework, cause=cause)
    return link


@transaction.atomic
def data_locations_set(
    *, actor: Actor, service: Service, locations: Sequence[tuple[str, str, str]]
) -> list[DataLocation]:
    """Replace where a service's data is held and processed: (country, site, held|processed)."""
    framework = service.framework
    require_authority(actor, framework, "record where a service's data is")
    wanted = []
    for i, (country, site, activity) in enumerate(locations):
        if activity not in rules.ACTIVITIES:
            raise RuleError(f"locations[{i}]: held or processed, not {activity!r}", field="activity")
        wanted.append((_country(country, "country"), _text(site, "site", max_length=200, required=False), activity))
    wanted = sorted(set(wanted))
    current = sorted(DataLocation.objects.filter(service=service).values_list("country", "site", "activity"))
    if current == wanted:
        return list(DataLocation.objects.filter(service=service))
    DataLocation.objects.filter(service=service).delete()
    rows = DataLocation.objects.bulk_create(
        DataLocation(service=service, country=c, site=s, activity=a) for c, s, a in wanted
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=service,
        changes={
            "data_locations": [
                [" ".join(x for x in r if x) for r in current],
                [" ".join(x for x in r if x) for r in wanted],
            ]
        },
        organisation=None,
        framework=framework,
    )
    exposure_reassess(actor=actor, framework=framework, cause=f"{service.code}'s data moved")
    return rows


@transaction.atomic
def service_handlers_set(*, actor: Actor, service: Service, organisations: Iterable[Organisation]) -> None:
    """Replace the suppliers that handle a service's data (none: the framework's suppliers)."""
    framework = service.framework
    require_authority(actor, framework, "record who handles a service's data")
    chosen = {o.pk: o for o in organisations}
    for organisation in chosen.values():
        _participant(framework, organisation, "organisations")
    current = set(ServiceHandler.objects.filter(service=service).values_list("organisation_id", flat=True))
    if current == set(chosen):
        return
    before = sorted(Organisation.objects.filter(pk__in=current).values_list("code", flat=True))
    ServiceHandler.objects.filter(service=service).delete()
    ServiceHandler.objects.bulk_create(ServiceHandler(service=service, organisation=o) for o in chosen.values())
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=service,
        changes={"handlers": [before, sorted(o.code for o in chosen.values())]},
        organisation=None,
        framework=framework,
    )
    exposure_reassess(actor=actor, framework=framework, cause=f"{service.code} is handled by others")


# ----------------------------------------------------------------------------- the member's own


@transaction.atomic
def member_data_policy_set(
    *, actor: Actor, framework: Framework, member: Organisation, allowed_countries: Iterable[str]
) -> MemberDataPolicy:
    """The countries a member allows its data in the framework's services to be in (none: no limit)."""
    _require_member_admin(actor, member, "set where its data may be held")
    _participant(framework, member, "member")
    countries = sorted({_country(c, "allowed_countries") for c in allowed_countries if c.strip()})
    policy, created = MemberDataPolicy.objects.get_or_create(framework=framework, member=member)
    before = [] if created else list(policy.allowed_countries)
    if not created and before == countries:
        return policy
    policy.allowed_countries = countries
    policy.save(update_fields=["allowed_countries"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=policy,
        changes={"allowed_countries": [before, countries]},
        organisation=member,
        framework=framework,
    )
    return policy


@transaction.atomic
def data_classification_set(
    *, actor: Actor, member: Organisation, service: Service, classification: str, sensitive: bool
) -> DataClassification:
    """Record the classification of the data a member puts into a service it buys; a change sends
    the decisions on that service back to review."""
    _require_member_admin(actor, member, "classify its data")
    if problem := rules.classification_problem(classification, sensitive):
        raise RuleError(problem, field="sensitive" if classification in rules.CLASSIFICATIONS else "classification")
    framework = service.framework
    if service.code not in bought_services(framework, member):
        raise RuleError(f"{member.code} does not buy {service.code}", field="service")
    record = DataClassification.objects.filter(member=member, service=service).first()
    fields = ["classification", "sensitive"]
    before = snapshot(record, fields) if record else {}
    if record is None:
        record = DataClassification(member=member, service=service)
    record.classification, record.sensitive = classification, sensitive
    if before == snapshot(record, fields):
        return record
    record.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=record,
        changes=changed(before, snapshot(record, fields)),
        organisation=member,
        framework=framework,
    )
    exposure_reassess(
        actor=actor, framework=framework, cause=f"{member.code} marked its data in {service.code} {record.label}"
    )
    return record


@transaction.atomic
def exposure_decide(
    *,
    actor: Actor,
    member: Organisation,
    service: Service,
    jurisdiction: str,
    outcome: str,
    reason: str,
    mitigations: Sequence[str] = (),
    decided_on: dt.date | None = None,
    review_date: dt.date | None = None,
) -> ExposureDecision:
    """Record a member's decision on an exposure its data has now, on the facts as they stand;
    a decision taken before is replaced (its history stays in the audit log)."""
    _require_member_admin(actor, member, "decide on its exposure")
    framework = service.framework
    decided_on = decided_on or timezone.localdate()
    _date(decided_on, "decided_on")
    _date(review_date, "review_date")
    mitigations = [m.strip() for m in mitigations if m.strip()]
    problems = rules.decision_problems(
        outcome=outcome, mitigations=mitigations, reason=reason, decided_on=decided_on, review=review_date
    )
    if problems:
        field, message = problems[0]
        raise RuleError(message, field=field)
    exposure = next(
        (
            e
            for a in assess(framework, member, framework_facts(framework))
            if a.service == service.code
            for e in a.exposures
            if e.jurisdiction == jurisdiction
        ),
        None,
    )
    if exposure is None:
        raise RuleError(
            f"{member.code}'s data in {service.code} is not reached by the law of {jurisdiction!r}",
            field="exposure",
        )
    decision = (
        ExposureDecision.objects.select_for_update()
        .filter(member=member, service=service, jurisdiction=jurisdiction)
        .first()
    )
    fields = ["outcome", "mitigations", "reason", "decided_by_label", "decided_on", "review_date", "state"]
    before = snapshot(decision, fields) if decision else {}
    if decision is None:
        decision = ExposureDecision(member=member, service=service, jurisdiction=jurisdiction)
    decision.outcome = outcome
    decision.mitigations = mitigations
    decision.reason = reason.strip()
    decision.decided_by = actor.user
    decision.decided_by_label = actor.label[:200]
    decision.decided_on = decided_on
    decision.review_date = review_date
    decision.state = DecisionState.CURRENT
    decision.facts = exposure.facts
    decision.review_note = ""
    decision.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=decision,
        changes=changed(before, snapshot(decision, fields)),
        organisation=member,
        framework=framework,
        reason=decision.reason,
    )
    return decision


# ----------------------------------------------------------------------------- the contract guard


def refused_exposure_guard(*, member: Organisation, services: Iterable[Service], doing: str, contract: str) -> None:
    """Refuse to sign or extend a contract for a service whose exposure the member refused, until
    the member decides again (registered with frameworks.guards)."""
    refused = (
        ExposureDecision.objects.filter(member=member, service__in=list(services), outcome=rules.REFUSE)
        .select_related("service")
        .order_by("service__code", "jurisdiction")
        .first()
    )
    if refused is not None:
        raise RuleError(
            f"{contract} cannot be {'signed' if doing == 'sign' else 'extended'}: {member.code} refused the exposure of"
            f" its data in {refused.service.code} to the law of {refused.jurisdiction} on {refused.decided_on}"
            " (record a new decision on the Assurance page first)"
        )
