"""Django's database sessions, with the session read on every request compiled to SQL once
(core.compiled): the same row and expiry rule as Django's own store."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from flexhub.core.compiled import CompiledLookup

LIVE_SESSION = CompiledLookup(lambda: Session.objects.all(), "session_key", "expire_date__gt")


class SessionStore(DatabaseSessionStore):
    """`SESSION_ENGINE = "flexhub.core.sessions"`."""

    def _get_session_from_db(self) -> Any:
        session = LIVE_SESSION.first(self.session_key, timezone.now())
        if session is None:
            self._session_key = None
        return session
