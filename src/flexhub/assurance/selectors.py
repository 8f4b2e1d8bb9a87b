"""Reads of the assurance register: the facts the exposure rules take, and the exposure report.

`framework_facts` and `member_holdings` turn stored rows into the plain values of
`rules.exposure`; `exposure_report` assesses every (framework, member) pair the viewer may see
(through `visible_to`) or, for the operator's command, the pairs it names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from flexhub.assurance.models import (
    DataClassification,
    DataLocation,
    ExposureDecision,
    MemberDataPolicy,
    ServiceHandler,
    SubProcessor,
    SupplierJurisdiction,
)
from flexhub.core.models import Organisation
from flexhub.frameworks.models import CallOffContract, ContractLine, Delivery, Framework, Service
from flexhub.rules import exposure as rules


@dataclass(frozen=True)
class FrameworkFacts:
    """A framework's catalogue and register as the exposure rules see them."""

    services: dict[str, rules.ServiceFacts]
    register: rules.Register
    names: dict[str, str]  # organisation and service codes to names, for pages


def framework_facts(framework: Framework) -> FrameworkFacts:
    """The framework's services (accreditation, handlers, locations) and supplier register.

    An organisation's own `jurisdictions` (the scenario's older, shorter form) count too, with
    its `foreign_law_exposure` as the basis, where the register has no entry for them."""
    catalogue = list(Service.objects.filter(framework=framework).order_by("code"))
    suppliers = sorted(framework.suppliers.values_list("code", flat=True))
    handlers: dict[int, list[str]] = {}
    for service_id, code in ServiceHandler.objects.filter(service__framework=framework).values_list(
        "service_id", "organisation__code"
    ):
        handlers.setdefault(service_id, []).append(code)
    locations: dict[int, list[rules.Location]] = {}
    for location in DataLocation.objects.filter(service__framework=framework).order_by("pk"):
        locations.setdefault(location.service_id, []).append(
            rules.Location(location.country, location.site, location.activity)
        )
    services = {
        s.code: rules.ServiceFacts(
            s.code, s.classification, tuple(sorted(handlers.get(s.pk, suppliers))), tuple(locations.get(s.pk, ()))
        )
        for s in catalogue
    }
    entries = [
        rules.Jurisdiction(code, j, basis, source, review)
        for code, j, basis, source, review in SupplierJurisdiction.objects.filter(framework=framework).values_list(
            "organisation__code", "jurisdiction", "legal_basis", "source", "review_date"
        )
    ]
    recorded = {(e.organisation, e.jurisdiction) for e in entries}
    names = {s.code: s.name for s in catalogue}
    for organisation in framework.participants.all():
        names[organisation.code] = organisation.name
        for jurisdiction in organisation.jurisdictions or []:
            if (organisation.code, jurisdiction) not in recorded:
                basis = organisation.foreign_law_exposure or "listed among the organisation's jurisdictions"
                entries.append(rules.Jurisdiction(organisation.code, jurisdiction, basis))
    links = tuple(
        rules.SubProcessing(supplier, sub, reviewed is not None)
        for supplier, sub, reviewed in SubProcessor.objects.filter(framework=framework).values_list(
            "supplier__code", "sub_processor__code", "reviewed_on"
        )
    )
    for code, name in Organisation.objects.filter(
        code__in=[link.sub_processor for link in links] + [link.supplier for link in links]
    ).values_list("code", "name"):
        names[code] = name
    return FrameworkFacts(services, rules.Register(tuple(entries), links), names)


def bought_services(framework: Framework, member: Organisation) -> list[str]:
    """Codes of the services a member buys in a framework: on its contract lines or delivered."""
    contracts = CallOffContract.objects.filter(framework=framework, member=member)
    codes = set(ContractLine.objects.filter(contract__in=contracts).values_list("service__code", flat=True))
    codes |= set(Delivery.objects.filter(contract__in=contracts).values_list("service__code", flat=True))
    return sorted(codes)


def member_holdings(framework: Framework, member: Organisation) -> dict[str, rules.Holding]:
    """The classifications the member has recorded for its data in the framework's services."""
    return {
        code: rules.Holding(classification, sensitive)
        for code, classification, sensitive in DataClassification.objects.filter(
            member=member, service__framework=framework
        ).values_list("service__code", "classification", "sensitive")
    }


def allowed_countries(framework: Framework, member: Organisation) -> list[str]:
    policy = MemberDataPolicy.objects.filter(framework=framework, member=member).first()
    return list(policy.allowed_countries) if policy else []


def assess(framework: Framework, member: Organisation, facts: FrameworkFacts) -> list[rules.ServiceAssessment]:
    """The member's data in every service it buys in the framework, assessed."""
    bought = [facts.services[code] for code in bought_services(framework, member) if code in facts.services]
    return rules.assess_member(
        bought, member_holdings(framework, member), facts.register, allowed_countries(framework, member)
    )


@dataclass(frozen=True)
class MemberFacts:
    """What members record of their data, for many (framework, member) pairs read at once."""

    bought: dict[tuple[int, int], set[str]]
    holdings: dict[tuple[int, int], dict[str, rules.Holding]]
    allowed: dict[tuple[int, int], list[str]]


def member_facts(pairs: list[tuple[int, int]]) -> MemberFacts:
    """The services bought, the classifications and the allowed countries of every pair, in four
    queries however many members there are."""
    frameworks = {f for f, _ in pairs}
    members = {m for _, m in pairs}
    wanted = set(pairs)
    bought: dict[tuple[int, int], set[str]] = {}
    for framework_id, member_id, code in (
        *ContractLine.objects.filter(
            contract__framework_id__in=frameworks, contract__member_id__in=members
        ).values_list("contract__framework_id", "contract__member_id", "service__code"),
        *Delivery.objects.filter(contract__framework_id__in=frameworks, contract__member_id__in=members).values_list(
            "contract__framework_id", "contract__member_id", "service__code"
        ),
    ):
        bought.setdefault((framework_id, member_id), set()).add(code)
    holdings: dict[tuple[int, int], dict[str, rules.Holding]] = {}
    for framework_id, member_id, code, classification, sensitive in DataClassification.objects.filter(
        service__framework_id__in=frameworks, member_id__in=members
    ).values_list("service__framework_id", "member_id", "service__code", "classification", "sensitive"):
        holdings.setdefault((framework_id, member_id), {})[code] = rules.Holding(classification, sensitive)
    allowed = {
        (framework_id, member_id): list(countries)
        for framework_id, member_id, countries in MemberDataPolicy.objects.filter(
            framework_id__in=frameworks, member_id__in=members
        ).values_list("framework_id", "member_id", "allowed_countries")
        if (framework_id, member_id) in wanted
    }
    return MemberFacts(bought, holdings, allowed)


# The report --------------------------------------------------------------------------------


@dataclass
class ExposureLine:
    """One exposure of one member's data in one service, with its decision."""

    framework: Framework
    member: Organisation
    service: Service
    assessment: rules.ServiceAssessment
    exposure: rules.Exposure
    decision: ExposureDecision | None
    status: str

    @property
    def through(self) -> list[str]:
        return sorted({route.through for route in self.exposure.routes if route.through})


@dataclass
class ServiceLine:
    """A member's data in one service: the assessment and the lines of its exposures."""

    framework: Framework
    member: Organisation
    service: Service
    assessment: rules.ServiceAssessment
    exposures: list[ExposureLine]


@dataclass
class ExposureReport:
    services: list[ServiceLine] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    today: dt.date = field(default_factory=lambda: timezone.localdate())

    @property
    def exposures(self) -> list[ExposureLine]:
        return [line for service in self.services for line in service.exposures]

    @property
    def members(self) -> list[Organisation]:
        return sorted({s.member.pk: s.member for s in self.services}.values(), key=lambda m: m.code)

    def by_supplier(self) -> list[tuple[str, list[ExposureLine]]]:
        """Each organisation through which foreign law reaches members' data, with those exposures."""
        grouped: dict[str, list[ExposureLine]] = {}
        for line in self.exposures:
            for code in line.through:
                grouped.setdefault(code, []).append(line)
        return sorted(grouped.items())

    def by_jurisdiction(self) -> list[tuple[str, list[ExposureLine]]]:
        grouped: dict[str, list[ExposureLine]] = {}
        for line in self.exposures:
            grouped.setdefault(line.exposure.jurisdiction, []).append(line)
        return sorted(grouped.items())

    @property
    def counts(self) -> dict[str, int]:
        """Exposures by status (undecided, to-review, due, and each outcome)."""
        found: dict[str, int] = {}
        for line in self.exposures:
            found[line.status] = found.get(line.status, 0) + 1
        return found


def visible_pairs(user: Any) -> list[tuple[int, int]]:
    """(framework, member) pairs of the contracts the user may see."""
    return sorted(set(CallOffContract.objects.visible_to(user).values_list("framework_id", "member_id")))


def pairs_for_member(member: Organisation) -> list[tuple[int, int]]:
    return sorted(set(CallOffContract.objects.filter(member=member).values_list("framework_id", "member_id")))


def pairs_for_framework(framework: Framework) -> list[tuple[int, int]]:
    return sorted(set(CallOffContract.objects.filter(framework=framework).values_list("framework_id", "member_id")))


def exposure_report(
    *, pairs: Iterable[tuple[int, int]], decisions: Any, today: dt.date | None = None
) -> ExposureReport:
    """Assess each (framework, member) pair; `decisions` is the queryset of decisions to show
    (the viewer's `visible_to`, or all of them for the operator)."""
    pairs = list(pairs)
    report = ExposureReport(today=today or timezone.localdate())
    frameworks = Framework.objects.in_bulk({f for f, _ in pairs})
    members = Organisation.objects.in_bulk({m for _, m in pairs})
    services = {
        (s.framework_id, s.code): s for s in Service.objects.filter(framework__in=frameworks.values()).order_by("code")
    }
    decided = {
        (d.member_id, d.service_id, d.jurisdiction): d
        for d in decisions.filter(member_id__in=members, service__framework__in=frameworks.values()).select_related(
            "service"
        )
    }
    facts_of: dict[int, FrameworkFacts] = {}
    recorded = member_facts(pairs)
    for framework_id, member_id in sorted(pairs, key=lambda p: (frameworks[p[0]].code, members[p[1]].code)):
        framework, member = frameworks[framework_id], members[member_id]
        if framework_id not in facts_of:
            facts_of[framework_id] = framework_facts(framework)
            report.names.update(facts_of[framework_id].names)
        facts = facts_of[framework_id]
        pair = (framework_id, member_id)
        assessments = rules.assess_member(
            [facts.services[code] for code in sorted(recorded.bought.get(pair, ())) if code in facts.services],
            recorded.holdings.get(pair, {}),
            facts.register,
            recorded.allowed.get(pair, []),
        )
        for assessment in assessments:
            service = services[framework_id, assessment.service]
            lines = []
            for exposure in assessment.exposures:
                decision = decided.get((member.pk, service.pk, exposure.jurisdiction))
                status = rules.decision_status(
                    decision.outcome if decision else None,
                    decision.state if decision else None,
                    decision.review_date if decision else None,
                    report.today,
                )
                lines.append(ExposureLine(framework, member, service, assessment, exposure, decision, status))
            report.services.append(ServiceLine(framework, member, service, assessment, lines))
    return report


def report_for_user(user: Any) -> ExposureReport:
    """The exposure report of everything the user may see: a member admin its own data, an
    authority admin every member of the frameworks it runs."""
    return exposure_report(pairs=visible_pairs(user), decisions=ExposureDecision.objects.visible_to(user))


CSV_HEADER = (
    "framework",
    "member",
    "service",
    "classification",
    "accreditation",
    "locations",
    "jurisdiction",
    "through",
    "basis",
    "status",
    "outcome",
    "decided_by",
    "decided_on",
    "review_date",
    "mismatches",
)


def report_csv_rows(report: ExposureReport) -> list[tuple[Any, ...]]:
    """One row per exposure, and one per service with none, for the CSV export."""
    rows: list[tuple[Any, ...]] = []
    for line in report.services:
        a = line.assessment
        common = (
            line.framework.code,
            line.member.code,
            line.service.code,
            a.holding.label,
            a.accreditation,
            "; ".join(rules_location_text(loc) for loc in a.locations),
        )
        mismatches = "; ".join(m.detail for m in a.mismatches)
        if not line.exposures:
            rows.append((*common, "", "", "", "", "", "", None, None, mismatches))
        for e in line.exposures:
            d = e.decision
            rows.append(
                (
                    *common,
                    e.exposure.jurisdiction,
                    "; ".join(e.through),
                    "; ".join(route.basis for route in e.exposure.routes),
                    e.status,
                    d.outcome if d else "",
                    d.decided_by_label if d else "",
                    d.decided_on if d else None,
                    d.review_date if d else None,
                    mismatches,
                )
            )
    return rows


def facts_shown(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """A decision's facts as (label, text) pairs for its page."""
    return [
        (key.capitalize(), "; ".join(str(v) for v in value) if isinstance(value, list) else str(value))
        for key, value in facts.items()
    ]


def rules_location_text(location: rules.Location) -> str:
    return f"{location.activity} in {location.country}" + (f" ({location.site})" if location.site else "")


def _decision_json(decision: ExposureDecision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "id": decision.pk,
        "outcome": decision.outcome,
        "state": decision.state,
        "mitigations": list(decision.mitigations),
        "reason": decision.reason,
        "decided_by": decision.decided_by_label,
        "decided_on": decision.decided_on.isoformat(),
        "review_date": decision.review_date.isoformat() if decision.review_date else None,
        "review_note": decision.review_note,
    }


def _exposure_json(line: ExposureLine) -> dict[str, Any]:
    return {
        "jurisdiction": line.exposure.jurisdiction,
        "routes": [{"through": r.through, "via": r.via, "basis": r.basis} for r in line.exposure.routes],
        "status": line.status,
        "decision": _decision_json(line.decision),
    }


def report_json(report: ExposureReport, *, framework_wide: bool) -> dict[str, Any]:
    """The report as the API and `flexhub report exposure --json` give it."""
    body: dict[str, Any] = {
        "as_of": report.today.isoformat(),
        "services": [
            {
                "framework": s.framework.code,
                "member": s.member.code,
                "service": s.service.code,
                "classification": s.assessment.holding.label,
                "accreditation": s.assessment.accreditation,
                "locations": [
                    {"country": loc.country, "site": loc.site, "activity": loc.activity}
                    for loc in s.assessment.locations
                ],
                "handlers": [
                    {"organisation": h.organisation, "via": h.via, "reviewed": h.reviewed}
                    for h in s.assessment.handlers
                ],
                "exposures": [_exposure_json(line) for line in s.exposures],
                "mismatches": [{"kind": m.kind, "detail": m.detail} for m in s.assessment.mismatches],
            }
            for s in report.services
        ],
    }
    if framework_wide:
        body["by_supplier"] = [
            {
                "organisation": code,
                "exposures": [
                    {
                        "member": e.member.code,
                        "service": e.service.code,
                        "jurisdiction": e.exposure.jurisdiction,
                        "status": e.status,
                    }
                    for e in lines
                ],
            }
            for code, lines in report.by_supplier()
        ]
        body["by_jurisdiction"] = [
            {
                "jurisdiction": jurisdiction,
                "exposures": [
                    {"member": e.member.code, "service": e.service.code, "through": e.through, "status": e.status}
                    for e in lines
                ],
            }
            for jurisdiction, lines in report.by_jurisdiction()
        ]
    return body
