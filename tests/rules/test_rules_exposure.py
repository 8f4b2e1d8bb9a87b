"""The rules of exposure (rules/exposure.py), as pure functions: the ONS story and its variations."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexhub.rules import exposure as rules
from flexhub.rules.exposure import (
    Holding,
    Jurisdiction,
    Location,
    Register,
    ServiceFacts,
    SubProcessing,
)

FJ_US = Jurisdiction("FJ", "US", "parent group has US operations: USA PATRIOT Act, CLOUD Act", "annual report")
FJ_JP = Jurisdiction("FJ", "JP", "parent company incorporated in Japan")
FJ_GB = Jurisdiction("FJ", "GB", "UK company")
CORE = ServiceFacts("CORE", "OFFICIAL", ("FJ",), (Location("GB", "Bracknell", "held"),))
ONS = Holding("OFFICIAL", sensitive=True)


def test_classifications_are_ordered_as_the_policy_has_them():
    assert [rules.classification_rank(c) for c in ("OFFICIAL", "SECRET", "TOP SECRET")] == [0, 1, 2]
    with pytest.raises(ValueError, match="unknown classification 'RESTRICTED'"):
        rules.classification_rank("RESTRICTED")  # the old six-level scheme ended in 2014


@pytest.mark.parametrize(
    ("classification", "sensitive", "label", "problem"),
    [
        ("OFFICIAL", False, "OFFICIAL", None),
        ("OFFICIAL", True, "OFFICIAL-SENSITIVE", None),
        ("SECRET", False, "SECRET", None),
        ("SECRET", True, "SECRET", "applies to OFFICIAL information only"),
        ("CONFIDENTIAL", False, "CONFIDENTIAL", "unknown classification"),
    ],
)
def test_the_sensitive_caveat_is_a_caveat_on_official_only(classification, sensitive, label, problem):
    assert rules.classification_label(classification, sensitive) == label
    found = rules.classification_problem(classification, sensitive)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(
    ("data", "accreditation", "above"),
    [
        ("OFFICIAL", "OFFICIAL", False),
        ("SECRET", "OFFICIAL", True),
        ("SECRET", "SECRET", False),
        ("TOP SECRET", "SECRET", True),
        ("OFFICIAL", "TOP SECRET", False),
    ],
)
def test_above_accreditation(data, accreditation, above):
    assert rules.above_accreditation(data, accreditation) is above


def test_ons_core_service_is_reached_by_us_law_through_fujitsu_and_japanese_law_too():
    register = Register((FJ_US, FJ_JP, FJ_GB))
    assessment = rules.assess_service(CORE, ONS, register, ["GB"])
    assert [e.jurisdiction for e in assessment.exposures] == ["JP", "US"]  # GB is home, not an exposure
    us = assessment.exposures[1]
    assert us.routes == (rules.Route(FJ_US.basis, through="FJ"),)
    assert us.facts["classification"] == "OFFICIAL-SENSITIVE"
    assert assessment.mismatches == ()  # OFFICIAL-SENSITIVE ranks as OFFICIAL; held in GB; no sub-processor


def test_a_sub_processor_is_a_handler_and_its_law_reaches_the_data_through_the_supplier():
    register = Register(
        (FJ_GB, Jurisdiction("CLOUDCO", "US", "US company: CLOUD Act")),
        (SubProcessing("FJ", "CLOUDCO", reviewed=False),),
    )
    assessment = rules.assess_service(CORE, ONS, register)
    assert assessment.handlers == (rules.Handler("FJ"), rules.Handler("CLOUDCO", via="FJ", reviewed=False))
    assert assessment.exposures[0].routes == (rules.Route("US company: CLOUD Act", through="CLOUDCO", via="FJ"),)
    assert [m.kind for m in assessment.mismatches] == [rules.UNREVIEWED_SUB_PROCESSOR]
    assert "CLOUDCO, a sub-processor of FJ, has not been reviewed" in assessment.mismatches[0].detail


def test_sub_processors_of_sub_processors_count_and_a_cycle_ends():
    register = Register(
        (),
        (SubProcessing("FJ", "A", True), SubProcessing("A", "B", True), SubProcessing("B", "FJ", True)),
    )
    assert [h.organisation for h in rules.handlers_of(CORE, register)] == ["FJ", "A", "B"]
    assert rules.handlers_of(CORE, register)[2].via == "A"


def test_data_held_abroad_is_an_exposure_and_outside_the_allowed_countries_a_mismatch():
    service = ServiceFacts("HOST", "OFFICIAL", ("FJ",), (Location("US", "Ashburn", "processed"),))
    assessment = rules.assess_service(service, Holding(), Register((FJ_GB,)), ["GB"])
    assert [(e.jurisdiction, e.routes[0].through) for e in assessment.exposures] == [("US", None)]
    assert assessment.exposures[0].routes[0].basis == "data processed in US at Ashburn"
    assert [m.kind for m in assessment.mismatches] == [rules.OUTSIDE_ALLOWED_COUNTRIES]
    # No limit set: the exposure stays, the mismatch goes.
    assert rules.assess_service(service, Holding(), Register((FJ_GB,)), []).mismatches == ()


def test_data_above_the_accreditation_is_a_mismatch():
    assessment = rules.assess_service(CORE, Holding("SECRET"), Register())
    assert [m.detail for m in assessment.mismatches] == ["SECRET data in a service accredited for OFFICIAL at most"]


def test_a_member_without_a_recorded_classification_holds_official():
    assessed = rules.assess_member([CORE], {}, Register((FJ_US,)))
    assert assessed[0].holding == Holding("OFFICIAL", False)
    assert assessed[0].exposures[0].facts["classification"] == "OFFICIAL"


def _us_facts(register: Register, holding: Holding = ONS, service: ServiceFacts = CORE) -> dict:
    (assessment,) = rules.assess_member([service], {"CORE": holding}, register)
    return {(e.service, e.jurisdiction): e.facts for e in assessment.exposures}


def test_each_change_of_fact_sends_the_decision_back_and_says_what_changed():
    decided = _us_facts(Register((FJ_US,)))
    unchanged = _us_facts(Register((FJ_US,)))
    assert rules.stale_decisions(decided, unchanged) == {}

    new_sub = _us_facts(Register((FJ_US,), (SubProcessing("FJ", "CLOUDCO", reviewed=False),)))
    assert rules.stale_decisions(decided, new_sub) == {
        ("CORE", "US"): ["handlers: + CLOUDCO (sub-processor of FJ, not reviewed)"]
    }
    raised = _us_facts(Register((FJ_US,)), holding=Holding("SECRET"))
    assert rules.stale_decisions(decided, raised) == {("CORE", "US"): ["classification: OFFICIAL-SENSITIVE -> SECRET"]}
    moved = _us_facts(
        Register((FJ_US,)), service=ServiceFacts("CORE", "OFFICIAL", ("FJ",), (Location("IE", "Dublin", "held"),))
    )
    assert rules.stale_decisions(decided, moved)[("CORE", "US")] == [
        "locations: + data held in IE at Dublin; - data held in GB at Bracknell",
        "reaching: + IE",  # Irish law now reaches the data where it is held
    ]
    new_basis = _us_facts(Register((Jurisdiction("FJ", "US", "a new disclosure order"),)))
    assert "routes:" in rules.stale_decisions(decided, new_basis)[("CORE", "US")][0]
    gone = _us_facts(Register((FJ_GB,)))
    assert rules.stale_decisions(decided, gone) == {("CORE", "US"): ["the jurisdiction no longer reaches the data"]}


def test_a_supplier_gaining_a_jurisdiction_is_a_new_exposure_and_sends_the_others_back():
    decided = _us_facts(Register((FJ_US,)))
    now = _us_facts(Register((FJ_US, Jurisdiction("FJ", "CN", "national intelligence law"))))
    assert set(now) == {("CORE", "CN"), ("CORE", "US")}
    # The decision on US law was taken when only US law reached the data.
    assert rules.stale_decisions(decided, now) == {("CORE", "US"): ["reaching: + CN"]}


codes = st.sampled_from(["GB", "US", "JP", "IE", "CN"])
orgs = st.sampled_from(["FJ", "A", "B", "C"])
registers = st.builds(
    Register,
    st.lists(st.builds(Jurisdiction, orgs, codes, st.text(min_size=1, max_size=5)), max_size=6).map(tuple),
    st.lists(st.builds(SubProcessing, orgs, orgs, st.booleans()), max_size=5).map(tuple),
)


@given(registers)
def test_facts_compared_with_themselves_are_never_stale(register):
    facts = _us_facts(register)
    assert rules.stale_decisions(facts, dict(facts)) == {}


@given(registers, st.lists(codes, max_size=3))
def test_home_law_is_never_an_exposure_and_every_exposure_has_a_route(register, countries):
    service = ServiceFacts("CORE", "OFFICIAL", ("FJ",), tuple(Location(c, "site") for c in countries))
    assessment = rules.assess_service(service, Holding(), register)
    assert all(e.jurisdiction != rules.HOME_JURISDICTION and e.routes for e in assessment.exposures)
    reached = {j.jurisdiction for h in assessment.handlers for j in register.jurisdictions_of(h.organisation)}
    assert {e.jurisdiction for e in assessment.exposures} == (reached | set(countries)) - {"GB"}


TODAY = dt.date(2026, 12, 4)


@pytest.mark.parametrize(
    ("outcome", "state", "review", "status"),
    [
        (None, None, None, "undecided"),
        ("accept", "current", dt.date(2027, 1, 1), "accept"),
        ("accept", "current", None, "accept"),
        ("accept", "current", TODAY, "accept"),
        ("accept", "current", dt.date(2026, 12, 3), "due"),
        ("refuse", "to-review", dt.date(2030, 1, 1), "to-review"),
        ("accept-with-mitigations", "to-review", dt.date(2020, 1, 1), "to-review"),
    ],
)
def test_decision_status(outcome, state, review, status):
    assert rules.decision_status(outcome, state, review, TODAY) == status


@pytest.mark.parametrize(
    ("outcome", "mitigations", "reason", "review", "fields"),
    [
        ("accept", [], "board heard PCS", dt.date(2027, 1, 1), []),
        ("accept-with-mitigations", ["keys in UK"], "board heard PCS", None, []),
        ("accept-with-mitigations", ["  "], "why", None, ["mitigations"]),
        ("refuse", ["keys in UK"], "why", None, ["mitigations"]),
        ("maybe", [], "why", None, ["outcome"]),
        ("refuse", [], "  ", None, ["reason"]),
        ("accept", [], "why", TODAY, ["review_date"]),
    ],
)
def test_decision_problems(outcome, mitigations, reason, review, fields):
    problems = rules.decision_problems(
        outcome=outcome, mitigations=mitigations, reason=reason, decided_on=TODAY, review=review
    )
    assert [field for field, _ in problems] == fields
