"""The ONS story of issue 14 in a real browser, on the demo data: the ONS board's decision on the
US exposure of its data in the core service, sent back to review by Fujitsu's new sub-processor,
is recorded again by an ONS admin; the authority sees it across the framework. axe-core checks
each assurance page on the way (the crawl of test_accessibility.py reaches them too)."""

from __future__ import annotations

import pytest

from flexhub.assurance.models import ExposureDecision
from flexhub.scenarios.demo_data import DEMO_PASSWORD, demo_create
from tests.browser.conftest import fill_date, screenshot
from tests.browser.test_accessibility import AXE, Findings, audit_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNION = "The PCS union's concern about the USA PATRIOT Act was heard again"


@pytest.fixture
def demo(settings):
    settings.FLEXHUB_REQUIRE_2FA = False  # as `make run` serves the demo
    demo_create()


def _sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-testid=whoami]")


def test_the_ons_board_decision_is_recorded_after_a_new_sub_processor(browser, live_server, demo):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `npm ci` (make install) to install the devDependencies")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    findings = Findings()

    # The exposure shown: ONS data OFFICIAL-SENSITIVE in the core service, US law through Fujitsu,
    # the board's decision to review because Fujitsu took on a US backup provider.
    _sign_in(page, "ons-admin")
    page.click("nav >> text=Administration")
    page.click("main >> text=Assurance")
    assert page.inner_text("[data-testid=classification-ONS-CORE]") == "OFFICIAL-SENSITIVE"
    status = page.locator("[data-testid=status-ONS-CORE-US]")
    assert "To review" in status.inner_text()
    assert "USBK became a sub-processor of FJ" in status.inner_text()
    exposures = page.inner_text("[data-testid=exposures-ONS-CORE]")
    assert "FJ" in exposures and "USA PATRIOT Act" in exposures and "USBK" in exposures
    assert "USBK, a sub-processor of FJ, has not been reviewed" in page.inner_text("main")
    audit_page(page, "ons-admin assurance", findings)
    screenshot(page, "assurance-ons-to-review")

    # The board decides again.
    row = page.locator("tr", has=page.locator("[data-testid=status-ONS-CORE-US]"))
    row.get_by_role("link", name="Decide").click()
    page.wait_for_selector("h1:has-text('Decide on an exposure')")
    audit_page(page, "ons-admin decide", findings)
    page.get_by_label("Accept with mitigations").check()
    page.fill("#id_mitigations", "Census data held only in UK data centres\nUSBK reviewed before it holds ONS data")
    page.fill("#id_reason", f"{UNION}; the board accepted with the mitigations listed.")
    fill_date(page, "Review date", "2027-12-01")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "Decision recorded: accept with mitigations for CORE, US law" in page.inner_text(
        ".govuk-notification-banner--success"
    )
    assert "Accepted with mitigations" in page.inner_text("[data-testid=status-ONS-CORE-US]")

    # Its page: the reason with the union's concern, and the history of both decisions.
    page.locator("[data-testid=status-ONS-CORE-US]").get_by_role("link", name="Decision").click()
    assert UNION in page.inner_text("[data-testid=decision-reason]")
    history = page.inner_text("[data-testid=decision-history]")
    assert "The PCS union warned the board" in history and UNION in history
    audit_page(page, "ons-admin decision", findings)
    screenshot(page, "assurance-ons-decision")
    decision = ExposureDecision.objects.get(member__code="ONS", service__code="CORE", jurisdiction="US")
    assert (decision.outcome, decision.state, decision.decided_by_label) == (
        "accept-with-mitigations",
        "current",
        "ons-admin",
    )

    # The authority sees it across the framework, by supplier and by jurisdiction.
    _sign_in(page, "co-authority")
    page.click("nav >> text=Administration")
    page.click("main >> text=Assurance")
    by_jurisdiction = page.inner_text("[data-testid=by-jurisdiction]")
    assert "ONS CORE through FJ, USBK: Accepted with mitigations" in by_jurisdiction
    assert "USBK" in page.inner_text("[data-testid=by-supplier]")
    audit_page(page, "co-authority assurance", findings)
    context.close()
    assert not findings.problems, "\n".join(findings.problems)
