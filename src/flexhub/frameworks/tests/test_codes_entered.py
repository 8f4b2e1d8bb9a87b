"""Codes and references entered on a page, through the API or by command follow the scenario
file's rule (rules.validation.code_problem), so `=1+1` is never a contract (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.frameworks import services
from flexhub.frameworks.models import CallOffContract, Service

pytestmark = pytest.mark.django_db
CONTRACT = {
    "framework": "ONE",
    "member": "MBRA",
    "signed": "2020-05-01",
    "start": "2020-06-01",
    "end": "2020-06-30",
    "lines": [{"service": "CORE", "quantity": 5}],
}


def api(world, username="aauth-admin"):
    client = APIClient()
    client.force_authenticate(world.users[username])
    return client


@pytest.mark.parametrize("ref", ["=1+1", "+SUM(A1)", "@cmd", "A B", "x" * 33])
def test_the_api_refuses_a_contract_ref_the_file_format_would(world, ref):
    response = api(world).post("/api/v1/contracts/", {**CONTRACT, "ref": ref}, format="json")
    assert response.status_code == 400, response.content
    assert "is not a code" in response.content.decode()
    assert not CallOffContract.objects.filter(ref=ref).exists()


def test_the_api_refuses_a_service_code_the_file_format_would(world):
    body = {
        "framework": "ONE",
        "code": "=HYPERLINK(1)",
        "name": "Evil",
        "category": "option",
        "unit": "seat-month",
        "pricing_model": "flat",
        "bands": [{"start": 0, "price": "1.00"}],
    }
    response = api(world).post("/api/v1/services/", body, format="json")
    assert response.status_code == 400 and "is not a code" in response.content.decode()
    assert not Service.objects.filter(code="=HYPERLINK(1)").exists()


def test_the_contract_page_refuses_it_beside_the_field(world):
    client = Client()
    client.force_login(world.users["aauth-admin"])
    framework = world.frameworks["ONE"]
    response = client.post(
        reverse("contract-add", kwargs={"code": framework.code}),
        {
            "ref": "=1+1",
            "member": world.orgs["MBRA"].pk,
            "signed": "2020-05-01",
            "start": "2020-06-01",
            "end": "2020-06-30",
            "lines": "CORE 5",
        },
    )
    assert response.status_code == 200 and "is not a code" in response.content.decode()


def test_towers_and_frameworks_follow_the_rule_too(world):
    framework = world.frameworks["ONE"]
    actor = Actor.for_cli()
    with pytest.raises(RuleError, match="is not a code") as refused:
        services.tower_save(actor=actor, framework=framework, code="=T", name="T", supplier=framework.suppliers.first())
    assert refused.value.field == "code"
    with pytest.raises(RuleError, match="is not a code"):
        services.framework_save(
            actor=actor,
            code="-2+3",
            name="F",
            authority=framework.authority,
            suppliers=list(framework.suppliers.all()),
            start=dt.date(2020, 1, 1),
            end=dt.date(2021, 1, 1),
            value_ceiling=framework.value_ceiling,
        )
