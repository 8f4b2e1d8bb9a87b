"""Session guards: idle sessions end, and a second factor comes before anything else.

Both act on sessions only (a page, or the API used from a signed-in browser). An API call with
a token is authenticated later, by DRF, and is not touched: a token is issued to a login by an
admin (`flexhub token`) or by its owner after signing in in full.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from flexhub.core.roles import ADMIN_ROLES
from flexhub.core.signin import two_factor_enabled, two_factor_required

SEEN_KEY = "flexhub_seen"
API_PREFIX = "/api/"


def idle_seconds(user: Any) -> int:
    """How long a session of `user` lasts without a request: shorter for the admins."""
    minutes = settings.FLEXHUB_ADMIN_IDLE_MINUTES if user.role in ADMIN_ROLES else settings.FLEXHUB_IDLE_MINUTES
    return max(1, int(minutes)) * 60


class IdleSessionMiddleware:
    """Ends a session after `FLEXHUB_IDLE_MINUTES` without a request (`FLEXHUB_ADMIN_IDLE_MINUTES`
    for the admins): each request of a signed-in user moves the expiry on. The session is saved
    at most once a minute for that, not on every request; the database's expiry date and the
    cookie's move together. A request that brings the cookie of an ended session is told why it
    is asked to sign in again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and not request.path.startswith(API_PREFIX)
            and not request.user.is_authenticated
            and not request.session.keys()
            and request.session.session_key is None
        ):
            messages.info(request, "Your session ended because flexhub was not used for a while. Sign in again.")
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # Only a signed-in session moves on: a call with an API token (DRF puts its user on the
        # request too) has no session, and must not start one.
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session is not None and SESSION_KEY in session:
            limit = idle_seconds(user)
            now = int(time.time())
            seen = request.session.get(SEEN_KEY)
            stale = not isinstance(seen, int) or now - seen >= min(60, limit // 10)
            if stale or request.session.get("_session_expiry") != limit:
                request.session.set_expiry(limit)
                request.session[SEEN_KEY] = now
        return response


def two_factor_step(request: HttpRequest) -> str | None:
    """What a signed-in session must do before anything else: `verify` (enter a code, the
    login has an authenticator), `setup` (its role requires one and it has none), or nothing."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return None
    if two_factor_enabled(user):
        return "verify"
    if two_factor_required(user):
        return "setup"
    return None


class TwoFactorMiddleware:
    """After a correct password, a login with an authenticator must enter a code, and an admin
    without one must set one up, before any other page or API call answers: everything else
    redirects to that step (the API answers 403 in JSON). Signing out is always allowed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = two_factor_step(request)
        request.two_factor_step = step  # type: ignore[attr-defined]
        if step is None:
            return self.get_response(request)
        target = reverse("two-factor-verify" if step == "verify" else "two-factor-setup")
        allowed = {reverse("two-factor-verify"), reverse("two-factor-setup"), reverse("logout")}
        if request.path_info in allowed:
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            detail = (
                "Finish signing in: enter your two-factor code first."
                if step == "verify"
                else "Finish signing in: set up two-factor authentication first."
            )
            return JsonResponse({"detail": detail}, status=403)
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
