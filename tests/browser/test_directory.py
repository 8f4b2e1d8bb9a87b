"""The staff directory import in a real browser: rows from both predecessors, rejects explained,
then the corrected file previewed and applied."""

from __future__ import annotations

import pytest

from flexhub.core.audit import Actor
from flexhub.core.services import organisation_save
from flexhub.directory.models import StaffMember
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
