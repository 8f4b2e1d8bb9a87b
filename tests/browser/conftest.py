"""Headless Chromium (Debian's package) driven by Playwright, against the live test server."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FLEXHUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(os.environ.get("FLEXHUB_VAR_DIR", "var")) / "screenshots"

# Playwright's sync API runs its own event loop; Django must allow ORM calls beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, username: str, password: str = "test-password-123", at_second_factor=None) -> None:
    """Sign in through the form; for a login that must use a second factor (an admin), with the
    code of its authenticator (enrolled first if it has none), calling `at_second_factor(page)`
    on the page that asks for it, if given."""
    from flexhub.core.models import User
    from flexhub.core.signin import authenticator_of, two_factor_required
    from flexhub.core.testing.twofactor import app_code, enrol

    user = User.objects.get(username=username)
    device = authenticator_of(user) or (enrol(user) if two_factor_required(user) else None)
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if device is not None:
        page.wait_for_selector("h1:has-text('Enter your code')")
        if at_second_factor is not None:
            at_second_factor(page)
        page.fill("#id_code", app_code(device))
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    page.wait_for_selector("[data-testid=whoami]")


def fill_date(page, legend: str, iso_date: str) -> None:
    """Type a date into the GOV.UK date input (day, month and year boxes) named by its legend."""
    day = dt.date.fromisoformat(iso_date)
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))
