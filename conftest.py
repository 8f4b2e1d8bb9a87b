"""Shared pytest fixtures: fast password hashing and the two-framework tenancy world."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings
    from django.db.backends.signals import connection_created

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    connection_created.connect(_allow_the_test_flush)


def _allow_the_test_flush(sender, connection, **kwargs) -> None:
    """On PostgreSQL, TRUNCATE of the audit log and the billing tables is refused unless the
    session asks for it (billing migration 0003); a transactional test's flush between tests
    is exactly such a deliberate wipe."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET flexhub.allow_truncate = 'on'")


@pytest.fixture
def world(db):
    from flexhub.core.testing.world import build_world

    return build_world()
