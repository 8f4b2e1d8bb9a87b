"""Idle sessions end: 30 minutes for the admins, 8 hours for everyone else (both settings), the
expiry moving on with each request; afterwards the person is asked to sign in again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from flexhub.core.signin_middleware import SEEN_KEY
from flexhub.core.testing.clients import api_client

pytestmark = pytest.mark.django_db


def signed_in(world, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    client.get(reverse("home"))
    return client


def seconds_left(client: Client) -> float:
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    return (session.expire_date - timezone.now()).total_seconds()


def test_admins_idle_out_sooner_than_everyone_else(world):
    admin = signed_in(world, "mbra-admin")
    assert 29 * 60 < seconds_left(admin) <= 30 * 60
    assert admin.cookies["sessionid"]["max-age"] == 30 * 60
    user = signed_in(world, "mbra-user")
    assert 8 * 3600 - 60 < seconds_left(user) <= 8 * 3600


def test_the_limits_are_settings(world, settings):
    settings.FLEXHUB_ADMIN_IDLE_MINUTES = 5
    settings.FLEXHUB_IDLE_MINUTES = 20
    assert 4 * 60 < seconds_left(signed_in(world, "aauth-admin")) <= 5 * 60
    assert 19 * 60 < seconds_left(signed_in(world, "supa-agent")) <= 20 * 60


def test_the_expiry_moves_on_with_each_request(world):
    client = signed_in(world, "mbra-admin")
    key = client.cookies["sessionid"].value
    # Ten minutes pass without a request ...
    session = client.session
    session[SEEN_KEY] = int(timezone.now().timestamp()) - 600
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(minutes=20))
    assert seconds_left(client) <= 20 * 60
    # ... then one comes, and the admin has thirty minutes again.
    assert client.get(reverse("home")).status_code == 200
    assert seconds_left(client) > 29 * 60


def test_after_the_idle_time_the_person_signs_in_again(world):
    client = signed_in(world, "mbra-user")
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"]).content.decode()
    assert "Your session ended because flexhub was not used for a while" in page
    assert "Sign in to flexhub" in page


def test_an_api_call_with_a_token_starts_no_session(world):
    """A token is not a session: each call (a script's, a load test's) used to leave a new
    session row behind and answer with a session cookie."""
    client = api_client(world, "supa-agent")
    before = Session.objects.count()
    for _ in range(3):
        answer = client.get("/api/v1/tickets/")
        assert answer.status_code == 200
        assert "sessionid" not in answer.cookies
    assert Session.objects.count() == before
