"""The assurance keys of the scenario format (issue 14): checked with the rest of the file, every
problem at its place, loaded all or nothing, idempotent, exported and loaded again."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from flexhub.assurance.models import (
    DataClassification,
    DataLocation,
    ExposureDecision,
    MemberDataPolicy,
    ServiceHandler,
    SubProcessor,
    SupplierJurisdiction,
)
from flexhub.assurance.services import exposure_decide
from flexhub.core.audit import Actor
from flexhub.core.models import AuditEntry, Organisation
from flexhub.frameworks.models import Framework, Service
from flexhub.scenarios.export import scenario_export
from flexhub.scenarios.schema import ScenarioInvalid, validate
from flexhub.scenarios.services import scenario_load
from flexhub.scenarios.yamlio import parse_yaml

pytestmark = pytest.mark.django_db
POOLED = Path(__file__).resolve().parent / "fixtures" / "pooled-framework.yaml"
CLI = Actor.for_cli()


def org(document, code):
    return next(o for o in document["organisations"] if o["code"] == code)


def service(document, code):
    return next(s for s in document["services"] if s["code"] == code)


@pytest.fixture
def document():
    doc = parse_yaml(POOLED.read_text())
    buyer = next(c["member"] for c in doc["contracts"] if any(line["service"] == "WPL" for line in c["lines"]))
    doc["organisations"].append({"code": "CLD", "name": "Cloudy Backups", "roles": ["supplier"]})
    org(doc, "ORR").update(
        exposures=[
            {
                "jurisdiction": "US",
                "basis": "parent listed in the US: CLOUD Act",
                "source": "10-K",
                "review": "2026-01-31",
            }
        ],
        sub_processors=[{"code": "CLD"}],
    )
    org(doc, "CLD")["exposures"] = [{"jurisdiction": "IE", "basis": "Irish company"}]
    org(doc, buyer).update(
        allowed_countries=["GB"],
        data_classifications=[{"service": "WPL", "classification": "OFFICIAL", "sensitive": True}],
    )
    service(doc, "WPL").update(
        data_locations=[
            {"country": "GB", "site": "Reading", "activity": "held"},
            {"country": "IE", "activity": "processed"},
        ],
        handlers=["ORR"],
    )
    doc["_buyer"] = buyer
    return doc


def load(document):
    doc = {k: v for k, v in document.items() if not k.startswith("_")}
    return scenario_load(actor=CLI, scenario=validate(doc))


def test_the_register_loads_and_loading_again_changes_nothing(document):
    load(document)
    buyer = Organisation.objects.get(code=document["_buyer"])
    wpl = Service.objects.get(framework__code="CWS", code="WPL")
    assert (
        SupplierJurisdiction.objects.get(organisation__code="ORR").legal_basis == "parent listed in the US: CLOUD Act"
    )
    link = SubProcessor.objects.get()
    assert (link.supplier.code, link.sub_processor.code, link.reviewed_on) == ("ORR", "CLD", None)
    assert sorted(DataLocation.objects.filter(service=wpl).values_list("country", "activity")) == [
        ("GB", "held"),
        ("IE", "processed"),
    ]
    assert list(ServiceHandler.objects.values_list("organisation__code", flat=True)) == ["ORR"]
    assert MemberDataPolicy.objects.get(member=buyer).allowed_countries == ["GB"]
    assert DataClassification.objects.get(member=buyer, service=wpl).label == "OFFICIAL-SENSITIVE"
    exposure_decide(actor=CLI, member=buyer, service=wpl, jurisdiction="US", outcome="accept", reason="ok")
    entries = AuditEntry.objects.count()
    load(document)
    assert AuditEntry.objects.count() == entries
    assert ExposureDecision.objects.get().state == "current"


def test_a_load_with_a_new_sub_processor_sends_the_decision_back(document):
    load(document)
    buyer = Organisation.objects.get(code=document["_buyer"])
    wpl = Service.objects.get(framework__code="CWS", code="WPL")
    exposure_decide(actor=CLI, member=buyer, service=wpl, jurisdiction="US", outcome="accept", reason="ok")
    document["organisations"].append({"code": "NEW", "name": "New Hosting", "roles": ["supplier"]})
    org(document, "ORR")["sub_processors"].append({"code": "NEW", "reviewed": "2024-01-01"})
    load(document)
    decision = ExposureDecision.objects.get()
    assert decision.state == "to-review" and "NEW became a sub-processor of ORR" in decision.review_note


def test_export_writes_the_register_back_and_it_loads_again(document):
    load(document)
    exported = scenario_export(Framework.objects.get(code="CWS"))
    assert org(exported, "ORR")["sub_processors"] == [{"code": "CLD"}]
    assert service(exported, "WPL")["handlers"] == ["ORR"]
    assert validate(copy.deepcopy(exported)).framework.code == "CWS"
    entries = AuditEntry.objects.count()
    scenario_load(actor=CLI, scenario=validate(exported))
    assert AuditEntry.objects.count() == entries


def test_every_problem_is_reported_at_its_place_and_nothing_is_loaded(document):
    buyer_index = next(i for i, o in enumerate(document["organisations"]) if o["code"] == document["_buyer"])
    orr = next(i for i, o in enumerate(document["organisations"]) if o["code"] == "ORR")
    wpl = next(i for i, s in enumerate(document["services"]) if s["code"] == "WPL")
    org(document, "ORR")["sub_processors"] = [{"code": "GHOST"}, {"code": "ORR"}]
    org(document, "ORR")["exposures"].append({"jurisdiction": "US", "basis": ""})
    org(document, "ORR")["allowed_countries"] = ["GB"]
    org(document, document["_buyer"])["data_classifications"] = [
        {"service": "WPL", "classification": "SECRET", "sensitive": True},
        {"service": "SRV", "classification": "TOP SECRET"},
        {"service": "NOPE", "classification": "OFFICIAL"},
    ]
    service(document, "WPL")["data_locations"].append({"country": "US", "activity": "stored"})
    service(document, "WPL")["handlers"] = ["ZZZ"]
    doc = {k: v for k, v in document.items() if not k.startswith("_")}
    with pytest.raises(ScenarioInvalid) as refused:
        validate(doc)
    errors = refused.value.errors
    path = f"organisations[{buyer_index}].data_classifications"
    expected = [
        f"organisations[{orr}].exposures[1].basis: must not be empty",
        f"organisations[{orr}].allowed_countries: only a member has this",
        f"{path}[0].sensitive: the OFFICIAL-SENSITIVE caveat applies to OFFICIAL information only, not SECRET",
        f"organisations[{orr}].sub_processors[0].code: unknown organisation 'GHOST'",
        f"organisations[{orr}].sub_processors[1].code: an organisation cannot be its own sub-processor",
        f"services[{wpl}].data_locations[2].activity: unknown activity 'stored' (one of held, processed)",
        f"services[{wpl}].handlers[0]: unknown organisation 'ZZZ'",
        f"{path}[2].service: unknown service 'NOPE'",
    ]
    for message in expected:
        assert message in errors
    buys_srv = any(
        c["member"] == document["_buyer"] and any(line["service"] == "SRV" for line in c["lines"])
        for c in document["contracts"]
    )
    assert (f"{path}[1].service: {document['_buyer']} buys no SRV in this file" in errors) is not buys_srv
    assert not Framework.objects.exists()
