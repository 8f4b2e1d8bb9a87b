"""A rollout programme's Gantt page in a real browser: the chart and its table agree, a re-plan
through the form moves the stages after it and shows the slippage, and axe finds nothing serious."""

from __future__ import annotations

import pytest

from flexhub.rollout.models import Programme, ProgrammeStage
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_accessibility import AXE, AXE_RUN, FAILING_IMPACTS, NAVIGATION_ROWS, PAGE_WIDER_THAN_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious(page):
    """axe's serious and critical findings (axe is added to every page by the context's init script)."""
    return [v for v in page.evaluate(AXE_RUN, None) if v["impact"] in FAILING_IMPACTS or v["id"] == "region"]


def test_member_admin_replans_a_stage_on_the_gantt_page(page, world):
    page.context.add_init_script(path=str(AXE))
    programme = Programme.objects.get(member__code="MBRA", code="DESK-1")
    sign_in(page, "mbra-admin")
    page.click("[data-testid=home-rollout] ~ p >> text=Rollout programmes and their state")
    page.wait_for_selector("[data-testid=portfolio-table]")
    assert "Bramblewick" not in page.content()
    page.click(f"[data-testid=portfolio-table] >> text={programme.code}")
    gantt = page.locator("[data-testid=gantt] svg")
    gantt.wait_for()
    assert gantt.get_attribute("role") == "img"
    assert page.locator("[data-testid=gantt] .gantt-stage").count() == 5
    assert page.locator("[data-testid=gantt] .gantt-wave").count() == 2
    assert page.locator("[data-testid=gantt] [data-slipped=true]").count() == 0
    # The numbers are in the table too.
    survey = page.locator("[data-testid=stage-table] tr[data-stage=survey]").inner_text()
    assert "1 Mar 2020 to 30 Mar 2020" in survey
    assert serious(page) == []

    page.click("[data-testid=stage-table] tr[data-stage=build] >> text=Re-plan")
    page.fill("#id_duration_days", "90")
    page.fill("#id_reason", "Network works at the Leeds site")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-testid=gantt] svg")
    screenshot(page, "rollout-gantt-replanned")
    slipped = page.locator("[data-testid=gantt] [data-slipped=true]")
    assert slipped.count() == 3  # build, and the waves and close-down after it
    row = page.locator("[data-testid=stage-table] tr[data-stage=close]")
    assert "flexhub-row-slipped" in row.get_attribute("class") and "+30" in row.inner_text()
    close = ProgrammeStage.objects.get(programme=programme, key="close")
    assert close.slippage_days == 30
    assert serious(page) == []
    # The seat change of the completed London wave is offered, filled in from the contract.
    page.click("[data-testid=wave-table] >> text=Ask for the seat change")
    assert page.input_value("#id_quantity") == "601"
    assert serious(page) == []


def test_authority_portfolio_passes_axe_and_the_navigation_keeps_one_row(page, world):
    page.context.add_init_script(path=str(AXE))
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "aauth-admin")
    assert page.evaluate(NAVIGATION_ROWS) == 1  # the authority's navigation still fits one row
    page.click("[data-testid=home-rollout] ~ p >> text=Rollout programmes and their state")
    table = page.locator("[data-testid=portfolio-table]")
    table.wait_for()
    assert "MBRA" in table.inner_text() and "MBRB" in table.inner_text()
    assert serious(page) == []
    page.select_option("#state", "late")
    page.click("main form button")
    page.wait_for_load_state()
    assert page.locator("[data-testid=portfolio-table] tbody tr").count() == 2
    page.set_viewport_size({"width": 375, "height": 800})
    page.click("[data-testid=portfolio-table] >> text=DESK-1 >> nth=0")
    page.locator("[data-testid=gantt] svg").wait_for()
    assert not page.evaluate(PAGE_WIDER_THAN_VIEWPORT)
    assert serious(page) == []
