"""`flexhub load`: a validated scenario written to the database in one transaction.

The loader coordinates: small things (organisations, the framework, its
catalogue) go through the apps' own services; contracts, deliveries, the SLA
policy and tickets, which a scenario may hold by the thousand, go to the bulk
writers of the apps that own them (frameworks.loading, servicedesk.loading).
Loading the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from flexhub.assurance import services as assurance
from flexhub.core.audit import Actor
from flexhub.core.bulk import LoadCounts, bulk_page_cache, refresh_planner_statistics
from flexhub.core.models import Organisation
from flexhub.core.perf import gc_paused
from flexhub.core.services import organisation_save
from flexhub.frameworks.loading import contracts_load, deliveries_load
from flexhub.frameworks.models import CallOffContract, Framework, Service
from flexhub.frameworks.services import (
    framework_enrol,
    framework_save,
    service_save,
    tower_save,
    vat_rates_set,
)
from flexhub.rollout import services as rollout
from flexhub.rollout.models import Programme, RolloutTemplate
from flexhub.scenarios.schema import RolloutSpec, Scenario, validate
from flexhub.scenarios.yamlio import parse_yaml
from flexhub.servicedesk.loading import sla_policy_load, tickets_load

BATCH = 5000


@dataclass
class LoadReport(LoadCounts):
    """What a load did, counted by kind of record."""

    framework: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
        }


def scenario_parse(text: str) -> Scenario:
    """Parse and validate a scenario file's text (RuleError or ScenarioInvalid on failure)."""
    with gc_paused():
        return validate(parse_yaml(text))


def scenario_load(*, actor: Actor, scenario: Scenario) -> LoadReport:
    """Write a validated scenario; all or nothing, idempotent on codes and refs."""
    with gc_paused(), bulk_page_cache():
        with transaction.atomic():
            report = _scenario_write(actor, scenario)
        refresh_planner_statistics()
    return report


def _scenario_write(actor: Actor, scenario: Scenario) -> LoadReport:
    report = LoadReport(framework=scenario.framework.code)
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
        payment_terms_days=spec.payment_terms_days,
        invoiced_by=orgs[spec.invoiced_by] if spec.invoiced_by else None,
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
    counts = report
    contracts = contracts_load(
        actor=actor, framework=framework, specs=scenario.contracts, orgs=orgs, services=services, counts=counts
    )
    deliveries_load(
        actor=actor,
        framework=framework,
        specs=scenario.deliveries,
        contracts=contracts,
        services=services,
        counts=counts,
    )
    if scenario.sla is not None:
        sla_policy_load(actor=actor, framework=framework, spec=scenario.sla, counts=counts)
    tickets_load(actor=actor, framework=framework, specs=scenario.tickets, orgs=orgs, counts=counts)
    _assurance(actor, scenario, framework, orgs, services)
    if scenario.rollout is not None:
        _rollout_load(actor, framework, scenario.rollout, orgs, counts)
    return report


def _assurance(
    actor: Actor, scenario: Scenario, framework: Any, orgs: dict[str, Organisation], services: dict[str, Any]
) -> None:
    """The register, where each service's data lives and who handles it, and each member's limits
    and classifications, through the assurance services (each a no-op when nothing changed;
    what the file leaves out is kept)."""
    for spec in scenario.organisations:
        org = orgs[spec.code]
        for entry in spec.exposures or []:
            assurance.supplier_jurisdiction_save(
                actor=actor,
                framework=framework,
                organisation=org,
                jurisdiction=entry.jurisdiction,
                legal_basis=entry.basis,
                source=entry.source,
                review_date=entry.review,
            )
        for link in spec.sub_processors or []:
            assurance.sub_processor_save(
                actor=actor, framework=framework, supplier=org, sub_processor=orgs[link.code], reviewed_on=link.reviewed
            )
    for service_spec in scenario.services:
        service = services[service_spec.code]
        if service_spec.data_locations is not None:
            assurance.data_locations_set(
                actor=actor,
                service=service,
                locations=[(loc.country, loc.site, loc.activity) for loc in service_spec.data_locations],
            )
        if service_spec.handlers is not None:
            assurance.service_handlers_set(
                actor=actor, service=service, organisations=[orgs[code] for code in service_spec.handlers]
            )
    for spec in scenario.organisations:
        if spec.allowed_countries is not None:
            assurance.member_data_policy_set(
                actor=actor, framework=framework, member=orgs[spec.code], allowed_countries=spec.allowed_countries
            )
        for held in spec.data_classifications or []:
            assurance.data_classification_set(
                actor=actor,
                member=orgs[spec.code],
                service=services[held.service],
                classification=held.classification,
                sensitive=held.sensitive,
            )


def _rollout_load(
    actor: Actor, framework: Framework, spec: RolloutSpec, orgs: dict[str, Organisation], counts: LoadCounts
) -> None:
    """Templates (rewritten only when they differ) and programmes (started once: a programme
    already there is its member's to run, so a reload leaves it alone)."""
    templates: dict[str, RolloutTemplate] = {}
    for t in spec.templates:
        stages = [
            rollout.StageInput(s.key, s.name, s.days, tuple(s.after), tuple(s.checklist), s.waves) for s in t.stages
        ]
        existing = RolloutTemplate.objects.filter(framework=framework, code=t.code).first()
        if existing is not None and _same_template(existing, t.name, t.description, stages):
            templates[t.code] = existing
            counts.unchanged["rollout templates"] += 1
            continue
        templates[t.code] = rollout.template_save(
            actor=actor, framework=framework, code=t.code, name=t.name, description=t.description, stages=stages
        )
        (counts.updated if existing else counts.created)["rollout templates"] += 1
    for p in spec.programmes:
        member = orgs[p.member]
        if Programme.objects.filter(member=member, code=p.code).exists():
            counts.unchanged["programmes"] += 1
            continue
        contract = CallOffContract.objects.get(framework=framework, ref=p.contract) if p.contract else None
        programme = rollout.programme_start(
            actor=actor,
            template=templates[p.template],
            member=member,
            programme=rollout.ProgrammeInput(
                code=p.code,
                name=p.name,
                start=p.start,
                waves=[rollout.WaveInput(w.site, w.seats) for w in p.waves],
                contract=contract,
                service=Service.objects.get(framework=framework, code=p.service) if p.service else None,
            ),
            sites_from_directory=False,
        )
        by_key = {s.key: s for s in programme.stages.all()}
        for replan in p.replans:
            rollout.stage_replan(
                actor=actor, stage=by_key[replan.stage], duration_days=replan.days, not_before=replan.not_before
            )
        for key, day in p.completed.items():  # a stage done had its checklist worked through
            rollout.stage_complete(actor=actor, stage=by_key[key], completed_on=day, checked=by_key[key].checklist)
        for key, items in p.checked.items():
            rollout.stage_checklist(actor=actor, stage=by_key[key], checked=items)
        counts.created["programmes"] += 1


def _same_template(template: RolloutTemplate, name: str, description: str, stages: list[rollout.StageInput]) -> bool:
    kept = [
        rollout.StageInput(s.key, s.name, s.duration_days, tuple(s.depends_on), tuple(s.checklist), s.is_waves)
        for s in template.stages.order_by("position")
    ]
    return template.name == name and template.description == description and kept == stages


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
            address=spec.address,
            vat_number=spec.vat_number,
            finance_email=spec.finance_email,
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
