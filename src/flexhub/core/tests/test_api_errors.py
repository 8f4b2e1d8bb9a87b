"""Every API error is JSON with `detail` (and `field` where one input is at fault), whatever
refused the request: a serializer, a service, Django's request limits or the URL router."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def client_for(world, username):
    client = APIClient()
    client.force_authenticate(world.users[username])
    return client


def test_serializer_errors_lead_with_detail_and_field(world):
    response = client_for(world, "mbra-admin").post(
        "/api/v1/people/", {"organisation": "MBRA", "role": "member-user"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "username: This field is required."
    assert body["field"] == "username"
    assert body["username"] == ["This field is required."]


def test_nested_serializer_errors_say_where(world):
    response = client_for(world, "aauth-admin").post(
        "/api/v1/contracts/",
        {
            "framework": "ONE",
            "ref": "X-1",
            "member": "MBRA",
            "signed": "2020-01-01",
            "start": "2020-01-01",
            "end": "2020-12-31",
            "lines": [{"service": "SVC", "quantity": -1}],
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("lines[0].quantity: ")
    assert body["field"] == "lines"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_over_limit_body_is_a_json_413(world):
    body = json.dumps({"username": "x" * 2000, "organisation": "MBRA", "role": "member-user"})
    response = client_for(world, "mbra-admin").post("/api/v1/people/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is over the 1000 bytes accepted."}


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10)
def test_too_many_fields_are_a_json_400(world):
    client = client_for(world, "mbra-admin")
    form = "&".join(f"f{i}=1" for i in range(20))
    response = client.post("/api/v1/people/", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json() == {"detail": "The request has more than the 10 fields accepted."}
    response = client.get(f"/api/v1/people/?{form}")
    assert response.status_code == 400
    assert response.json()["detail"] == "The request has more than the 10 fields accepted."


def test_a_url_no_api_route_matches_is_a_json_404(world):
    """`/api/v1/people/1.5/` matches no route (ids have no dot), so Django answers it, not DRF:
    schemathesis found its HTML page under the API."""
    client = client_for(world, "mbra-admin")
    for url in ("/api/v1/people/1.5/", "/api/v1/no-such-thing/", "/api/v1/people/1/no-such-step/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert response.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
