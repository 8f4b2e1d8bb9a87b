"""flexhub's session store reads sessions as Django's database store does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from flexhub.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_settings_use_it():
    assert settings.SESSION_ENGINE == "flexhub.core.sessions"


def test_a_live_session_is_read_and_an_expired_or_unknown_one_is_not():
    saved = SessionStore()
    saved["seen"] = 42
    saved.create()
    key = saved.session_key

    assert SessionStore(session_key=key).load() == {"seen": 42}

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(session_key=key)
    assert expired.load() == {}
    assert expired.session_key is None  # as Django's store: a new key is made when it is saved

    unknown = SessionStore(session_key="x" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None
