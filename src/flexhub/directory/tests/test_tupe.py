"""TUPE transfers of several people at once (ticked in a list, listed in a CSV, or named in an API
call), all or none, and the register as CSV per member and per supplier, for every role."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry
from flexhub.core.testing.clients import api_client, page_client
from flexhub.directory.models import StaffEvent, StaffMember, TupeTransfer
from flexhub.directory.services import staff_import, tupe_transfer_import, tupe_transfer_many

pytestmark = pytest.mark.django_db
CLI = Actor.for_cli()
DAY = dt.date(2021, 6, 1)
# How the pages are sent a date (the date input also takes a whole date, as a link would).
DATE = {"transfer_date": "2021-06-01"}
HEADER = "name,email,unit,site,grade,start_date,leave_date,predecessor\n"


def person(email: str) -> StaffMember:
    """The member's person (a supplier's own records may hold the same address)."""
    return StaffMember.objects.exclude(organisation__is_supplier=True, status="active").get(email=email)


def as_actor(world, username):
    return Actor(user=world.users[username], label=username, channel="web")


def transfer(world, emails, *, username=None, supplier="SUPA", member="MBRA", day=DAY):
    return tupe_transfer_many(
        actor=as_actor(world, username) if username else CLI,
        member=world.orgs[member],
        staff=[person(e) for e in emails],
        to_supplier=world.orgs[supplier],
        transfer_date=day,
        terms_protected=True,
    )


def with_leaver(world):
    """MBRA gains someone in post and someone who has left."""
    text = (
        HEADER
        + "Dee Left,dee@mbra.gov.uk,Policy,London,,2019-01-01,2020-01-31,\nNew Start,new@mbra.gov.uk,Policy,York,,2022-01-10,,\n"
    )
    staff_import(actor=CLI, organisation=world.orgs["MBRA"], open_file=lambda: io.BytesIO(text.encode()))


def upload(text: str, name: str = "transfer.csv") -> io.BytesIO:
    file = io.BytesIO(text.encode("utf-8"))
    file.name = name
    return file


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


# The service ---------------------------------------------------------------------------------


def test_several_people_transfer_at_once_each_with_history_and_an_audit_entry(world):
    user = person("mbra-user@example.gov.uk")
    assert user.assets.exists()  # MBRA-0001, assigned in the test world
    audited = AuditEntry.objects.filter(object_type="directory.tupetransfer").count()
    transfers = transfer(world, ["analyst@mbra.gov.uk", "engineer@mbra.gov.uk", "mbra-user@example.gov.uk"])
    assert len(transfers) == 3
    for email in ("analyst@mbra.gov.uk", "engineer@mbra.gov.uk", "mbra-user@example.gov.uk"):
        moved = person(email)
        assert (moved.organisation.code, moved.status) == ("SUPA", "transferred")
        assert list(moved.history.values_list("kind", flat=True)) == ["joined", "transferred"]
        event = moved.history.get(kind="transferred")
        assert (event.from_organisation.code, event.to_organisation.code, event.effective) == ("MBRA", "SUPA", DAY)
    assert not user.assets.exists()  # the kit stays with the member
    entries = AuditEntry.objects.filter(object_type="directory.tupetransfer").order_by("pk")
    assert entries.count() == audited + 3
    for entry in list(entries)[-3:]:
        assert entry.organisation.code == "MBRA"
        assert entry.changes["organisation"] == ["MBRA", "SUPA"]
    assert {t.staff.email for t in transfers} == {
        "analyst@mbra.gov.uk",
        "engineer@mbra.gov.uk",
        "mbra-user@example.gov.uk",
    }


def test_if_anyone_cannot_transfer_nobody_does_and_everyone_refused_is_named(world):
    with_leaver(world)
    clerk = person("clerk@mbra.gov.uk")  # transferred to SUPA in the test world
    before = (TupeTransfer.objects.count(), StaffEvent.objects.count(), AuditEntry.objects.count())
    with pytest.raises(RuleError) as refused:
        tupe_transfer_many(
            actor=CLI,
            member=world.orgs["MBRA"],
            staff=[person("analyst@mbra.gov.uk"), clerk, person("dee@mbra.gov.uk"), person("new@mbra.gov.uk")],
            to_supplier=world.orgs["SUPA"],
            transfer_date=DAY,
            terms_protected=True,
        )
    message = refused.value.message
    assert refused.value.field == "staff"
    assert "Ashcombe Council Clerk was transferred to SUPA on 2021-01-01 already" in message
    assert "Dee Left is not in post at MBRA" in message
    assert "New Start starts on 2022-01-10, after the transfer date" in message
    assert "Analyst" not in message
    assert (TupeTransfer.objects.count(), StaffEvent.objects.count(), AuditEntry.objects.count()) == before
    assert person("analyst@mbra.gov.uk").organisation.code == "MBRA"


def test_what_a_transfer_must_be(world):
    analyst = person("analyst@mbra.gov.uk")
    other = person("analyst@mbrb.gov.uk")
    cases = [
        ({"to_supplier": world.orgs["QSUP"]}, "to_supplier", "QSUP supplies no framework MBRA takes part in"),
        ({"to_supplier": world.orgs["MBRB"]}, "to_supplier", "MBRB is not a supplier"),
        ({"staff": []}, "staff", "choose the people to transfer"),
        ({"staff": [analyst, analyst]}, "staff", "Ashcombe Council Analyst chosen twice"),
        ({"staff": [other]}, "staff", "Bramblewick Council Analyst is not in MBRA's directory"),
        ({"member": world.orgs["AAUTH"]}, "member", "AAUTH is not a member: it has no staff to transfer"),
    ]
    for change, field, message in cases:
        arguments = {
            "actor": CLI,
            "member": world.orgs["MBRA"],
            "staff": [analyst],
            "to_supplier": world.orgs["SUPA"],
            "transfer_date": DAY,
            "terms_protected": True,
            **change,
        }
        with pytest.raises(RuleError) as refused:
            tupe_transfer_many(**arguments)
        assert (refused.value.field, refused.value.message.removeprefix("nobody was transferred: ")) == (
            field,
            message,
        ), change
    assert not TupeTransfer.objects.filter(staff=analyst).exists()


def test_an_email_already_on_the_suppliers_records_is_refused(world):
    # The supplier's own records hold the same address already (a rehire, say).
    StaffMember.objects.create(
        organisation=world.orgs["SUPA"], name="Sam Supplier", email="analyst@mbra.gov.uk", unit="Desk", site="Leeds"
    )
    with pytest.raises(RuleError, match="analyst@mbra.gov.uk is already recorded at SUPA"):
        transfer(world, ["analyst@mbra.gov.uk"])


def test_only_the_members_admins_or_its_authority_transfer(world):
    with pytest.raises(RuleError, match="only the member's admins or the authority"):
        transfer(world, ["analyst@mbrb.gov.uk"], member="MBRB", username="mbra-admin")
    # MBRB also takes part in another authority's framework: AAUTH does not administer it.
    with pytest.raises(RuleError, match="only the member's admins or the authority"):
        transfer(world, ["analyst@mbrb.gov.uk"], member="MBRB", username="aauth-admin")
    assert len(transfer(world, ["analyst@mbra.gov.uk"], username="aauth-admin")) == 1
    assert len(transfer(world, ["engineer@mbra.gov.uk"], username="mbra-admin")) == 1


# A CSV of emails --------------------------------------------------------------------------------


def run_import(world, text, *, apply=True, username=None, member="MBRA"):
    data = text.encode("utf-8-sig")
    return tupe_transfer_import(
        actor=as_actor(world, username) if username else CLI,
        member=world.orgs[member],
        open_file=lambda: io.BytesIO(data),
        to_supplier=world.orgs["SUPA"],
        transfer_date=DAY,
        terms_protected=False,
        note="IT outsourcing",
        apply=apply,
    )


def test_a_csv_with_any_bad_row_names_every_row_and_column_and_transfers_nobody(world):
    with_leaver(world)
    text = (
        "email\n"
        "analyst@mbra.gov.uk\n"  # 2: fine
        "not-an-email\n"  # 3
        "analyst@mbrb.gov.uk\n"  # 4: another member's person is simply not in this directory
        "clerk@mbra.gov.uk\n"  # 5: transferred already
        "ANALYST@mbra.gov.uk\n"  # 6: the same person again
        "dee@mbra.gov.uk\n"  # 7: has left
        '"engineer@mbra.gov.uk",extra\n'  # 8: two values
        "\n"  # blank lines are skipped
        "nobody@mbra.gov.uk\n"  # 10
    )
    check = run_import(world, text)
    assert not check.ok and not check.applied
    found = {(p.line, p.column): p.message for p in check.problems}
    assert found == {
        (3, "email"): "'not-an-email' is not a valid email address",
        (4, "email"): "analyst@mbrb.gov.uk is not in MBRA's directory",
        (5, "email"): "Ashcombe Council Clerk was transferred to SUPA on 2021-01-01 already",
        (6, "email"): "analyst@mbra.gov.uk is also on row 2",
        (7, "email"): "Dee Left is not in post at MBRA",
        (8, ""): "expected 1 value, found 2",
        (10, "email"): "nobody@mbra.gov.uk is not in MBRA's directory",
    }
    assert person("analyst@mbra.gov.uk").organisation.code == "MBRA"
    assert TupeTransfer.objects.filter(from_organisation__code="MBRA").count() == 1


def test_a_csv_is_checked_in_a_dry_run_then_transferred(world):
    text = "email\nanalyst@mbra.gov.uk\nEngineer@MBRA.gov.uk\n"
    dry = run_import(world, text, apply=False)
    assert dry.ok and not dry.applied and dry.rows == 2
    assert {p.email for p in dry.people} == {"analyst@mbra.gov.uk", "engineer@mbra.gov.uk"}
    assert person("analyst@mbra.gov.uk").organisation.code == "MBRA"
    done = run_import(world, text, username="mbra-admin")
    assert done.applied and len(done.transfers) == 2
    assert {t.terms_protected for t in done.transfers} == {False}
    assert {t.note for t in done.transfers} == {"IT outsourcing"}
    again = run_import(world, text)
    assert [p.message for p in again.problems] == [
        "Ashcombe Council Analyst was transferred to SUPA on 2021-06-01 already",
        "Ashcombe Council Engineer was transferred to SUPA on 2021-06-01 already",
    ]


def test_a_csv_with_the_wrong_header_or_nobody_in_it_is_refused(world):
    assert "the header row must be email" in run_import(world, "name\nAnn\n").problems[0].message
    assert run_import(world, "email\n").problems[0].message == "the file lists nobody to transfer"
    with pytest.raises(RuleError, match="only the member's admins or the authority"):
        run_import(world, "email\nanalyst@mbrb.gov.uk\n", member="MBRB", username="mbra-admin")


def test_the_command_transfers_a_csv_or_names_every_problem(world, tmp_path):
    good = tmp_path / "transfer.csv"
    good.write_text("email\nanalyst@mbra.gov.uk\nengineer@mbra.gov.uk\n")
    out = io.StringIO()
    call_command(
        "transfer-staff", str(good), "--org", "MBRA", "--to", "SUPA", "--date", "2021-06-01", "--dry-run", stdout=out
    )
    assert "2 people would transfer (dry run) from MBRA to SUPA" in out.getvalue()
    assert person("analyst@mbra.gov.uk").organisation.code == "MBRA"
    out = io.StringIO()
    call_command(
        "transfer-staff", str(good), "--org", "MBRA", "--to", "SUPA", "--date", "2021-06-01", "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    assert result == {"transferred": True, "to": "SUPA", "people": ["analyst@mbra.gov.uk", "engineer@mbra.gov.uk"]}
    assert TupeTransfer.objects.get(staff__email="analyst@mbra.gov.uk").recorded_by.endswith("(cli)")
    with pytest.raises(CommandError, match="row 2, column email: Ashcombe Council Analyst was transferred"):
        call_command("transfer-staff", str(good), "--org", "MBRA", "--to", "SUPA", "--date", "2021-06-01")
    with pytest.raises(CommandError, match="QSUP supplies no framework MBRA takes part in"):
        call_command("transfer-staff", str(good), "--org", "MBRA", "--to", "QSUP", "--date", "2021-06-01")
    with pytest.raises(CommandError, match="not a date"):
        call_command("transfer-staff", str(good), "--org", "MBRA", "--to", "SUPA", "--date", "1/6/2021")


# The pages ----------------------------------------------------------------------------------------


def test_a_member_admin_ticks_several_people_in_a_list_narrowed_by_unit_and_site(world):
    client = page_client(world, "mbra-admin")
    page = client.get(reverse("tupe-add"), {"unit": "Policy", "site": "London"})
    assert page.status_code == 200
    shown = {p.email for p in page.context["people"]}
    assert shown == {"analyst@mbra.gov.uk"}  # the clerk was transferred; the engineer is in Digital at Leeds
    body = page.content.decode()
    assert "Bramblewick" not in body and "Sparrow Supplies" in body
    assert list(page.context["units"]) == ["Digital", "Policy"]
    response = client.post(
        reverse("tupe-add") + "?unit=Policy",
        {
            "staff": [person("analyst@mbra.gov.uk").pk, person("engineer@mbra.gov.uk").pk],
            "to_supplier": world.orgs["SUPA"].pk,
            "terms_protected": "on",
            **DATE,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("tupe-list") + "?member=MBRA"
    body = response.content.decode()
    assert "2 people transferred to Sparrow Supplies: Ashcombe Council Analyst, Ashcombe Council Engineer." in body
    assert TupeTransfer.objects.filter(from_organisation__code="MBRA", transfer_date=DAY).count() == 2
    assert (
        AuditEntry.objects.filter(
            object_type="directory.tupetransfer", channel="web", actor=world.users["mbra-admin"]
        ).count()
        == 2
    )


def test_the_list_refuses_another_members_person_and_says_who_was_transferred_already(world):
    client = page_client(world, "mbra-admin")
    base = {"to_supplier": world.orgs["SUPA"].pk, **DATE}
    foreign = client.post(reverse("tupe-add"), {**base, "staff": [person("analyst@mbrb.gov.uk").pk]})
    assert foreign.status_code == 200 and foreign.context["form"].errors["staff"]
    assert "Bramblewick" not in foreign.content.decode()
    again = client.post(
        reverse("tupe-add"), {**base, "staff": [person("clerk@mbra.gov.uk").pk, person("analyst@mbra.gov.uk").pk]}
    )
    assert again.status_code == 200
    assert "Ashcombe Council Clerk was transferred to SUPA on 2021-01-01 already" in again.content.decode()
    nobody = client.post(reverse("tupe-add"), base)
    assert nobody.status_code == 200 and nobody.context["form"].errors["staff"]
    other_supplier = client.post(
        reverse("tupe-add"), {**base, "to_supplier": world.orgs["QSUP"].pk, "staff": [person("analyst@mbra.gov.uk").pk]}
    )
    assert other_supplier.context["form"].errors["to_supplier"]
    assert "Quorn" not in other_supplier.content.decode()
    assert person("analyst@mbra.gov.uk").organisation.code == "MBRA"


def test_a_member_out_of_reach_is_404_on_the_transfer_page(world):
    assert page_client(world, "mbra-admin").get(reverse("tupe-add"), {"member": "MBRB"}).status_code == 404
    authority = page_client(world, "aauth-admin")
    assert authority.get(reverse("tupe-add"), {"member": "MBRB"}).status_code == 404  # shared with WOLDS
    assert authority.get(reverse("tupe-add"), {"member": "QUILL"}).status_code == 404
    page = authority.get(reverse("tupe-add"), {"member": "MBRA"})
    assert page.status_code == 200 and page.context["member"].code == "MBRA"
    response = authority.post(
        reverse("tupe-add") + "?member=MBRA",
        {"staff": [person("engineer@mbra.gov.uk").pk], "to_supplier": world.orgs["SUPA"].pk, **DATE},
    )
    assert response.status_code == 302
    assert person("engineer@mbra.gov.uk").organisation.code == "SUPA"


def test_a_member_admin_uploads_a_csv_every_bad_row_is_listed_and_nobody_moves(world):
    client = page_client(world, "mbra-admin")
    base = {"member": world.orgs["MBRA"].pk, "to_supplier": world.orgs["SUPA"].pk, "terms_protected": "on", **DATE}
    bad = client.post(
        reverse("tupe-import"),
        {**base, "file": upload("email\nanalyst@mbra.gov.uk\nclerk@mbra.gov.uk\nanalyst@mbrb.gov.uk\n")},
    )
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "Nobody has been transferred" in body
    assert "Row 3, email: Ashcombe Council Clerk was transferred to SUPA on 2021-01-01 already" in body
    assert "Row 4, email: analyst@mbrb.gov.uk is not in MBRA&#x27;s directory" in body
    assert "Bramblewick" not in body
    assert person("analyst@mbra.gov.uk").organisation.code == "MBRA"
    good = client.post(
        reverse("tupe-import"),
        {**base, "file": upload("email\nanalyst@mbra.gov.uk\nengineer@mbra.gov.uk\n")},
        follow=True,
    )
    assert "2 people transferred to Sparrow Supplies" in good.content.decode()
    assert person("engineer@mbra.gov.uk").organisation.code == "SUPA"


def test_an_upload_for_another_member_is_refused(world):
    client = page_client(world, "mbra-admin")
    response = client.post(
        reverse("tupe-import"),
        {
            "member": world.orgs["MBRB"].pk,
            "to_supplier": world.orgs["SUPA"].pk,
            "file": upload("email\nanalyst@mbrb.gov.uk\n"),
            **DATE,
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["member"]
    assert person("analyst@mbrb.gov.uk").organisation.code == "MBRB"


@pytest.mark.parametrize("username", ["mbra-user", "supa-agent", "inta-integrator"])
@pytest.mark.parametrize("route", ["tupe-add", "tupe-import", "tupe-csv", "tupe-list"])
def test_only_admins_may_transfer_or_read_the_register(world, username, route):
    client = page_client(world, username)
    assert client.get(reverse(route)).status_code == 403
    assert client.post(reverse(route), {}).status_code in (403, 405)


@pytest.mark.parametrize("route", ["tupe-add", "tupe-import", "tupe-csv"])
def test_signed_out_the_transfer_pages_ask_to_sign_in(world, route):
    response = Client().get(reverse(route))
    assert response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))


# The register as CSV -------------------------------------------------------------------------------


def test_the_register_as_csv_per_member_and_per_supplier_for_a_member_admin(world):
    transfer(world, ["analyst@mbra.gov.uk"])
    client = page_client(world, "mbra-admin")
    rows = csv_rows(client.get(reverse("tupe-csv"), {"member": "MBRA"}))
    header = rows[0]
    assert header == [
        "person",
        "email",
        "unit",
        "site",
        "grade",
        "start_date",
        "member",
        "member_name",
        "supplier",
        "supplier_name",
        "transfer_date",
        "terms_protected",
        "note",
        "recorded_by",
        "recorded_at",
    ]
    by_email = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_email) == {"clerk@mbra.gov.uk", "analyst@mbra.gov.uk"}
    analyst = by_email["analyst@mbra.gov.uk"]
    assert (analyst["person"], analyst["unit"], analyst["site"], analyst["start_date"]) == (
        "Ashcombe Council Analyst",
        "Policy",
        "London",
        "2019-04-01",
    )
    assert (analyst["member"], analyst["supplier"], analyst["supplier_name"]) == ("MBRA", "SUPA", "Sparrow Supplies")
    assert (analyst["transfer_date"], analyst["terms_protected"]) == ("2021-06-01", "true")
    response = client.get(reverse("tupe-csv"), {"member": "MBRA"})
    assert response["Content-Disposition"].startswith('attachment; filename="tupe-MBRA-')
    assert [row[1] for row in csv_rows(client.get(reverse("tupe-csv"), {"supplier": "SUPA"}))[1:]] == [
        "clerk@mbra.gov.uk",
        "analyst@mbra.gov.uk",
    ]
    assert len(csv_rows(client.get(reverse("tupe-csv")))) == 3
    for query in (
        {"member": "MBRB"},
        {"member": "QUILL"},
        {"supplier": "QSUP"},
        {"supplier": "NOPE"},
    ):
        response = client.get(reverse("tupe-csv"), query)
        assert response.status_code == 404, query
        assert "Bramblewick" not in response.content.decode()


def test_the_register_as_csv_for_the_authority(world):
    client = page_client(world, "aauth-admin")
    rows = csv_rows(client.get(reverse("tupe-csv"), {"supplier": "SUPA"}))
    # MBRB takes part in another authority's framework too: its register is not AAUTH's.
    assert [row[1] for row in rows[1:]] == ["clerk@mbra.gov.uk"]
    assert [row[1] for row in csv_rows(client.get(reverse("tupe-csv"), {"member": "MBRA"}))[1:]] == [
        "clerk@mbra.gov.uk"
    ]
    assert client.get(reverse("tupe-csv"), {"member": "MBRB"}).status_code == 404
    assert client.get(reverse("tupe-csv"), {"member": "WREN"}).status_code == 404
    assert client.get(reverse("tupe-csv"), {"supplier": "QSUP"}).status_code == 404


def test_the_register_page_links_each_members_and_suppliers_csv(world):
    page = page_client(world, "aauth-admin").get(reverse("tupe-list"))
    body = page.content.decode()
    assert f"{reverse('tupe-csv')}?member=MBRA" in body and f"{reverse('tupe-csv')}?supplier=SUPA" in body
    filtered = page_client(world, "mbra-admin").get(reverse("tupe-list"), {"supplier": "SUPA"}).content.decode()
    assert f"{reverse('tupe-csv')}?supplier=SUPA" in filtered
    assert page_client(world, "mbra-admin").get(reverse("tupe-list"), {"member": "MBRB"}).status_code == 404
    assert page_client(world, "aauth-admin").get(reverse("tupe-list"), {"supplier": "QSUP"}).status_code == 404


def test_the_csv_and_the_transfer_page_cost_the_same_however_many_rows(world):
    client = page_client(world, "mbra-admin")

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = [reverse("tupe-csv"), reverse("tupe-add"), reverse("tupe-list")]
    client.get(reverse("home"))  # the session's first request does more
    before = [queries(url) for url in urls]
    text = HEADER + "".join(f"Extra {i},extra{i}@mbra.gov.uk,Unit {i},Site {i},,,,\n" for i in range(8))
    staff_import(actor=CLI, organisation=world.orgs["MBRA"], open_file=lambda: io.BytesIO(text.encode()))
    transfer(world, [f"extra{i}@mbra.gov.uk" for i in range(4)])
    assert [queries(url) for url in urls] == before


# The API -------------------------------------------------------------------------------------------


def test_the_api_transfers_a_list_of_people_at_once(world):
    body = {
        "to_supplier": "SUPA",
        "transfer_date": "2021-06-01",
        "staff": ["analyst@mbra.gov.uk", "Engineer@mbra.gov.uk"],
    }
    response = api_client(world, "mbra-admin").post("/api/v1/transfers/", body, format="json")
    assert response.status_code == 201, response.json()
    assert [(t["email"], t["from_organisation"], t["to_supplier"], t["terms_protected"]) for t in response.json()] == [
        ("analyst@mbra.gov.uk", "MBRA", "SUPA", True),
        ("engineer@mbra.gov.uk", "MBRA", "SUPA", True),
    ]
    assert AuditEntry.objects.filter(object_type="directory.tupetransfer", channel="api").count() == 2
    listed = api_client(world, "mbra-admin").get("/api/v1/transfers/?to_supplier__code=SUPA").json()["results"]
    assert {t["email"] for t in listed} == {"analyst@mbra.gov.uk", "engineer@mbra.gov.uk", "clerk@mbra.gov.uk"}


def test_the_api_transfers_nobody_if_anyone_is_wrong_and_names_each_by_place(world):
    body = {
        "to_supplier": "SUPA",
        "transfer_date": "2021-06-01",
        "staff": ["analyst@mbra.gov.uk", "clerk@mbra.gov.uk", "analyst@mbrb.gov.uk", "nope"],
    }
    response = api_client(world, "mbra-admin").post("/api/v1/transfers/", body, format="json")
    assert response.status_code == 400
    answer = response.json()
    assert answer["field"] == "staff"
    assert answer["detail"] == "staff[1]: Ashcombe Council Clerk was transferred to SUPA on 2021-01-01 already"
    assert answer["staff"] == {
        "1": ["Ashcombe Council Clerk was transferred to SUPA on 2021-01-01 already"],
        "2": ["analyst@mbrb.gov.uk is not in MBRA's directory"],
        "3": ["'nope' is not a valid email address"],
    }
    assert person("analyst@mbra.gov.uk").organisation.code == "MBRA"


def test_the_api_names_only_what_the_caller_may_reach(world):
    client = api_client(world, "mbra-admin")
    base = {"to_supplier": "SUPA", "transfer_date": "2021-06-01", "staff": ["analyst@mbrb.gov.uk"]}
    foreign = client.post("/api/v1/transfers/", {**base, "member": "MBRB"}, format="json")
    assert foreign.status_code == 400 and foreign.json()["field"] == "member"
    unknown = client.post("/api/v1/transfers/", {**base, "member": "NOPE"}, format="json")
    assert unknown.json()["detail"].replace("NOPE", "MBRB") == foreign.json()["detail"]  # the same words as a stranger
    supplier = client.post("/api/v1/transfers/", {**base, "to_supplier": "QSUP"}, format="json")
    assert supplier.status_code == 400 and supplier.json()["field"] == "to_supplier"
    empty = client.post("/api/v1/transfers/", {**base, "staff": []}, format="json")
    assert empty.status_code == 400 and empty.json()["field"] == "staff"
    assert person("analyst@mbrb.gov.uk").organisation.code == "MBRB"
    authority = api_client(world, "aauth-admin")
    assert authority.post("/api/v1/transfers/", {**base, "member": "MBRB"}, format="json").json()["field"] == "member"
    mine = authority.post(
        "/api/v1/transfers/", {**base, "member": "MBRA", "staff": ["engineer@mbra.gov.uk"]}, format="json"
    )
    assert mine.status_code == 201
    no_member = authority.post("/api/v1/transfers/", {**base, "staff": ["analyst@mbra.gov.uk"]}, format="json")
    assert no_member.status_code == 400 and no_member.json()["field"] == "member"  # AAUTH itself is no member


@pytest.mark.parametrize("username", ["mbra-user", "supa-agent", "inta-integrator"])
def test_the_api_refuses_other_roles(world, username):
    response = api_client(world, username).post(
        "/api/v1/transfers/",
        {"to_supplier": "SUPA", "transfer_date": "2021-06-01", "staff": ["analyst@mbra.gov.uk"]},
        format="json",
    )
    assert response.status_code == 403 and "cannot use this endpoint" in response.json()["detail"]


def test_the_api_asks_for_a_token_when_signed_out(world):
    from rest_framework.test import APIClient

    response = APIClient().post("/api/v1/transfers/", {}, format="json")
    assert response.status_code == 401
