"""Signing in safely, in a real browser: an admin sets up an authenticator from the page (the
QR code and the key typed in), sees the recovery codes once, and a lockout is a GOV.UK page."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import TOTP

from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_up_two_factor_authentication_at_first_sign_in(page, world):
    page.goto("/people/")
    page.fill("#id_username", "mbra-admin")
    page.fill("#id_password", "test-password-123")
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Set up two-factor authentication')")
    assert page.locator("[data-testid=qr-code] svg").count() == 1
    assert page.locator("nav").count() == 0  # nothing else to go to yet
    screenshot(page, "two-factor-setup")
    secret = page.inner_text("[data-testid=totp-secret]").replace(" ", "")
    key = __import__("base64").b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    page.fill("#id_code", str(totp.token()).zfill(6))
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-testid=recovery-codes]")
    screenshot(page, "two-factor-recovery-codes")
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    page.click("text=Continue")
    page.wait_for_selector("h1:has-text('People')")
    page.goto("/account/")
    assert "On:" in page.inner_text("[data-testid=two-factor-status]")


def test_an_admin_with_an_authenticator_signs_in_with_a_code(page, world):
    sign_in(page, "aauth-admin")
    assert "Ashdown Authority" in page.inner_text("[data-testid=whoami]")


def test_repeated_failures_lock_the_sign_in(page, world):
    for _ in range(5):
        page.goto("/accounts/login/")
        page.fill("#id_username", "mbra-user")
        page.fill("#id_password", "not-the-password")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    page.wait_for_selector("[data-testid=locked-out]")
    screenshot(page, "signin-locked-out")
    assert "Try again in 15 minutes" in page.inner_text("main")
