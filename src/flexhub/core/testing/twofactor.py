"""Two-factor authentication in tests: enrol a login, compute the code its app would show, and a
`Client.force_login` that stands for a sign-in completed with both factors.

`force_login` skips the sign-in form, so it skips the second factor too: the root conftest
replaces it with `force_login_with_two_factor`, which also marks the session as verified with
the login's authenticator (enrolling one for an admin who has none), exactly as the
two-factor step would. Tests of the step itself sign in through the form instead.
"""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from flexhub.core.models import User
from flexhub.core.signin import AUTHENTICATOR_NAME, authenticator_of, two_factor_enabled, two_factor_required

_original_force_login = Client.force_login


def enrol(user: User) -> TOTPDevice:
    """A confirmed authenticator for `user`, made directly (no audit entry, no recovery codes)."""
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)


def app_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows now, or the next one if this one was used already (django-otp
    refuses a code twice); within the device's tolerance of one step either way."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    now_t = totp.t()
    wanted = max(now_t, device.last_t + 1) + steps_ahead
    totp.time = time.time() + (wanted - now_t) * device.step
    return str(totp.token()).zfill(device.digits)


def mark_verified(client: Client, user: User) -> TOTPDevice:
    """Mark the client's session as through the second factor with `user`'s authenticator."""
    device = authenticator_of(user) or enrol(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def force_login_with_two_factor(self: Client, user: Any, backend: str | None = None) -> None:
    _original_force_login(self, user, backend)
    if two_factor_required(user) or two_factor_enabled(user):
        mark_verified(self, user)
