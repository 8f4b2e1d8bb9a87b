from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from flexhub.core import services
from flexhub.core.api_base import api_datetime
from flexhub.core.audit import Actor
from flexhub.core.models import User

pytestmark = pytest.mark.django_db


def token_client(world, username):
    token = services.user_token(actor=Actor.for_cli(), user=world.users[username])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_token_auth_and_me(world):
    response = token_client(world, "mbra-user").get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["organisation"] == "MBRA"
    assert APIClient().get("/api/v1/me/").status_code in (401, 403)


def test_organisations_are_scoped_and_paginated(world):
    body = token_client(world, "aauth-admin").get("/api/v1/organisations/").json()
    codes = {o["code"] for o in body["results"]}
    assert codes == {"AAUTH", "SUPA", "INTA", "MBRA", "MBRB"}
    assert token_client(world, "aauth-admin").get("/api/v1/organisations/QUILL/").status_code == 404
    filtered = token_client(world, "aauth-admin").get("/api/v1/organisations/?role=member").json()
    assert {o["code"] for o in filtered["results"]} == {"MBRA", "MBRB"}


def test_people_create_in_foreign_organisation_is_400(world):
    client = token_client(world, "mbra-admin")
    response = client.post(
        "/api/v1/people/",
        {"username": "x", "organisation": "MBRB", "role": "member-user"},
        format="json",
    )
    assert response.status_code == 400
    assert "organisation" in response.json()
    assert "Bramblewick" not in response.content.decode()
    assert not User.objects.filter(username="x").exists()


def test_people_create_and_update(world):
    client = token_client(world, "mbra-admin")
    response = client.post(
        "/api/v1/people/",
        {
            "username": "api-made",
            "organisation": "MBRA",
            "role": "member-user",
            "password": "api-Long-passphrase-5",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert "password" not in response.json()
    response = client.patch(f"/api/v1/people/{pk}/", {"role": "member-admin"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "member-admin"


def test_rule_errors_are_json_400_naming_the_field(world):
    client = token_client(world, "mbra-admin")
    response = client.post(
        "/api/v1/people/",
        {
            "username": "agent-x",
            "organisation": "MBRA",
            "role": "agent",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "MBRA is not a supplier, so it cannot have agent logins",
        "field": "role",
    }


def test_wrong_role_gets_403_json(world):
    response = token_client(world, "mbra-user").get("/api/v1/people/")
    assert response.status_code == 403
    assert "cannot use this endpoint" in response.json()["detail"]


def test_audit_api_filters(world):
    client = token_client(world, "mbra-admin")
    body = client.get("/api/v1/audit/?object_type=core.user").json()
    assert len(body["results"]) >= 2 and "count" not in body  # paged by key: no count
    assert all(e["organisation"] == "MBRA" for e in body["results"])


def test_schema_and_docs_are_served(world):
    client = token_client(world, "mbra-user")
    assert client.get("/api/schema/").status_code == 200
    assert APIClient().get("/api/docs/").status_code == 200


def test_unknown_api_object_is_json_404(world):
    response = token_client(world, "aauth-admin").get("/api/v1/people/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 5, 9, 30, 12, 345678, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=dt.UTC),  # the hour before the clocks go forward
        dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC),  # and the hour they go back
        None,
    ],
)
def test_api_datetime_writes_what_drf_writes(value):
    expected = None if value is None else serializers.DateTimeField().to_representation(value)
    assert api_datetime(value, timezone.get_current_timezone()) == expected
