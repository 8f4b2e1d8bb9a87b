"""Staff directory imports, search, assets, disposal, TUPE and machinery-of-government changes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from flexhub.assets.models import Asset
from flexhub.assets.services import asset_dispose, asset_update
from flexhub.billing.models import Invoice
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry, Organisation
from flexhub.core.services import organisation_save
from flexhub.directory.models import MachineryChange, StaffEvent, StaffMember, TupeTransfer
from flexhub.directory.mog import mog_apply, mog_plan
from flexhub.directory.services import staff_import
from flexhub.frameworks.models import CallOffContract
from flexhub.servicedesk.models import Ticket

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
        (6, "email"),
        (7, ""),
    } <= found
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
    with pytest.raises(RuleError, match="your own organisation"):
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
    rows = list(csv.reader(io.StringIO(rejects.content.decode())))
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
    assert emails == {"engineer@mbra.gov.uk", "engineer@mbrb.gov.uk"}
    assert login(world, "supa-agent").get(reverse("staff-list")).status_code == 403


def test_member_users_see_only_their_assets(world):
    body = login(world, "mbra-user").get(reverse("asset-list")).content.decode()
    assert "MBRA-0001" in body and "MBRA-0002" not in body
    assert "MBRA-0002" in login(world, "mbra-admin").get(reverse("asset-list")).content.decode()


def test_asset_history_assignment_and_disposal_needs_a_certificate(world):
    asset = Asset.objects.get(asset_tag="MBRA-0002")
    engineer = StaffMember.objects.get(email="engineer@mbra.gov.uk")
    admin = as_actor(world, "mbra-admin")
    asset_update(actor=admin, asset=asset, status="deployed", site="Leeds", assigned_to=engineer)
    assert list(asset.history.values_list("kind", flat=True))[-2:] == ["status", "assigned_to"]
    with pytest.raises(RuleError, match="record the data sanitisation"):
        asset_update(actor=admin, asset=asset, status="disposed", site="Leeds", assigned_to=None)
    with pytest.raises(RuleError, match="certificate"):
        asset_dispose(actor=admin, asset=asset, method="shred", date=dt.date(2022, 1, 1), certificate_ref=" ")
    asset_dispose(actor=admin, asset=asset, method="crypto-erase", date=dt.date(2022, 1, 1), certificate_ref="C-77")
    asset.refresh_from_db()
    assert asset.status == "disposed" and asset.disposal.certificate_ref == "C-77" and asset.assigned_to is None
    with pytest.raises(RuleError, match="your own organisation"):
        asset_update(
            actor=as_actor(world, "mbrb-admin"),
            asset=Asset.objects.get(asset_tag="MBRA-0001"),
            status="in-repair",
            site="",
            assigned_to=None,
        )


def test_asset_api_change_and_dispose(world):
    api = APIClient()
    api.force_authenticate(world.users["mbra-admin"])
    asset = Asset.objects.get(asset_tag="MBRA-0002")
    changed = api.patch(
        f"/api/v1/assets/{asset.pk}/", {"status": "in-repair", "assigned_to": "engineer@mbra.gov.uk"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["assigned_to"] == "engineer@mbra.gov.uk"
    foreign = api.patch(f"/api/v1/assets/{asset.pk}/", {"assigned_to": "engineer@mbrb.gov.uk"}, format="json")
    assert foreign.status_code == 400
    done = api.post(
        f"/api/v1/assets/{asset.pk}/dispose/",
        {"method": "shred", "date": "2022-02-01", "certificate_ref": "X1"},
        format="json",
    )
    assert done.json()["status"] == "disposed"


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
    assert "Bramblewick Council Clerk" in supplier_view


def test_machinery_of_government_dry_run_then_form_in_part(world):
    mbra, mbrb = world.orgs["MBRA"], world.orgs["MBRB"]
    authority = as_actor(world, "aauth-admin")
    plan = mog_plan(
        actor=authority,
        kind="form",
        predecessors=[mbra, mbrb],
        effective=dt.date(2021, 7, 1),
        reason="New department for digital",
        code="NDD",
        name="New Digital Department",
        units=["Digital"],
    )
    before = StaffMember.objects.filter(organisation=mbra).count()
    assert plan.as_dict()["moves"]["staff"] == 4 and not Organisation.objects.filter(code="NDD").exists()
    assert StaffMember.objects.filter(organisation=mbra).count() == before  # a dry run moves nothing
    issued = list(Invoice.objects.filter(member=mbra, status="issued").values_list("pk", "member_id", "total"))
    change = mog_apply(actor=authority, plan=plan)
    ndd = Organisation.objects.get(code="NDD")
    assert set(ndd.predecessors.values_list("code", flat=True)) == {"MBRA", "MBRB"}
    moved = StaffMember.objects.filter(organisation=ndd)
    assert {s.unit for s in moved} == {"Digital"} and {s.predecessor.code for s in moved} == {"MBRA", "MBRB"}
    assert StaffMember.objects.filter(organisation=mbra, unit="Policy").exists()  # in part: the rest stays
    assert CallOffContract.objects.filter(member=ndd).count() == 2
    assert list(Invoice.objects.filter(pk__in=[i[0] for i in issued]).values_list("pk", "member_id", "total")) == issued
    assert change.moved["staff"] == 4 and MachineryChange.objects.filter(successor=ndd).exists()
    assert all(e.kind == "moved" for s in moved for e in s.history.all() if e.kind not in ("joined",))
    assert AuditEntry.objects.filter(organisation=ndd, reason="New department for digital").count() >= 4


def test_merge_moves_everything_and_keeps_the_predecessor(world):
    out = io.StringIO()
    call_command(
        "mog",
        "merge",
        "--from",
        "MBRB",
        "--into",
        "MBRA",
        "--effective",
        "2021-08-01",
        "--reason",
        "Bodies merged",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["applied"] and result["moves"]["staff"] >= 3
    assert not StaffMember.objects.filter(organisation__code="MBRB").exists()
    assert Organisation.objects.filter(code="MBRB").exists()
    assert Ticket.objects.filter(member__code="MBRB", status__in=["open", "awaiting_customer"]).count() == 0
    dry = io.StringIO()
    call_command(
        "mog",
        "form",
        "--from",
        "MBRA",
        "--code",
        "ZZ",
        "--name",
        "Z",
        "--effective",
        "2021-09-01",
        "--reason",
        "x",
        "--dry-run",
        stdout=dry,
    )
    assert "would move (dry run)" in dry.getvalue() and not Organisation.objects.filter(code="ZZ").exists()


def test_only_the_authority_makes_changes_and_sees_the_page(world):
    with pytest.raises(RuleError, match="authority admin"):
        mog_plan(
            actor=as_actor(world, "mbra-admin"),
            kind="merge",
            predecessors=[world.orgs["MBRB"]],
            into=world.orgs["MBRA"],
            effective=dt.date(2021, 1, 1),
            reason="x",
        )
    with pytest.raises(RuleError, match="one of your frameworks"):
        mog_plan(
            actor=as_actor(world, "aauth-admin"),
            kind="merge",
            predecessors=[world.orgs["QUILL"]],
            into=world.orgs["MBRA"],
            effective=dt.date(2021, 1, 1),
            reason="x",
        )
    assert login(world, "mbra-admin").get(reverse("mog-new")).status_code == 403
    page = (
        login(world, "aauth-admin")
        .post(
            reverse("mog-new"),
            {
                "kind": "merge",
                "into": world.orgs["MBRA"].pk,
                "predecessors": [world.orgs["MBRB"].pk],
                "effective": "2021-08-01",
                "reason": "merge",
                "move_assets": "on",
                "move_contracts": "on",
                "move_tickets": "on",
                "confirm": "no",
            },
        )
        .content.decode()
    )
    assert 'data-testid="dry-run"' in page and not MachineryChange.objects.filter(reason="merge").exists()


def test_authority_sets_device_power_figures_and_members_only_read_them(world):
    from flexhub.assets.models import DeviceModel

    device = DeviceModel.objects.get(model="Futro S740")
    response = login(world, "aauth-admin").post(
        reverse("device-edit", kwargs={"pk": device.pk}),
        {"kind": "thin-client", "on_watts": "9.5", "sleep_watts": "1.2", "off_watts": "0.4", "tec_kwh": ""},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert str(device.on_watts) == "9.50"
    assert "9.50" in login(world, "mbra-admin").get(reverse("device-list")).content.decode()
    assert login(world, "mbra-admin").get(reverse("device-edit", kwargs={"pk": device.pk})).status_code == 403


def test_a_predecessor_shows_its_successor(world):
    mbrb = world.orgs["MBRB"]
    organisation_save(actor=CLI, code="MBRA", name=world.orgs["MBRA"].name, roles=["member"], predecessors=[mbrb])
    page = login(world, "aauth-admin").get(reverse("organisation-detail", kwargs={"code": "MBRB"})).content.decode()
    assert 'data-testid="successors"' in page and "Ashcombe Council (MBRA)" in page


def test_form_in_part_by_a_chosen_list_of_staff_and_contracts(world, tmp_path):
    emails = tmp_path / "movers.txt"
    emails.write_text("analyst@mbra.gov.uk\nanalyst@mbrb.gov.uk\n")
    out = io.StringIO()
    call_command(
        "mog",
        "form",
        "--code",
        "PICK",
        "--name",
        "Picked",
        "--from",
        "MBRA,MBRB",
        "--staff-file",
        str(emails),
        "--contracts",
        "ONE-MBRA-1",
        "--effective",
        "2021-07-01",
        "--reason",
        "chosen",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["moves"]["staff"] == 2 and result["moves"]["contracts"] == 1
    assert set(StaffMember.objects.filter(organisation__code="PICK").values_list("email", flat=True)) == {
        "analyst@mbra.gov.uk",
        "analyst@mbrb.gov.uk",
    }
    assert CallOffContract.objects.get(ref="ONE-MBRB-1").member.code == "MBRB"
    with pytest.raises(CommandError, match="not in the predecessors"):
        emails.write_text("nobody@nowhere.gov.uk\n")
        call_command(
            "mog",
            "form",
            "--code",
            "PICK2",
            "--name",
            "P",
            "--from",
            "MBRA",
            "--staff-file",
            str(emails),
            "--effective",
            "2021-07-01",
            "--reason",
            "x",
        )
