"""The README's demo stories, followed in the README's order on the demo data."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from flexhub.core.models import Organisation
from flexhub.directory.models import StaffMember
from flexhub.government.models import MachineryChange
from flexhub.scenarios.demo_data import DEMO_DIR, DEMO_PASSWORD, demo_create

README = Path(__file__).resolve().parents[1] / "README.md"
DIUS_UNITS = "Science and Innovation,Higher Education,Further Education and Skills"


def _signed_in(username: str) -> Client:
    """Signed in through the sign-in page with the demo password, as the README says."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client


def _upload(client: Client, name: str):
    """Upload a demo file on the import page, sending what the page's form holds, as a browser does."""
    page = client.get(reverse("staff-import")).content.decode()
    organisation = re.search(r'name="organisation" value="(\d+)"', page).group(1)
    with (DEMO_DIR / name).open("rb") as handle:
        return client.post(reverse("staff-import"), {"organisation": organisation, "file": handle}, follow=True)


def _readme_command(prefix: str) -> list[str]:
    """The README's command that starts with `prefix`, continuation lines joined, as argv."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(prefix)}.*?(?<!\\)$", text, flags=re.M | re.S)
    assert match, f"the README no longer shows `{prefix}`"
    return shlex.split(match.group(0).replace("\\\n", " "))[1:]  # without "flexhub"


@pytest.fixture
def demo(db, settings):
    settings.FLEXHUB_REQUIRE_2FA = False  # as `make run` serves the demo
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    demo_create()


def test_dius_story_in_the_readmes_order(demo):
    readme = README.read_text(encoding="utf-8")
    assert "four rows" in readme and "dius-new-starters-fixed.csv" in readme

    # As dius-admin: the new starters, refused with four rows explained, then the fixed file.
    dius_admin = _signed_in("dius-admin")
    refused = _upload(dius_admin, "dius-new-starters.csv").content.decode()
    problems = re.findall(r'<li><a href="#rejects">(Row \d+, \w+):', refused)
    assert problems == ["Row 5, email", "Row 6, predecessor", "Row 7, leave_date", "Row 8, email"]
    fixed = _upload(dius_admin, "dius-new-starters-fixed.csv")
    apply_url = re.search(r'action="(/imports/\d+/apply/)"', fixed.content.decode()).group(1)
    applied = dius_admin.post(apply_url, follow=True).content.decode()
    assert "Imported: 6 new" in applied
    dius = Organisation.objects.get(code="DIUS")
    assert StaffMember.objects.filter(organisation=dius).count() == 6

    # As co-authority, on the command line exactly as the README writes it: the dry run ...
    argv = _readme_command("flexhub mog form --code DIUS")
    assert "--dry-run" in argv
    out = io.StringIO()
    call_command(*argv, stdout=out)
    assert "would move (dry run) 30 staff, 30 assets" in out.getvalue()
    assert not MachineryChange.objects.exists()

    # ... then the change on the page: the dry run, then made, filling the DIUS the scenario declared.
    authority = _signed_in("co-authority")
    form = {
        "kind": "form",
        "code": "DIUS",
        "predecessors": [Organisation.objects.get(code=c).pk for c in ("DTI", "DFES")],
        "units": DIUS_UNITS,
        "move_assets": "on",
        "move_contracts": "on",
        "move_tickets": "on",
        "effective_day": "28",
        "effective_month": "6",
        "effective_year": "2007",
        "reason": "Machinery-of-government change",
    }
    dry_run = authority.post(reverse("mog-new"), form).content.decode()
    assert "govuk-error-summary" not in dry_run, re.findall(r"<li><a href=[^>]*>([^<]*)<", dry_run)
    assert "<strong>30</strong> staff" in dry_run and "<strong>30</strong> assets" in dry_run
    made = authority.post(reverse("mog-new"), {**form, "confirm": "yes"}, follow=True)
    assert made.redirect_chain[-1][0] == reverse("organisation-detail", kwargs={"code": "DIUS"})
    assert StaffMember.objects.filter(organisation=dius).count() == 36  # 6 new starters + 30 moved
    assert MachineryChange.objects.get().successor == dius

    # Made once: the README's command now says so instead of forming DIUS twice.
    again = authority.post(reverse("mog-new"), form).content.decode()
    assert "DIUS was already formed from its predecessors on 28 June 2007" in again


def test_the_readmes_mog_command_also_works_before_the_import(demo):
    argv = [a for a in _readme_command("flexhub mog form --code DIUS") if a != "--dry-run"]
    call_command(*argv, stdout=io.StringIO())
    dius_admin = _signed_in("dius-admin")
    refused = _upload(dius_admin, "dius-new-starters.csv").content.decode()
    assert len(re.findall(r'<li><a href="#rejects">Row \d+', refused)) == 4
