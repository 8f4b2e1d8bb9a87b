"""Frameworks, catalogue, contracts and seat changes through services, pages and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry
from flexhub.frameworks import services
from flexhub.frameworks.models import CallOffContract, ContractChange, SeatChangeRequest, Service

pytestmark = pytest.mark.django_db


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def api(world, username):
    client = APIClient()
    client.force_authenticate(world.users[username])
    return client


def test_committed_value_is_fixed_at_signing_from_earlier_pools(world):
    # ONE's CORE bands: 90.00 from 0, 80.00 from 1,000. MBRA signed first (600 seats alone: 90.00)
    # and MBRB the same day, so both share a pool of 1,200 seats: 80.00.
    a = world.extra["contract-MBRA"]
    # 24 months of CORE: 12 x 600 x 80 (2020-02..2021-01 until 650 from Jan 2021) ...
    assert a.committed_value > 0
    later = services.contract_sign(
        actor=Actor.for_cli(),
        framework=world.frameworks["ONE"],
        ref="ONE-LATE",
        member=world.orgs["MBRA"],
        signed=dt.date(2019, 12, 1),
        start=dt.date(2020, 2, 1),
        end=dt.date(2020, 2, 29),
        lines=[services.LineInput("CORE", 10)],
    )
    # Signed before the others: its pool holds only its own 10 seats, so 90.00 for one month.
    assert later.committed_value == Decimal("900.00")


def test_ceiling_guard_refuses_and_names_ceiling_committed_and_headroom(world):
    framework = world.frameworks["ONE"]
    committed = sum(c.committed_value for c in framework.contracts.all())
    with pytest.raises(RuleError) as info:
        services.contract_sign(
            actor=Actor.for_cli(),
            framework=framework,
            ref="ONE-BIG",
            member=world.orgs["MBRA"],
            signed=dt.date(2020, 6, 1),
            start=dt.date(2020, 7, 1),
            end=dt.date(2026, 12, 31),
            lines=[services.LineInput("CORE", 100000)],
        )
    message = str(info.value)
    assert "value ceiling of £10,000,000.00" in message
    assert f"committed so far £{committed:,.2f}" in message
    assert f"headroom £{Decimal('10000000.00') - committed:,.2f}" in message
    assert not CallOffContract.objects.filter(ref="ONE-BIG").exists()


def test_authority_signs_a_contract_in_the_ui_and_the_guard_shows_in_the_error_summary(world):
    client = login(world, "aauth-admin")
    url = reverse("contract-add", kwargs={"code": "ONE"})
    page = client.get(url)
    assert page.status_code == 200 and "headroom" in page.content.decode()
    good = client.post(
        url,
        {
            "ref": "ONE-MBRA-2",
            "member": world.orgs["MBRA"].pk,
            "signed": "2020-03-01",
            "start": "2020-04-01",
            "end": "2020-12-31",
            "qty_CORE": "50",
        },
    )
    assert good.status_code == 302
    assert CallOffContract.objects.get(ref="ONE-MBRA-2").lines.get().quantity == 50
    refused = client.post(
        url,
        {
            "ref": "ONE-MBRA-3",
            "member": world.orgs["MBRA"].pk,
            "signed": "2020-03-01",
            "start": "2020-04-01",
            "end": "2026-12-31",
            "qty_CORE": "90000",
        },
    )
    body = refused.content.decode()
    assert "govuk-error-summary" in body and "would pass the framework&#x27;s value ceiling" in body
    assert not CallOffContract.objects.filter(ref="ONE-MBRA-3").exists()


def test_member_admin_cannot_sign_and_sees_only_own_contracts(world):
    client = login(world, "mbra-admin")
    assert client.get(reverse("contract-add", kwargs={"code": "ONE"})).status_code == 403
    body = client.get(reverse("contract-list")).content.decode()
    assert "ONE-MBRA-1" in body and "MBRB" not in body


def test_framework_page_shows_ceiling_to_authority_only(world):
    authority = login(world, "aauth-admin").get(reverse("framework-detail", kwargs={"code": "ONE"})).content.decode()
    assert 'data-testid="ceiling"' in authority and "Headroom" in authority
    assert "Bramblewick" in authority  # the authority sees every member
    member = login(world, "mbra-admin").get(reverse("framework-detail", kwargs={"code": "ONE"})).content.decode()
    assert 'data-testid="ceiling"' not in member
    assert "Bramblewick" not in member


def test_catalogue_marks_the_band_in_force_and_hides_prices_from_agents(world):
    body = login(world, "aauth-admin").get(reverse("framework-catalogue", kwargs={"code": "ONE"})).content.decode()
    assert "In force" in body and "£90.00" in body
    agent = login(world, "supa-agent").get(reverse("framework-catalogue", kwargs={"code": "ONE"})).content.decode()
    assert "Core seat" in agent and "£90.00" not in agent and "In force" not in agent


def test_authority_changes_a_price_and_it_is_audited(world):
    client = login(world, "aauth-admin")
    tel = Service.objects.get(framework__code="ONE", code="TEL")
    response = client.post(
        reverse("service-edit", kwargs={"pk": tel.pk}),
        {
            "code": "TEL",
            "name": "Telephony",
            "category": "option",
            "unit": "seat-month",
            "classification": "OFFICIAL",
            "pricing_model": "flat",
            "bands": "0 7.25",
        },
    )
    assert response.status_code == 302
    assert tel.bands.get().price == Decimal("7.25")
    entry = AuditEntry.objects.filter(object_type="frameworks.service", object_id=str(tel.pk)).first()
    assert entry.changes["bands"] == [["0: 6.50"], ["0: 7.25"]]
    assert entry.actor == world.users["aauth-admin"]


def test_service_form_explains_bad_bands(world):
    client = login(world, "aauth-admin")
    response = client.post(
        reverse("service-add", kwargs={"code": "ONE"}),
        {
            "code": "NEW",
            "name": "New",
            "category": "option",
            "unit": "seat-month",
            "classification": "OFFICIAL",
            "pricing_model": "pooled-volume",
            "bands": "100 5.00\n200 4.00",
        },
    )
    assert "the first band must start from 0" in response.content.decode()


def test_seat_change_requested_by_member_and_approved_by_authority(world):
    contract = world.extra["contract-MBRA"]
    core = Service.objects.get(framework__code="ONE", code="CORE")
    member = login(world, "mbra-admin")
    response = member.post(
        reverse("seat-change-add", kwargs={"pk": contract.pk}),
        {
            "service": core.pk,
            "effective": "2021-09-01",
            "quantity": "720",
            "reason": "new team",
        },
    )
    assert response.status_code == 302
    request = SeatChangeRequest.objects.get(contract=contract, quantity=720)
    assert request.status == "requested"
    assert not ContractChange.objects.filter(contract=contract, effective=dt.date(2021, 9, 1)).exists()
    authority = login(world, "aauth-admin")
    response = authority.post(reverse("seat-change-decide", kwargs={"pk": request.pk}), {"decision": "approve"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == world.users["aauth-admin"]
    assert ContractChange.objects.get(contract=contract, effective=dt.date(2021, 9, 1)).quantity == 720
    kinds = set(AuditEntry.objects.filter(framework=contract.framework).values_list("object_type", flat=True))
    assert {"frameworks.seatchangerequest", "frameworks.contractchange"} <= kinds


def test_member_admin_cannot_decide_and_agents_cannot_see_contracts(world):
    request = SeatChangeRequest.objects.filter(contract=world.extra["contract-MBRA"]).first()
    response = login(world, "mbra-admin").post(
        reverse("seat-change-decide", kwargs={"pk": request.pk}), {"decision": "approve"}
    )
    assert response.status_code == 403
    assert login(world, "supa-agent").get(reverse("contract-list")).status_code == 403


def test_api_contract_sign_with_ceiling_guard(world):
    client = api(world, "aauth-admin")
    body = {
        "framework": "ONE",
        "ref": "API-1",
        "member": "MBRA",
        "signed": "2020-05-01",
        "start": "2020-06-01",
        "end": "2020-06-30",
        "lines": [{"service": "CORE", "quantity": 5}],
    }
    response = client.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["committed_value"] == "400.00"
    body.update(ref="API-2", end="2026-12-31", lines=[{"service": "CORE", "quantity": 500000}])
    response = client.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 400
    assert "headroom" in response.json()["detail"]


def test_api_refuses_a_member_the_caller_cannot_see(world):
    body = {
        "framework": "ONE",
        "ref": "API-X",
        "member": "QUILL",
        "signed": "2020-05-01",
        "start": "2020-06-01",
        "end": "2020-06-30",
        "lines": [{"service": "CORE", "quantity": 5}],
    }
    response = api(world, "aauth-admin").post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 400 and "member" in response.json()
    assert "Quillfield" not in response.content.decode()


def test_api_catalogue_hides_bands_from_agents_and_member_users(world):
    for username in ("supa-agent", "mbra-user", "inta-integrator"):
        results = api(world, username).get("/api/v1/services/?framework__code=ONE").json()["results"]
        assert results and all(s["bands"] is None for s in results)
    results = api(world, "mbra-admin").get("/api/v1/services/?framework__code=ONE&code=CORE").json()["results"]
    assert results[0]["bands"] == [
        {"start": 0, "price": "90.00"},
        {"start": 1000, "price": "80.00"},
    ]


def test_api_framework_ceiling_for_authority_only(world):
    assert api(world, "aauth-admin").get("/api/v1/frameworks/ONE/").json()["ceiling"]["value_ceiling"] == "10000000.00"
    assert api(world, "mbra-admin").get("/api/v1/frameworks/ONE/").json()["ceiling"] is None
    assert api(world, "mbra-admin").get("/api/v1/frameworks/TWO/").status_code == 404


def test_api_seat_change_round_trip(world):
    contract = world.extra["contract-MBRA"]
    response = api(world, "mbra-admin").post(
        "/api/v1/seat-change-requests/",
        {
            "contract": contract.pk,
            "service": "CORE",
            "effective": "2021-10-01",
            "quantity": 610,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    refused = api(world, "mbra-admin").post(f"/api/v1/seat-change-requests/{pk}/approve/", {}, format="json")
    assert refused.status_code == 400
    approved = api(world, "aauth-admin").post(
        f"/api/v1/seat-change-requests/{pk}/approve/", {"note": "ok"}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_api_seat_change_on_foreign_contract_is_400(world):
    foreign = world.extra["contract-MBRB"]
    response = api(world, "mbra-admin").post(
        "/api/v1/seat-change-requests/",
        {
            "contract": foreign.pk,
            "service": "CORE",
            "effective": "2021-10-01",
            "quantity": 1,
        },
        format="json",
    )
    assert response.status_code == 400


def test_api_delivery_record(world):
    contract = world.extra["contract-MBRA"]
    response = api(world, "aauth-admin").post(
        "/api/v1/deliveries/",
        {
            "contract": contract.pk,
            "service": "BCS",
            "date": "2020-06-10",
            "quantity": "0.5",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    bad = api(world, "aauth-admin").post(
        "/api/v1/deliveries/",
        {
            "contract": contract.pk,
            "service": "CORE",
            "date": "2020-06-10",
            "quantity": "1",
        },
        format="json",
    )
    assert bad.status_code == 400 and "contract line" in bad.json()["detail"]


def test_authority_records_a_quantity_change_in_the_ui(world):
    contract = world.extra["contract-MBRA"]
    tel = Service.objects.get(framework__code="ONE", code="TEL")
    client = login(world, "aauth-admin")
    response = client.post(
        reverse("contract-change-add", kwargs={"pk": contract.pk}),
        {"service": tel.pk, "effective": "2021-02-01", "quantity": "0", "reason": "stopped"},
    )
    assert response.status_code == 302
    assert ContractChange.objects.get(contract=contract, service=tel).quantity == 0
    outside = client.post(
        reverse("contract-change-add", kwargs={"pk": contract.pk}),
        {"service": tel.pk, "effective": "2030-02-01", "quantity": "5"},
    )
    assert "outside the contract" in outside.content.decode()


def test_authority_onboards_a_new_member_then_signs_with_it(world):
    client = login(world, "aauth-admin")
    response = client.post(
        reverse("organisation-add"),
        {
            "code": "NEWB",
            "name": "Newbury Council",
            "roles": ["member"],
            "region": "ENG",
            "framework": world.frameworks["ONE"].pk,
        },
    )
    assert response.status_code == 302
    from flexhub.core.models import Organisation

    newb = Organisation.objects.get(code="NEWB")
    assert world.frameworks["ONE"].participants.filter(pk=newb.pk).exists()
    taken = client.post(
        reverse("organisation-add"),
        {
            "code": "MBRA",
            "name": "x",
            "roles": ["member"],
            "region": "ENG",
            "framework": world.frameworks["ONE"].pk,
        },
    )
    assert "is taken" in taken.content.decode()
    assert login(world, "mbra-admin").get(reverse("organisation-add")).status_code == 403
