"""Shared pytest fixtures: fast password hashing and the two-framework tenancy world."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    from flexhub.core.testing.world import build_world

    return build_world()
