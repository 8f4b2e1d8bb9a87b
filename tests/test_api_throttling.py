"""The API's rate limits: every call of a login, and a tighter rate for raising tickets (which
emails the desk); a throttled call answers 429 in JSON like every other API error. The suite
runs with no limits (conftest.py); each test here sets its own."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TICKET = {"framework": "ONE", "priority": "P3", "title": "VPN drops", "category": "CORE"}


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def api(world, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[username])
    return client


def test_a_login_over_its_rate_gets_429_in_json(world, settings):
    settings.FLEXHUB_API_RATES = {"user": "3/minute", "tickets-raise": None}
    client = api(world, "mbra-user")
    for _ in range(3):
        assert client.get("/api/v1/me/").status_code == 200
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "throttled" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 60
    # Counted per login: another login is not held back.
    assert api(world, "mbra-admin").get("/api/v1/me/").status_code == 200


def test_a_token_is_counted_like_a_session(world, settings):
    settings.FLEXHUB_API_RATES = {"user": "2/minute", "tickets-raise": None}
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.users["supa-agent"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]


def test_raising_tickets_has_a_tighter_rate_of_its_own(world, settings):
    settings.FLEXHUB_API_RATES = {"user": "100/minute", "tickets-raise": "2/hour"}
    client = api(world, "mbra-user")
    assert client.post("/api/v1/tickets/", TICKET, format="json").status_code == 201
    assert client.post("/api/v1/tickets/", TICKET, format="json").status_code == 201
    third = client.post("/api/v1/tickets/", TICKET, format="json")
    assert third.status_code == 429
    assert "detail" in third.json() and int(third["Retry-After"]) > 60
    # Reading the queue is not counted against it.
    assert client.get("/api/v1/tickets/").status_code == 200
    assert api(world, "mbra-admin").post("/api/v1/tickets/", TICKET, format="json").status_code == 201


def test_no_rate_means_no_limit(world, settings):
    settings.FLEXHUB_API_RATES = {"user": None, "tickets-raise": None}
    client = api(world, "mbra-user")
    assert all(client.get("/api/v1/me/").status_code == 200 for _ in range(30))
