"""Signing in: where a request comes from, failed sign-ins, and two-factor authentication.

django-axes counts failed sign-ins and locks a username or an address out; django-otp keeps
each login's devices (an authenticator app, `TOTPDevice`, and its recovery codes, a
`StaticDevice`). What flexhub adds is here: who must use a second factor, the changes to a
login's devices (each in a transaction and audited like any other change), and audit entries
for what someone tried and was refused, so an admin can see an attack on their people.
"""

from __future__ import annotations

import base64
import ipaddress
import time
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from flexhub.core.audit import Actor, audit_record, audit_record_event
from flexhub.core.compiled import CompiledLookup
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, User
from flexhub.core.roles import Role
from flexhub.core.tenancy import administers

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"


USER_WITH_ORGANISATION = CompiledLookup(lambda: User.objects.select_related("organisation"), "pk")


class SignInBackend(ModelBackend):
    """Django's username and password backend; a signed-in request reads its user together with
    the organisation, which every page names, in one query instead of two, compiled once."""

    def get_user(self, user_id: Any) -> Any:
        user = USER_WITH_ORGANISATION.first(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address a request comes from (django-axes counts failures per address with it), or
    None if there is none (a test's request) or it is not an IP address.

    Behind the TLS proxy (`FLEXHUB_BEHIND_TLS_PROXY`) every request arrives from the proxy, so
    the address is the last one in `X-Forwarded-For`: the one the proxy itself appended, which a
    client cannot forge (earlier entries can be). Otherwise it is the connection's address.
    """
    if settings.BEHIND_TLS_PROXY:
        forwarded = [a for a in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if a.strip()]
        if forwarded and (address := _ip(forwarded[-1])):
            return address
    return _ip(str(request.META.get("REMOTE_ADDR") or ""))


def _clean(text: Any, limit: int = 150) -> str:
    return str(text or "").replace("\x00", "")[:limit]


@transaction.atomic
def record_failed_sign_in(*, username: str, address: str | None, locked_out: bool) -> None:
    """Put a failed sign-in in the audit log: the username tried, the address, and whether the
    username or address is now locked out. An attempt on a real login is filed under its
    organisation, so that organisation's admins see it; one on a username that does not exist
    has no organisation and is seen by the operator only."""
    username = _clean(username)
    address = address or "an unknown address"
    user = User.objects.filter(username=username).select_related("organisation").first() if username else None
    why = (
        f"too many failed sign-ins: locked out for {_minutes(settings.AXES_COOLOFF_TIME)} minutes"
        if locked_out
        else "wrong username or password"
    )
    audit_record_event(
        actor=Actor(user=None, label=f"{address} (not signed in)", channel="web"),
        action=AuditAction.REFUSED,
        object_type=User._meta.label_lower,
        object_id=user.pk if user else "",
        object_repr=username or "(no username)",
        organisation=user.organisation if user else None,
        reason=f"sign-in as {username!r} from {address} refused: {why}",
    )


def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django's `user_login_failed` receiver (connected in CoreConfig.ready): every failed sign-in,
    including one refused because of a lockout, goes in the audit log. django-axes's own
    receiver has run first and flagged the request if it is (now) locked out."""
    if request is None:
        return
    record_failed_sign_in(
        username=str(credentials.get("username") or ""),
        address=client_address(request),
        locked_out=bool(getattr(request, "axes_locked_out", False)),
    )


def _minutes(delta: Any) -> int:
    return int(delta.total_seconds() // 60)


# Two-factor authentication ------------------------------------------------------------------


def two_factor_required(user: Any) -> bool:
    """Whether the login's role must use a second factor (`FLEXHUB_REQUIRE_2FA`: the admins)."""
    return bool(settings.FLEXHUB_REQUIRE_2FA and getattr(user, "role", None) in settings.FLEXHUB_2FA_REQUIRED_ROLES)


def authenticator_of(user: Any) -> TOTPDevice | None:
    """The login's confirmed authenticator app, if it has set one up."""
    device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device


CONFIRMED_AUTHENTICATOR = CompiledLookup(lambda: TOTPDevice.objects.filter(confirmed=True), "user")


def two_factor_enabled(user: Any) -> bool:
    """Whether `user` has a confirmed authenticator (asked on every request of a session)."""
    return CONFIRMED_AUTHENTICATOR.first(user.pk) is not None


def recovery_codes_left(user: Any) -> int:
    left: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return left


def new_secret() -> str:
    """A fresh authenticator secret, hex-encoded as django-otp keeps it (20 random bytes)."""
    return str(random_hex(20))


def secret_text(key: str) -> str:
    """The secret as a person types it into an authenticator app: base32, in groups of four."""
    encoded = base64.b32encode(bytes.fromhex(key)).decode("ascii").rstrip("=")
    return " ".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def provisioning_uri(user: User, key: str) -> str:
    """The `otpauth://` address an authenticator app reads from the QR code."""
    return str(TOTPDevice(user=user, key=key, name=AUTHENTICATOR_NAME).config_url)


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as inline SVG (no script, no external image: the CSP allows it)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, dark="#0b0c0c", light="#ffffff"))


def normalise_code(code: str) -> str:
    """A code as typed, without spaces or dashes and in lower case (recovery codes are base32)."""
    return "".join(code.split()).replace("-", "").lower()


def _is_app_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    codes = [str(StaticToken.random_token()) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _refused(*, actor: Actor, user: User, reason: str) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.REFUSED,
        instance=user,
        changes={},
        organisation=user.organisation,
        reason=reason,
    )


@dataclass(frozen=True)
class Enrolment:
    """What setting up an authenticator gives: the device, and the recovery codes, shown once."""

    device: TOTPDevice
    recovery_codes: list[str]


def two_factor_enrol(*, actor: Actor, user: User, key: str, code: str) -> Enrolment:
    """Set up an authenticator app for `user` from the secret it was shown, once a code from the
    app proves it holds the secret; any earlier device and recovery codes are replaced, and ten
    new recovery codes are made (returned once: only their owner ever sees them).

    A wrong code changes nothing and is audited; it raises RuleError on the `code` field."""
    code = normalise_code(code)
    totp = TOTP(bytes.fromhex(key))
    totp.time = time.time()
    if not (_is_app_code(code) and totp.verify(int(code), tolerance=1)):
        with transaction.atomic():
            _refused(actor=actor, user=user, reason="wrong code while setting up two-factor authentication")
        raise RuleError("The code is not right: enter the 6-digit code your app shows now", field="code")
    with transaction.atomic():
        had = two_factor_enabled(user)
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user, name=AUTHENTICATOR_NAME, key=key, confirmed=True, last_t=totp.t(), drift=0
        )
        codes = _new_recovery_codes(user)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=user,
            changes={
                "two_factor": ["on" if had else "off", "on"],
                "recovery_codes_left": [None, RECOVERY_CODE_COUNT],
            },
            organisation=user.organisation,
            reason="authenticator app set up" + (", replacing the earlier one" if had else ""),
        )
    return Enrolment(device=device, recovery_codes=codes)


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code: the device that took it, or why it was refused."""

    device: TOTPDevice | StaticDevice | None
    problem: str = ""
    recovery_codes_left: int | None = None


def _wait_problem(device: Any) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (data or {}).get("locked_until")
    seconds = 0
    if locked_until is not None:
        seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
    return f"Too many wrong codes: wait {seconds} seconds and try again" if seconds else "Too many wrong codes"


def two_factor_check(*, actor: Actor, user: User, code: str, purpose: str = "sign-in") -> CodeCheck:
    """Check a code from the login's authenticator app, or one of its recovery codes (used up by
    it). After a wrong code django-otp makes the login wait (1, 2, 4, ... seconds) before the next
    is even checked. Wrong codes and every recovery code used are audited; a right app code is
    not (it is an ordinary sign-in)."""
    code = normalise_code(code)
    app = _is_app_code(code)
    with transaction.atomic():
        devices = (TOTPDevice if app else StaticDevice).objects.filter(user=user, confirmed=True)
        device = devices.select_for_update().order_by("pk").first()
        if device is None:
            problem = (
                "You have no authenticator app set up: use a recovery code"
                if app
                else "That is not a code from your authenticator app or one of your recovery codes"
            )
            _refused(actor=actor, user=user, reason=f"wrong two-factor code at {purpose}")
            return CodeCheck(device=None, problem=problem)
        if wait := _wait_problem(device):
            _refused(actor=actor, user=user, reason=f"two-factor code at {purpose} while made to wait")
            return CodeCheck(device=None, problem=wait)
        before = recovery_codes_left(user) if not app else None
        if device.verify_token(code):
            if app:
                return CodeCheck(device=device)
            left = recovery_codes_left(user)
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=user,
                changes={"recovery_codes_left": [before, left]},
                organisation=user.organisation,
                reason=f"recovery code used at {purpose}",
            )
            return CodeCheck(device=device, recovery_codes_left=left)
        _refused(actor=actor, user=user, reason=f"wrong two-factor code at {purpose}")
    kind = "code from your authenticator app" if app else "recovery code (each works once)"
    return CodeCheck(device=None, problem=f"That {kind} is not right")


def recovery_codes_renew(*, actor: Actor, user: User, code: str) -> list[str]:
    """Replace the login's recovery codes with ten new ones, once a current code proves it is
    its owner; the old ones stop working. Audited."""
    check = two_factor_check(actor=actor, user=user, code=code, purpose="new recovery codes")
    if check.device is None:
        raise RuleError(check.problem, field="code")
    with transaction.atomic():
        before = recovery_codes_left(user)
        codes = _new_recovery_codes(user)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=user,
            changes={"recovery_codes_left": [before, len(codes)]},
            organisation=user.organisation,
            reason="new recovery codes",
        )
    return codes


def _remove_devices(*, actor: Actor, user: User, reason: str) -> None:
    had = two_factor_enabled(user) or StaticDevice.objects.filter(user=user).exists()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=user,
        changes={"two_factor": ["on", "off"]} if had else {},
        organisation=user.organisation,
        reason=reason,
    )


def two_factor_disable(*, actor: Actor, user: User, code: str) -> None:
    """Turn a login's own two-factor authentication off, with a current code to prove it is its
    owner; refused where the role requires it. Audited."""
    if two_factor_required(user):
        raise RuleError(f"A {Role(user.role).label.lower()} must use two-factor authentication")
    check = two_factor_check(actor=actor, user=user, code=code, purpose="turning two-factor authentication off")
    if check.device is None:
        raise RuleError(check.problem, field="code")
    with transaction.atomic():
        _remove_devices(actor=actor, user=user, reason="two-factor authentication turned off by its owner")


@transaction.atomic
def two_factor_reset(*, actor: Actor, user: User, reason: str = "") -> None:
    """Remove a login's authenticator and recovery codes when the device is lost: it signs in
    with its password alone next time (and an admin is asked to set up a new device at once).

    The CLI may reset anyone; on the web an authority admin may reset the people of the
    organisations it administers (the rule that lets it manage their logins), never itself,
    since a lost device of one's own goes to another admin or the operator."""
    manager = actor.user
    if manager is not None:
        if manager.role != Role.AUTHORITY_ADMIN or not administers(manager, user.organisation):
            raise RuleError("you may not reset the two-factor authentication of people of that organisation")
        if manager.pk == user.pk:
            raise RuleError("you cannot reset your own two-factor authentication: ask another admin or the operator")
    why = "two-factor authentication reset (device lost)"
    _remove_devices(actor=actor, user=user, reason=f"{why}: {reason.strip()}" if reason.strip() else why)
