"""Staff directory imports, search and TUPE transfers."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry
from flexhub.core.services import organisation_save
from flexhub.directory.models import StaffEvent, StaffMember, TupeTransfer
from flexhub.directory.services import staff_import

pytestmark = pytest.mark.django_db
HEADER = "name,email,unit,site,grade,start_date,leave_date,predecessor\n"
CLI = Actor.for_cli()


def as_actor(world, username):
    return Actor(user=world.users[username], label=username, channel="web")


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def with_predecessors(world):
    """MBRA formed from two old bodies, as DIUS was from DTI and DfES."""
    old1 = organisation_save(actor=CLI, code="OLDT", name="Old Trade", roles=["member"])
    old2 = organisation_save(actor=CLI, code="OLDE", name="Old Education", roles=["member"])
    mbra = world.orgs["MBRA"]
    organisation_save(actor=CLI, code=mbra.code, name=mbra.name, roles=mbra.roles, predecessors=[old1, old2])
    return mbra


def run_import(world, text, org="MBRA", apply=True, username=None):
    actor = as_actor(world, username) if username else CLI
    data = text.encode("utf-8-sig")
    return staff_import(actor=actor, organisation=world.orgs[org], open_file=lambda: io.BytesIO(data), apply=apply)


def test_import_rows_from_both_predecessors_then_reimport_changes_nothing(world):
    with_predecessors(world)
    text = (
        HEADER
        + "Ann Lee,ann@mbra.gov.uk,Science,London,G7,2007-06-28,,OLDT\nBen Ode,ben@mbra.gov.uk,Skills,Sheffield,,,,OLDE\n"
    )
    summary = run_import(world, text)
    assert (summary.ok, summary.adds, summary.applied) == (True, 2, True)
    assert StaffMember.objects.get(email="ann@mbra.gov.uk").predecessor.code == "OLDT"
    entries = AuditEntry.objects.count()
    again = run_import(world, text)
    assert (again.adds, again.changes, again.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.count() == entries


def test_every_bad_row_and_column_is_reported_and_nothing_written(world):
    with_predecessors(world)
    text = HEADER + (
        "Ann Lee,ann@mbra.gov.uk,Science,London,,2007-06-28,,OLDT\n"
        ",not-an-email,Science,London,,2007-02-30,,\n"
        "Cy Dee,cy@mbra.gov.uk,Skills,Leeds,,2008-01-01,2007-01-01,NOPE\n"
        "Ann Again,ANN@mbra.gov.uk,Science,London,,,,\n"
        "Other Body,analyst@mbrb.gov.uk,Policy,London,,,,\n"
        "too,few,values\n"
    )
    summary = run_import(world, text)
    assert not summary.applied
    found = {(p.line, p.column) for p in summary.problems}
    assert {
        (3, "name"),
        (3, "email"),
        (3, "start_date"),
        (4, "leave_date"),
        (4, "predecessor"),
        (5, "email"),
        (7, ""),
    } <= found
    assert (6, "email") not in found  # another directory's address is no concern of this one
    assert not StaffMember.objects.filter(email="ann@mbra.gov.uk").exists()


def test_an_update_previews_adds_changes_and_leavers_before_applying(world):
    text = (
        HEADER + "Ashcombe Council Analyst,analyst@mbra.gov.uk,Strategy,London,SEO,2019-04-01,2020-01-31,\n"
        "New Person,new@mbra.gov.uk,Policy,London,,,,\n"
        "Ashcombe Council Engineer,engineer@mbra.gov.uk,Digital,York,G7,2019-04-01,,\n"
    )
    preview = run_import(world, text, apply=False)
    assert (preview.adds, preview.changes, preview.leavers, preview.applied) == (1, 1, 1, False)
    assert StaffMember.objects.get(email="engineer@mbra.gov.uk").site == "Leeds"
    run_import(world, text)
    analyst = StaffMember.objects.get(email="analyst@mbra.gov.uk")
    assert analyst.status == "left" and analyst.unit == "Strategy"
    assert StaffEvent.objects.filter(staff=analyst, kind="left").exists()


def test_headers_and_encodings_are_checked(world):
    summary = run_import(world, "name,email\nA,a@b.c\n")
    assert "missing columns unit, site" in summary.problems[0].message
    latin = (HEADER + "Zoë,zoe@mbra.gov.uk,U,S,,,,\n").encode("latin-1")
    bad = staff_import(actor=CLI, organisation=world.orgs["MBRA"], open_file=lambda: io.BytesIO(latin))
    assert "not UTF-8" in bad.problems[0].message


def test_member_admin_cannot_import_for_another_body(world):
    with pytest.raises(RuleError, match="you do not administer MBRB"):
        run_import(world, HEADER, org="MBRB", username="mbra-admin")


def test_cli_import_reports_and_fails_cleanly(world, tmp_path):
    good = tmp_path / "staff.csv"
    good.write_text(HEADER + "Dan Ng,dan@mbra.gov.uk,Policy,London,,,,\n")
    out = io.StringIO()
    call_command("import-staff", "--org", "MBRA", str(good), "--json", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["adds"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Eve,not-an-email,Policy,London,,,,\n")
    with pytest.raises(CommandError, match="row 2, column email"):
        call_command("import-staff", "--org", "MBRA", str(bad), stderr=io.StringIO())


def test_ui_upload_preview_rejects_and_apply(world):
    client = login(world, "mbra-admin")
    bad = io.BytesIO((HEADER + "X,not-an-email,Policy,London,,,,\n").encode())
    bad.name = "bad.csv"
    response = client.post(reverse("staff-import"), {"organisation": world.orgs["MBRA"].pk, "file": bad}, follow=True)
    page = response.content.decode()
    assert "There is a problem" in page and "Row 2, email" in page
    rejects = client.get(reverse("import-rejects", kwargs={"pk": response.context["staged"].pk}))
    rows = list(csv.reader(io.StringIO(rejects.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["row", "column", "problem"] and rows[1][:2] == ["2", "email"]
    good = io.BytesIO((HEADER + "Fay Oh,fay@mbra.gov.uk,Policy,London,,,,\n").encode())
    good.name = "good.csv"
    response = client.post(reverse("staff-import"), {"organisation": world.orgs["MBRA"].pk, "file": good}, follow=True)
    staged = response.context["staged"]
    assert not StaffMember.objects.filter(email="fay@mbra.gov.uk").exists()
    client.post(reverse("import-apply", kwargs={"pk": staged.pk}))
    assert StaffMember.objects.filter(email="fay@mbra.gov.uk", organisation__code="MBRA").exists()
    assert login(world, "mbrb-admin").get(reverse("import-preview", kwargs={"pk": staged.pk})).status_code == 404


def test_directory_search_is_scoped(world):
    body = login(world, "mbra-user").get(reverse("staff-list"), {"q": "analyst"}).content.decode()
    assert "analyst@mbra.gov.uk" in body and "mbrb" not in body
    api = APIClient()
    api.force_authenticate(world.users["aauth-admin"])
    emails = {s["email"] for s in api.get("/api/v1/staff/?q=engineer").json()["results"]}
    # MBRB also takes part in another authority's framework: its directory is its own, not AAUTH's.
    assert emails == {"engineer@mbra.gov.uk"}
    assert login(world, "supa-agent").get(reverse("staff-list")).status_code == 403


def test_tupe_transfer_moves_the_record_with_its_history(world):
    client = login(world, "mbra-admin")
    engineer = StaffMember.objects.get(email="engineer@mbra.gov.uk")
    response = client.post(
        reverse("tupe-add"),
        {
            "staff": engineer.pk,
            "to_supplier": world.orgs["SUPA"].pk,
            "transfer_date": "2021-06-01",
            "terms_protected": "on",
        },
    )
    assert response.status_code == 302
    engineer.refresh_from_db()
    assert engineer.organisation.code == "SUPA" and engineer.status == "transferred"
    assert TupeTransfer.objects.filter(staff=engineer, terms_protected=True).exists()
    assert list(engineer.history.values_list("kind", flat=True)) == ["joined", "transferred"]
    register = client.get(reverse("tupe-list")).content.decode()
    assert "Ashcombe Council Engineer" in register and "Bramblewick" not in register
    supplier_view = login(world, "aauth-admin").get(reverse("tupe-list"), {"supplier": "SUPA"}).content.decode()
    assert "Ashcombe Council Engineer" in supplier_view
    assert "Ashcombe Council Clerk" in supplier_view
    assert "Bramblewick" not in supplier_view  # MBRB's register is not AAUTH's: MBRB is shared
