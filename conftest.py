"""Shared pytest fixtures: fast password hashing, no API rate limits, force_login past the second
factor, and the two-framework tenancy world."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings
    from django.db.backends.signals import connection_created

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite makes hundreds of API calls as one login; the rates are tested on their own
    # (tests/test_api_throttling.py), with rates set there.
    settings.FLEXHUB_API_RATES = dict.fromkeys(settings.FLEXHUB_API_RATES)
    connection_created.connect(_allow_the_test_flush)


def _allow_the_test_flush(sender, connection, **kwargs) -> None:
    """On PostgreSQL, TRUNCATE of the audit log and the billing tables is refused unless the
    session asks for it (billing migration 0003); a transactional test's flush between tests
    is exactly such a deliberate wipe."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET flexhub.allow_truncate = 'on'")


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """`client.force_login` stands for a completed sign-in, second factor included
    (core/testing/twofactor.py); the two-factor step itself is tested through the form."""
    from django.test import Client

    from flexhub.core.testing.twofactor import force_login_with_two_factor

    monkeypatch.setattr(Client, "force_login", force_login_with_two_factor)


@pytest.fixture
def world(db):
    from flexhub.core.testing.world import build_world

    return build_world()
