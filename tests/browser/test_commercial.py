"""Contracts and billing in a real browser: the ceiling guard, a seat change, an invoice explained."""

from __future__ import annotations

import pytest

from flexhub.billing.models import InvoicePdf
from tests.browser.conftest import fill_date, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_authority_signs_a_contract_and_the_ceiling_guard_refuses_one_too_big(page, world):
    sign_in(page, "aauth-admin")
    page.goto("/frameworks/ONE/contracts/add/")
    page.fill("#id_ref", "ONE-MBRA-9")
    page.select_option("#id_member", label="Ashcombe Council (MBRA)")
    fill_date(page, "Date signed", "2020-03-01")
    fill_date(page, "Start date", "2020-04-01")
    fill_date(page, "End date", "2026-12-31")
    page.fill("#id_qty_CORE", "90000")
    page.click("main button[type=submit]")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    screenshot(page, "contract-ceiling-refused")
    assert "headroom" in summary.inner_text()
    page.fill("#id_qty_CORE", "40")
    fill_date(page, "End date", "2020-12-31")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-testid=committed]")
    screenshot(page, "contract-signed")
    assert "ONE-MBRA-9" in page.inner_text("h1")


def test_member_admin_asks_for_seats_and_authority_approves(browser, live_server, settings, world):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    contract = world.extra["contract-MBRA"]
    member = browser.new_context(base_url=live_server.url).new_page()
    sign_in(member, "mbra-admin")
    member.goto(f"/contracts/{contract.pk}/seat-change/")
    member.select_option("#id_service", label="Core seat (CORE)")
    fill_date(member, "Effective date", "2021-09-01")
    member.fill("#id_quantity", "640")
    member.click("main button[type=submit]")
    member.wait_for_selector("[data-testid=seat-requests]")
    assert "Waiting for the authority" in member.inner_text("[data-testid=seat-requests]")
    authority = browser.new_context(base_url=live_server.url).new_page()
    sign_in(authority, "aauth-admin")
    authority.goto(f"/contracts/{contract.pk}/")
    authority.locator("[data-testid=seat-requests] button:has-text('Approve')").first.click()
    authority.wait_for_selector(".govuk-notification-banner--success")
    screenshot(authority, "seat-change-approved")
    assert "2,600" not in authority.content()  # nothing of another framework
    assert "640" in authority.inner_text("main")


def test_member_admin_reads_an_invoice_and_its_pooling_saving(page, world):
    invoice = world.extra["invoice-MBRA"]
    sign_in(page, "mbra-admin")
    page.click("nav >> text=Billing")
    page.wait_for_selector("[data-testid=invoices]")
    page.click(f"text={invoice.number}")
    page.wait_for_selector("[data-testid=invoice-lines]")
    screenshot(page, "invoice-member-admin")
    assert "pool of 1,200 seats" in page.inner_text("[data-testid=price-explanation]")
    assert "£" in page.inner_text("[data-testid=pooling-saving]")
    assert "Bramblewick" not in page.content()


def test_member_finance_officer_downloads_the_issued_invoice_pdf(page, world):
    """The PDF a member downloads is the very document kept (and sent) when the invoice was issued."""
    invoice = world.extra["invoice-MBRA"]
    kept = bytes(InvoicePdf.objects.get(invoice=invoice).pdf)
    sign_in(page, "mbra-admin")
    page.goto(f"/invoices/{invoice.pk}/")
    details = page.inner_text("[data-testid=vat-invoice-details]")
    for expected in ("GB100000187", "Tax point", "Due", "1 Ashcombe Council Way"):
        assert expected in details
    assert "Part paid" in page.inner_text("[data-testid=balance]")
    with page.expect_download() as download_info:
        page.click("[data-testid=invoice-pdf]")
    download = download_info.value
    assert download.suggested_filename == f"{invoice.number}.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == kept
    screenshot(page, "invoice-vat-details")
