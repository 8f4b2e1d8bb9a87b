"""The API's rate limits: one rate for every call of a login, a tighter one for costly writes.

DRF's own throttles read their rates once, when they are imported; these read
`settings.FLEXHUB_API_RATES` at every request, so a deployment sets them by environment
(`FLEXHUB_API_RATE`, `FLEXHUB_API_TICKET_RATE`) and a test can change them. A rate of `None`
throttles nothing. Counts are kept in Django's cache: per process by default, shared through
Redis when `FLEXHUB_REDIS_URL` is set. A throttled call answers 429 with `detail` and a
`Retry-After` header (core.api_base.exception_handler).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import throttling
from rest_framework.request import Request


def _rate(scope: str | None) -> str | None:
    rates: dict[str, str | None] = settings.FLEXHUB_API_RATES
    return rates.get(scope) if scope else None


class UserRateThrottle(throttling.UserRateThrottle):
    """Every API call of a signed-in login (token or session), counted per login. A call without
    credentials is refused (401) before any rate is looked at."""

    def get_rate(self) -> str | None:
        return _rate(self.scope)


class CreateRateThrottle(throttling.ScopedRateThrottle):
    """A tighter rate for creating through a view that names a `create_throttle_scope` (raising a
    ticket sends email), counted per login; reads and the view's other actions are not counted."""

    scope_attr = "create_throttle_scope"

    def allow_request(self, request: Request, view: Any) -> bool:
        if getattr(view, "action", None) != "create":
            return True
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        return _rate(self.scope)
