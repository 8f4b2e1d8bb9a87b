"""Foundation in a real browser: sign-in, scoped people, the audit log, error summaries."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_admin_sees_own_people_not_another_members(page, world):
    sign_in(page, "mbra-admin")
    assert "Ashcombe Council" in page.inner_text("[data-testid=whoami]")
    page.click("nav >> text=Administration")
    page.click("main >> text=People")
    page.wait_for_selector("h1:has-text('People')")
    screenshot(page, "people-member-admin")
    table = page.inner_text("table")
    assert "mbra-user" in table
    assert "mbrb-" not in page.content()
    assert "Bramblewick" not in page.content()


def test_authority_admin_sees_the_audit_log(page, world):
    sign_in(page, "aauth-admin")
    page.click("nav >> text=Administration")
    page.click("main >> text=Audit log")
    page.wait_for_selector("[data-testid=audit-table]")
    screenshot(page, "audit-log-authority")
    rows = page.locator("[data-testid=audit-table] tbody tr")
    assert rows.count() > 5
    assert "mbra-user" in page.inner_text("[data-testid=audit-table]")


def test_form_error_shows_the_govuk_error_summary(page, world):
    sign_in(page, "mbra-admin")
    page.goto("/people/add/")
    page.fill("#id_username", "weak-one")
    page.fill("#id_password", "12345678")
    page.click("main button[type=submit]")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    screenshot(page, "person-add-error-summary")
    assert "There is a problem" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert page.locator("#id_password.govuk-input--error").count() == 1


def test_wrong_password_at_sign_in(page, world):
    page.goto("/accounts/login/")
    page.fill("#id_username", "mbra-admin")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    page.locator(".govuk-error-summary").wait_for()
    screenshot(page, "login-error")
    assert "correct username and password" in page.inner_text(".govuk-error-summary")
