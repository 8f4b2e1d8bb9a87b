"""Input the API refuses with a JSON 4xx on SQLite and PostgreSQL alike, never a 500: a NUL
character, which PostgreSQL cannot even compare with a text column (schemathesis found
`/api/v1/frameworks/A%00/`, `?framework=A%00` and `?q=%00` answering 500 there)."""

from __future__ import annotations

import pytest
from django.http import Http404
from rest_framework.test import APIClient

from flexhub.core.tenancy import get_visible_or_404
from flexhub.frameworks.models import Framework

pytestmark = pytest.mark.django_db


def api(world, username):
    client = APIClient()
    client.force_authenticate(world.users[username])
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/frameworks/ONE%00/",
        "/api/v1/organisations/MB%00RA/",
        "/api/v1/staff/?q=a%00b",
        "/api/v1/sla/?framework=ONE%00&period=2020-04",
        "/api/v1/scorecards/?framework=ONE%00",
        "/api/v1/what-if/?framework=ONE&period=2020-06&join=Big%00=5",
    ],
)
def test_a_nul_in_the_url_is_a_json_400(world, url):
    response = api(world, "aauth-admin").get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request is malformed."}


def test_a_nul_in_a_page_url_is_a_400_page(world):
    client = APIClient()
    client.force_login(world.users["aauth-admin"])
    response = client.get("/frameworks/ONE%00/")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_nul_in_a_key_in_the_body_is_a_400_naming_it(world):
    response = api(world, "mbra-admin").post(
        "/api/v1/people/", {"username": "nul", "organisation": "MB\x00RA", "role": "member-user"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "organisation"
    assert response.json()["organisation"] == ["Null characters are not allowed."]


def test_a_nul_in_a_lookup_is_not_found(world):
    with pytest.raises(Http404):
        get_visible_or_404(Framework, world.users["aauth-admin"], code="ONE\x00")
