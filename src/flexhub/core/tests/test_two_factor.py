"""Two-factor authentication: the step after the password, setting up an authenticator, recovery
codes, who must use it, and resetting a lost device (web and CLI). Sessions here sign in through
the form, so nothing is marked verified for them (unlike `force_login`, conftest.py)."""

from __future__ import annotations

import re
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from flexhub.core import signin
from flexhub.core.audit import Actor
from flexhub.core.models import AuditAction, AuditEntry
from flexhub.core.signin_views import REPLACE_UNTIL, SETUP_KEY
from flexhub.core.testing.twofactor import app_code

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"
SETUP = reverse("two-factor-setup")
VERIFY = reverse("two-factor-verify")


def password_only(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """Set `user` up through the service, as the setup page does."""
    key = signin.new_secret()
    totp = TOTP(bytes.fromhex(key))
    enrolment = signin.two_factor_enrol(actor=Actor.system("test"), user=user, key=key, code=str(totp.token()).zfill(6))
    return enrolment.device, enrolment.recovery_codes


def code_for_key(key: str) -> str:
    totp = TOTP(bytes.fromhex(key))
    totp.time = time.time()
    return str(totp.token()).zfill(6)


def refused_entries(user) -> list[str]:
    return list(
        AuditEntry.objects.filter(action=AuditAction.REFUSED, object_id=str(user.pk)).values_list("reason", flat=True)
    )


def test_an_admin_without_a_device_is_sent_to_set_one_up_and_reaches_nothing_else(world):
    client = password_only("mbra-admin")
    for url in (reverse("home"), reverse("person-list"), reverse("audit-list"), reverse("account")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{SETUP}?next="), url
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert "two-factor" in api.json()["detail"]
    page = client.get(SETUP).content.decode()
    assert "you must set up two-factor authentication" in page
    assert 'href="/people/"' not in page  # no navigation until it is done
    # Signing out is still possible.
    assert client.post(reverse("logout")).status_code == 302


def test_setting_up_an_authenticator_shows_ten_recovery_codes_once(world):
    user = world.users["mbra-admin"]
    client = password_only("mbra-admin")
    page = client.get(f"{SETUP}?next=/people/").content.decode()
    assert "<svg" in page and 'data-testid="qr-code"' in page
    key = client.session[SETUP_KEY]
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    assert signin.secret_text(key) == secret
    # A wrong code sets nothing up, and is audited.
    wrong = client.post(SETUP, {"code": "000000" if code_for_key(key) != "000000" else "111111"})
    assert wrong.status_code == 200 and "govuk-error-summary" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert any("setting up" in r for r in refused_entries(user))
    done = client.post(SETUP, {"code": code_for_key(key), "next": "/people/"})
    body = done.content.decode()
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", body)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(codes)
    assert 'href="/people/"' in body
    # Through: every page answers, and the codes are never shown again.
    assert client.get(reverse("person-list")).status_code == 200
    again = client.get(SETUP).content.decode()
    assert "already set up" in again and codes[0] not in again
    assert client.post(SETUP, {"code": code_for_key(key)}).status_code == 302
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    entry = AuditEntry.objects.filter(object_id=str(user.pk), reason__startswith="authenticator app set up").get()
    assert entry.changes == {"two_factor": ["off", "on"], "recovery_codes_left": [None, 10]}
    assert entry.actor == user


def test_a_login_with_a_device_must_enter_a_code_and_a_wrong_one_is_refused(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wait after a wrong code is tested below
    user = world.users["mbra-user"]  # a role that may choose two-factor authentication
    device, _ = enrolled(user)
    client = password_only("mbra-user")
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(f"{VERIFY}?next=")
    assert client.get("/api/v1/me/").status_code == 403
    right = app_code(device)
    wrong = "123456" if right != "123456" else "654321"
    refused = client.post(VERIFY, {"code": wrong, "next": "/"})
    assert refused.status_code == 200
    assert "is not right" in refused.content.decode()
    assert client.get(reverse("home")).status_code == 302
    assert any("wrong two-factor code at sign-in" in r for r in refused_entries(user))
    accepted = client.post(VERIFY, {"code": right, "next": "/tickets/"})
    assert accepted.status_code == 302 and accepted["Location"] == "/tickets/"
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    # The same code cannot be used twice (in another session).
    other = password_only("mbra-user")
    assert "is not right" in other.post(VERIFY, {"code": right}).content.decode()


def test_wrong_codes_make_the_login_wait(world):
    device, _ = enrolled(world.users["mbra-user"])
    client = password_only("mbra-user")
    right = app_code(device)
    wrong = "123456" if right != "123456" else "654321"
    client.post(VERIFY, {"code": wrong})
    second = client.post(VERIFY, {"code": right})
    assert "Too many wrong codes: wait" in second.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_a_recovery_code_works_once(world):
    user = world.users["mbra-admin"]
    _, codes = enrolled(user)
    client = password_only("mbra-admin")
    response = client.post(VERIFY, {"code": codes[3].upper(), "next": "/"})  # as typed, in capitals
    assert response.status_code == 302
    home = client.get(reverse("home")).content.decode()
    assert "recovery code; 9 left" in home
    entry = AuditEntry.objects.get(object_id=str(user.pk), reason="recovery code used at sign-in")
    assert entry.changes == {"recovery_codes_left": [10, 9]}
    again = password_only("mbra-admin")
    refused = again.post(VERIFY, {"code": codes[3]})
    assert "recovery code (each works once) is not right" in refused.content.decode()
    assert again.get(reverse("home")).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_other_roles_are_not_made_to_use_it(world):
    for username in ("mbra-user", "supa-agent", "inta-integrator"):
        client = password_only(username)
        assert client.get(reverse("home")).status_code == 200, username
        assert "Off: you sign in with your password alone" in client.get(reverse("account")).content.decode()


def test_the_requirement_is_a_setting(world, settings):
    settings.FLEXHUB_REQUIRE_2FA = False
    client = password_only("aauth-admin")
    assert client.get(reverse("home")).status_code == 200
    settings.FLEXHUB_REQUIRE_2FA = True
    assert client.get(reverse("home")).status_code == 302


def test_api_tokens_are_not_asked_for_a_code(world):
    user = world.users["aauth-admin"]
    enrolled(user)
    token = Token.objects.create(user=user)
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_a_user_turns_it_on_and_off_from_the_account_page(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = world.users["mbra-user"]
    client = password_only("mbra-user")
    assert reverse("two-factor-setup") in client.get(reverse("account")).content.decode()
    client.get(SETUP)
    key = client.session[SETUP_KEY]
    assert client.post(SETUP, {"code": code_for_key(key)}).status_code == 200
    account = client.get(reverse("account")).content.decode()
    assert "On: you sign in with your password and a code" in account and "10 recovery codes left" in account
    device = signin.authenticator_of(user)
    assert client.post(reverse("two-factor-disable"), {"code": "nonsense"}).status_code == 200
    assert signin.two_factor_enabled(user)
    assert client.post(reverse("two-factor-disable"), {"code": app_code(device)}).status_code == 302
    assert not signin.two_factor_enabled(user) and not StaticDevice.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(reason="two-factor authentication turned off by its owner").count() == 1
    # An admin may not turn it off.
    admin = world.users["mbra-admin"]
    device, _ = enrolled(admin)
    admin_client = Client()
    admin_client.force_login(admin)
    assert "you cannot turn it off" in admin_client.get(reverse("two-factor-disable")).content.decode()
    response = admin_client.post(reverse("two-factor-disable"), {"code": app_code(device)})
    assert "must use two-factor authentication" in response.content.decode()
    assert signin.two_factor_enabled(admin)


def test_new_recovery_codes_replace_the_old_ones(world):
    user = world.users["mbra-admin"]
    device, old = enrolled(user)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("two-factor-recovery-codes"), {"code": app_code(device)})
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(new)
    assert AuditEntry.objects.filter(object_id=str(user.pk), reason="new recovery codes").exists()


def test_a_user_moves_to_a_new_phone_and_the_old_app_works_until_the_new_one_is_confirmed(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = world.users["mbra-admin"]
    old_device, old_codes = enrolled(user)
    client = Client()
    client.force_login(user)
    move = reverse("two-factor-replace")
    assert move in client.get(reverse("account")).content.decode()
    # Without a current code, the setup page offers no new secret.
    assert "already set up" in client.get(SETUP).content.decode()
    assert client.post(SETUP, {"code": "123456"}).status_code == 302
    wrong = client.post(move, {"code": "000000"})
    assert wrong.status_code == 200 and "is not right" in wrong.content.decode()
    assert "wrong two-factor code at moving to a new phone" in refused_entries(user)

    assert client.post(move, {"code": app_code(old_device)}).status_code == 302
    page = client.get(SETUP).content.decode()
    assert "Move to a new phone" in page and 'data-testid="qr-code"' in page
    new_key = client.session[SETUP_KEY]
    assert new_key != old_device.key
    assert signin.two_factor_check(actor=Actor.system("test"), user=user, code=app_code(old_device)).device
    confirmed = client.post(SETUP, {"code": code_for_key(new_key)})
    new_codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", confirmed.content.decode())

    device = signin.authenticator_of(user)
    assert device.key == new_key and not TOTPDevice.objects.filter(pk=old_device.pk).exists()
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert AuditEntry.objects.filter(
        object_id=str(user.pk), reason="authenticator app set up, replacing the earlier one"
    ).exists()
    assert "already set up" in client.get(SETUP).content.decode()  # the window closed with the move


def test_the_window_to_move_to_a_new_phone_closes(world):
    user = world.users["mbra-admin"]
    device, _ = enrolled(user)
    client = Client()
    client.force_login(user)
    assert client.post(reverse("two-factor-replace"), {"code": app_code(device)}).status_code == 302
    session = client.session
    session[REPLACE_UNTIL] = time.time() - 1
    session.save()
    assert "already set up" in client.get(SETUP).content.decode()
    assert client.post(SETUP, {"code": "123456"}).status_code == 302
    assert signin.authenticator_of(user).pk == device.pk


def test_an_authority_admin_resets_a_lost_device(world):
    person = world.users["mbra-admin"]
    enrolled(person)
    verified = Client()
    verified.force_login(person)  # a session already through the second factor
    assert verified.get(reverse("home")).status_code == 200
    authority = Client()
    authority.force_login(world.users["aauth-admin"])
    detail = authority.get(reverse("person-detail", kwargs={"pk": person.pk})).content.decode()
    url = reverse("person-two-factor-reset", kwargs={"pk": person.pk})
    assert url in detail
    assert authority.get(url).status_code == 200
    response = authority.post(url, {"reason": "phone lost, called back on the desk number"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticDevice.objects.filter(user=person).exists()
    entry = AuditEntry.objects.get(object_id=str(person.pk), reason__startswith="two-factor authentication reset")
    assert entry.actor == world.users["aauth-admin"] and entry.changes == {"two_factor": ["on", "off"]}
    assert "phone lost" in entry.reason
    # The person's sessions must set up a new device before anything else.
    assert verified.get(reverse("home"))["Location"].startswith(SETUP)
    assert password_only("mbra-admin").get(reverse("home"))["Location"].startswith(SETUP)


def test_who_may_reset_two_factor_authentication(world):
    target = world.users["mbra-user"]
    url = reverse("person-two-factor-reset", kwargs={"pk": target.pk})
    member_admin = Client()
    member_admin.force_login(world.users["mbra-admin"])
    assert member_admin.post(url, {}).status_code == 403
    authority = Client()
    authority.force_login(world.users["aauth-admin"])
    # MBRB also takes part in another authority's framework: AAUTH does not administer its people.
    foreign = reverse("person-two-factor-reset", kwargs={"pk": world.users["mbrb-user"].pk})
    assert authority.post(foreign, {}).status_code == 404
    own = reverse("person-two-factor-reset", kwargs={"pk": world.users["aauth-admin"].pk})
    response = authority.post(own, {})
    assert response.status_code == 200 and "cannot reset your own" in response.content.decode()


def test_the_cli_resets_two_factor_authentication(world, capsys):
    person = world.users["aauth-admin"]
    enrolled(person)
    call_command("user", "reset-2fa", "aauth-admin", "--reason", "lost phone")
    assert "two-factor authentication of aauth-admin reset" in capsys.readouterr().out
    assert not signin.two_factor_enabled(person)
    entry = AuditEntry.objects.get(object_id=str(person.pk), reason__startswith="two-factor authentication reset")
    assert entry.channel == "cli" and "lost phone" in entry.reason


def test_next_never_leaves_the_site(world):
    device, _ = enrolled(world.users["mbra-user"])
    client = password_only("mbra-user")
    response = client.post(VERIFY, {"code": app_code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_a_code_of_any_shape_is_refused_cleanly(world):
    enrolled(world.users["mbra-user"])
    client = password_only("mbra-user")
    for code in ("", " ", "x" * 200, "12 34 5", "---", "é☃"):
        response = client.post(VERIFY, {"code": code})
        assert response.status_code == 200, code
