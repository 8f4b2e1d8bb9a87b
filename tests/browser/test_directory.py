"""The staff directory import in a real browser: rows from both predecessors, rejects explained,
then the corrected file previewed and applied; ONS's TUPE transfer of several people at once."""

from __future__ import annotations

import csv
import io

import pytest

from flexhub.core.audit import Actor
from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.services import organisation_save, user_create
from flexhub.directory.models import StaffMember, TupeTransfer
from flexhub.scenarios.demo_data import DEMO_DIR, demo_directories
from flexhub.scenarios.services import scenario_load, scenario_parse
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HEADER = "name,email,unit,site,grade,start_date,leave_date,predecessor\n"


def test_member_admin_imports_a_directory_from_two_predecessors(page, world, tmp_path):
    cli = Actor.for_cli()
    old_trade = organisation_save(actor=cli, code="OLDT", name="Old Trade", roles=["member"])
    old_education = organisation_save(actor=cli, code="OLDE", name="Old Education", roles=["member"])
    mbra = world.orgs["MBRA"]
    organisation_save(
        actor=cli, code=mbra.code, name=mbra.name, roles=mbra.roles, predecessors=[old_trade, old_education]
    )
    bad = tmp_path / "directory.csv"
    bad.write_text(
        HEADER + "Ann Lee,ann@mbra.gov.uk,Science,London,G7,2007-06-28,,OLDT\n"
        "Ben Ode,ben-at-mbra,Skills,Sheffield,,2007-06-28,,OLDE\n"
        "Cy Dee,cy@mbra.gov.uk,Skills,Sheffield,,2007-06-28,,NOPE\n"
    )
    sign_in(page, "mbra-admin")
    page.click("nav >> text=Staff")
    page.click("text=Import a directory (CSV)")
    page.set_input_files("#id_file", str(bad))
    page.click("main form button")
    problems = page.locator("[data-testid=import-problems]")
    problems.wait_for()
    screenshot(page, "staff-import-rejects")
    text = problems.inner_text()
    assert "Row 3, email" in text and "Row 4, predecessor" in text
    assert page.locator("[data-testid=rejects-link]").count() == 1
    assert StaffMember.objects.filter(organisation=mbra, email="ann@mbra.gov.uk").count() == 0

    good = tmp_path / "fixed.csv"
    good.write_text(
        HEADER + "Ann Lee,ann@mbra.gov.uk,Science,London,G7,2007-06-28,,OLDT\n"
        "Ben Ode,ben@mbra.gov.uk,Skills,Sheffield,,2007-06-28,,OLDE\n"
    )
    page.goto("/staff/import/")
    page.set_input_files("#id_file", str(good))
    page.click("main form button")
    page.wait_for_selector("[data-testid=import-summary]")
    screenshot(page, "staff-import-preview")
    page.click("[data-testid=apply]")
    page.wait_for_selector(".govuk-notification-banner--success")
    screenshot(page, "staff-import-applied")
    assert set(
        StaffMember.objects.filter(organisation=mbra, predecessor__isnull=False).values_list("email", flat=True)
    ) == {"ann@mbra.gov.uk", "ben@mbra.gov.uk"}
    page.goto("/staff/?q=Ann")
    assert "ann@mbra.gov.uk" in page.inner_text("[data-testid=staff-table]")


def test_ons_admin_transfers_its_it_services_to_the_supplier_and_downloads_the_register(page, tmp_path):
    """The README's ONS story: tick Newport's IT Services people, upload the CSV of the rest (a
    second upload of it is refused whole, each row explained) and download the report per member."""
    cli = Actor.for_cli()
    scenario_load(
        actor=cli, scenario=scenario_parse((DEMO_DIR / "public-sector-flex.yaml").read_text(encoding="utf-8"))
    )
    demo_directories(cli)
    ons = Organisation.objects.get(code="ONS")
    user_create(actor=cli, username="ons-admin", organisation=ons, role=Role.MEMBER_ADMIN, password="test-password-123")
    sign_in(page, "ons-admin")
    page.click("nav >> text=Staff")
    page.click("text=Staff transfers (TUPE)")
    page.click("[data-testid=tupe-add]")
    page.select_option("#unit", "IT Services")
    page.select_option("#site", "Government Buildings, Newport")
    page.click("[data-testid=narrow]")
    people = page.locator("[data-testid=transfer-people] tbody tr")
    assert people.count() == 4
    for name in ("Gwen Morgan", "Rhodri Evans", "Carys Jenkins", "Owain Price"):
        page.get_by_label(f"Transfer {name}").check()
    page.select_option("#id_to_supplier", label="Fujitsu Services (FJ)")
    dates = page.get_by_role("group", name="Transfer date")
    dates.get_by_label("Day").fill("1")
    dates.get_by_label("Month").fill("4")
    dates.get_by_label("Year").fill("2009")
    screenshot(page, "tupe-ticked")
    page.click("[data-testid=transfer]")
    banner = page.locator(".govuk-notification-banner--success")
    banner.wait_for()
    assert "4 people transferred to Fujitsu Services" in banner.inner_text()
    assert "Gwen Morgan" in page.inner_text("[data-testid=tupe-table]")

    def upload_the_rest() -> None:
        page.goto("/transfers/import/")
        page.set_input_files("#id_file", str(DEMO_DIR / "ons-it-transfer.csv"))
        page.select_option("#id_to_supplier", label="Fujitsu Services (FJ)")
        dates = page.get_by_role("group", name="Transfer date")
        dates.get_by_label("Day").fill("1")
        dates.get_by_label("Month").fill("4")
        dates.get_by_label("Year").fill("2009")
        page.click("[data-testid=transfer]")

    upload_the_rest()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert "4 people transferred to Fujitsu Services" in page.inner_text(".govuk-notification-banner--success")
    upload_the_rest()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    screenshot(page, "tupe-csv-refused")
    text = summary.inner_text()
    assert "Nobody has been transferred" in text
    assert "Row 2, email: Sunita Patel was transferred to FJ on 2009-04-01 already" in text
    assert TupeTransfer.objects.filter(from_organisation=ons).count() == 8

    page.goto("/transfers/")
    screenshot(page, "tupe-register")
    with page.expect_download() as download:
        page.click("[data-testid=member-csv-ONS]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("tupe-ONS-")
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["person", "email"]
    assert sorted(row[0] for row in rows[1:]) == sorted(
        StaffMember.objects.filter(unit="IT Services", email__endswith="@ons.gsi.gov.uk").values_list("name", flat=True)
    )
    assert {row[8] for row in rows[1:]} == {"FJ"}
