"""Failed sign-ins: throttled and locked out per username and per address (django-axes), shown a
GOV.UK page, and every one in flexhub's own audit log."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse

from flexhub.core.models import AuditAction, AuditEntry
from flexhub.core.signin import client_address

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"


def sign_in(username: str, password: str, address: str = "192.0.2.10") -> object:
    return Client(REMOTE_ADDR=address).post(reverse("login"), {"username": username, "password": password})


def test_five_failures_lock_the_username_out_for_fifteen_minutes(world):
    for _ in range(4):
        response = sign_in("mbra-user", "wrong")
        assert response.status_code == 200  # the form again, with its error
        assert "govuk-error-summary" in response.content.decode()
    fifth = sign_in("mbra-user", "wrong")
    assert fifth.status_code == 429
    # Now even the right password is refused, from any address ...
    locked = sign_in("mbra-user", PASSWORD, address="198.51.100.1")
    assert locked.status_code == 429
    # ... until the fifteen minutes have passed.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))
    assert sign_in("mbra-user", PASSWORD, address="198.51.100.1").status_code == 302


def test_the_lockout_is_a_govuk_page_not_a_403(world):
    for _ in range(5):
        sign_in("mbra-user", "wrong")
    response = sign_in("mbra-user", PASSWORD)
    body = response.content.decode()
    assert response.status_code == 429
    assert "govuk-frontend.min.css" in body
    assert "Too many failed sign-ins" in body
    assert "Try again in 15 minutes" in body
    assert "mbra-user" in body
    assert "Traceback" not in body and "Forbidden" not in body


def test_one_address_is_locked_out_whatever_username_it_tries(world):
    for i in range(5):
        sign_in(f"nobody-{i}", "guess", address="203.0.113.66")
    assert sign_in("mbra-user", PASSWORD, address="203.0.113.66").status_code == 429
    # Another address, and that login, are not affected.
    assert sign_in("mbra-user", PASSWORD, address="203.0.113.67").status_code == 302


def test_a_success_clears_the_count(world):
    for _ in range(4):
        sign_in("mbra-user", "wrong")
    assert sign_in("mbra-user", PASSWORD).status_code == 302
    for _ in range(4):
        sign_in("mbra-user", "wrong")
    assert sign_in("mbra-user", PASSWORD).status_code == 302


def test_the_limits_come_from_settings(world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=45)
    sign_in("mbra-user", "wrong")
    response = sign_in("mbra-user", "wrong")
    assert response.status_code == 429
    assert "Try again in 45 minutes" in response.content.decode()


def test_every_failed_sign_in_is_in_the_audit_log(world):
    user = world.users["mbra-user"]
    sign_in("mbra-user", "wrong", address="203.0.113.9")
    entry = AuditEntry.objects.get(action=AuditAction.REFUSED, object_id=str(user.pk))
    assert entry.object_type == "core.user"
    assert entry.organisation == user.organisation
    assert entry.actor is None and "203.0.113.9" in entry.actor_label
    assert entry.channel == "web"
    assert "'mbra-user'" in entry.reason and "203.0.113.9" in entry.reason
    assert "wrong username or password" in entry.reason
    # The member's admin sees it in the audit log; another member's does not.
    admin = Client()
    admin.force_login(world.users["mbra-admin"])
    assert "203.0.113.9" in admin.get(reverse("audit-list")).content.decode()
    other = Client()
    other.force_login(world.users["mbrb-admin"])
    assert "203.0.113.9" not in other.get(reverse("audit-list")).content.decode()


def test_a_username_that_does_not_exist_is_recorded_for_the_operator(world):
    sign_in("no-such-login", "guess", address="203.0.113.10")
    entry = AuditEntry.objects.get(action=AuditAction.REFUSED, object_repr="no-such-login")
    assert entry.organisation is None and entry.object_id == ""
    assert "203.0.113.10" in entry.reason


def test_attempts_while_locked_out_are_recorded_too(world):
    for _ in range(6):
        sign_in("mbra-user", "wrong")
    entries = AuditEntry.objects.filter(action=AuditAction.REFUSED, object_repr="mbra-user").order_by("id")
    assert entries.count() == 6
    reasons = [e.reason for e in entries]
    assert all("wrong username or password" in r for r in reasons[:4])
    assert all("locked out for 15 minutes" in r for r in reasons[4:])


def test_the_address_behind_the_tls_proxy_is_the_one_the_proxy_saw(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.23"
    )  # the client may forge what comes first; the proxy appended the last
    settings.BEHIND_TLS_PROXY = False
    assert client_address(request) == "127.0.0.1"
    settings.BEHIND_TLS_PROXY = True
    assert client_address(request) == "198.51.100.23"
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
    # Whatever a header holds, the answer is an address or None (PostgreSQL stores it as inet).
    forged = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, <script>")
    assert client_address(forged) == "127.0.0.1"
    settings.BEHIND_TLS_PROXY = False
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="")) is None


def test_sign_in_settings_are_read_from_the_environment(tmp_path):
    """Every variable of the configuration table reaches its setting (a fresh interpreter)."""
    env = {
        **os.environ,
        "FLEXHUB_VAR_DIR": str(tmp_path),
        "FLEXHUB_SIGNIN_FAILURES": "7",
        "FLEXHUB_SIGNIN_LOCKOUT_MINUTES": "60",
        "FLEXHUB_REQUIRE_2FA": "0",
        "FLEXHUB_ADMIN_IDLE_MINUTES": "10",
        "FLEXHUB_IDLE_MINUTES": "120",
        "FLEXHUB_API_RATE": "50/minute",
        "FLEXHUB_API_TICKET_RATE": "off",
    }
    code = (
        "import json, flexhub.settings as s; print(json.dumps([s.AXES_FAILURE_LIMIT, "
        "s.AXES_COOLOFF_TIME.total_seconds(), s.FLEXHUB_REQUIRE_2FA, s.FLEXHUB_ADMIN_IDLE_MINUTES, "
        "s.FLEXHUB_IDLE_MINUTES, s.FLEXHUB_API_RATES]))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [
        7,
        3600.0,
        False,
        10,
        120,
        {"user": "50/minute", "tickets-raise": None},
    ]
    defaults = {k: v for k, v in env.items() if not k.startswith(("FLEXHUB_SIGNIN", "FLEXHUB_REQUIRE", "FLEXHUB_API"))}
    defaults = {k: v for k, v in defaults.items() if "IDLE" not in k}
    out = subprocess.run([sys.executable, "-c", code], env=defaults, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [
        5,
        900.0,
        True,
        30,
        480,
        {"user": "300/minute", "tickets-raise": "30/hour"},
    ]
    # A rate DRF could not read fails at start-up, not as a 500 on every API call.
    bad = subprocess.run(
        [sys.executable, "-c", code],
        env={**defaults, "FLEXHUB_API_RATE": "5/fortnight"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "FLEXHUB_API_RATE" in bad.stderr
