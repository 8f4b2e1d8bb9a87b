"""The README's demo stories in a real browser, on the demo data, step by step as written."""

from __future__ import annotations

import pytest

from flexhub.core.models import Organisation
from flexhub.directory.models import StaffMember
from flexhub.scenarios.demo_data import DEMO_DIR, DEMO_PASSWORD, demo_create
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.FLEXHUB_REQUIRE_2FA = False  # as `make run` serves the demo
    demo_create()


def _sign_in_with_the_demo_password(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-testid=whoami]")


def test_the_dius_story(page, demo):
    # 1. dius-admin imports the new starters: four rows refused, then the fixed file.
    _sign_in_with_the_demo_password(page, "dius-admin")
    page.click("nav >> text=Staff")
    page.click("text=Import a directory (CSV)")
    page.set_input_files("#id_file", str(DEMO_DIR / "dius-new-starters.csv"))
    page.click("main form button")
    problems = page.locator("[data-testid=import-problems] li")
    problems.first.wait_for()
    assert problems.count() == 4
    screenshot(page, "story-dius-rejects")
    page.click("nav >> text=Staff")
    page.click("text=Import a directory (CSV)")
    page.set_input_files("#id_file", str(DEMO_DIR / "dius-new-starters-fixed.csv"))
    page.click("main form button")
    page.click("[data-testid=apply]")
    page.wait_for_selector(".govuk-notification-banner--success")
    assert "Imported: 6 new" in page.inner_text(".govuk-notification-banner--success")

    # 2. co-authority plans the change that formed DIUS, looks at the dry run, then makes it.
    _sign_in_with_the_demo_password(page, "co-authority")
    page.click("nav >> text=Administration")
    page.click("main >> text=Changes of government")
    page.click("text=Plan a change")
    page.get_by_label("Form a new organisation from predecessors").check()
    page.fill("#id_code", "DIUS")
    page.get_by_label("Department of Trade and Industry").check()
    page.get_by_label("Department for Education and Skills").check()
    page.fill("#id_units", "Science and Innovation, Higher Education, Further Education and Skills")
    effective = page.get_by_role("group", name="Effective date")
    effective.get_by_label("Day").fill("28")
    effective.get_by_label("Month").fill("6")
    effective.get_by_label("Year").fill("2007")
    page.fill("#id_reason", "Machinery-of-government change")
    page.click("text=Dry run")
    dry_run = page.locator("[data-testid=dry-run]")
    dry_run.wait_for()
    screenshot(page, "story-dius-dry-run")
    assert "30 staff" in " ".join(dry_run.inner_text().split())
    page.click("[data-testid=apply-change]")
    page.wait_for_selector(".govuk-notification-banner--success")
    screenshot(page, "story-dius-formed")
    dius = Organisation.objects.get(code="DIUS")
    assert StaffMember.objects.filter(organisation=dius).count() == 36


def test_the_met_police_story(page, demo):
    _sign_in_with_the_demo_password(page, "mps-authority")
    page.click("nav >> text=Scorecards")
    window = page.locator("[data-testid=scorecard-window]")
    window.wait_for()
    assert "2016-04 to 2017-03" in window.inner_text()
    screenshot(page, "story-met-scorecards")
    # A point for every supplier and month: three towers' suppliers over twelve months.
    points = page.locator("[data-testid=scorecard-chart] circle")
    assert points.count() >= 24
    towers = {row.split("\t")[0] for row in page.locator("[data-testid=scorecard] tbody tr").all_inner_texts()}
    assert len(towers) == 3


def test_the_what_if_story(page, demo):
    def ask() -> str:
        page.click("nav >> text=Billing")
        page.click("text=What if more bodies joined?")
        page.fill("#id_period", "2009-06")
        page.fill("#id_joiners", "DWP=20000")
        page.click("text=Show the effect")
        result = page.locator("[data-testid=whatif-result]")
        result.wait_for()
        return " ".join(result.inner_text().split())

    _sign_in_with_the_demo_password(page, "co-admin")
    page.click("nav >> text=Billing")
    page.locator("[data-testid=invoices] tbody a").first.click()
    assert page.locator("[data-testid=invoice-pdf]").count() == 1
    member = ask()
    screenshot(page, "story-whatif-member")
    assert (
        "If DWP joined with 20,000 seats, your price per seat would fall from £84.00 to £78.00 "
        "and your monthly charge from £242,950.00 to £227,350.00" in member
    )
    _sign_in_with_the_demo_password(page, "co-authority")
    authority = ask()
    assert "ONS" in authority and "more than the ceiling allows" in authority
