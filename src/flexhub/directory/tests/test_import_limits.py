"""What a staff import may cost and what its check must promise (issue 13): a file the check
passes never fails in the write, one upload is stored once and checked once, and nothing tells
an importer what another organisation's directory holds."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from flexhub.core.audit import Actor
from flexhub.core.csvimport import MAX_PROBLEMS
from flexhub.core.errors import RuleError
from flexhub.directory.models import StaffMember, StagedImport, StagedImportPart
from flexhub.directory.services import PART_BYTES, staff_import, staged_import_store, tupe_transfer

pytestmark = pytest.mark.django_db
HEADER = "name,email,unit,site,grade,start_date,leave_date,predecessor\n"


def run(world, text, *, org="MBRA", apply=True, username="mbra-admin"):
    user = world.users[username]
    data = text.encode()
    return staff_import(
        actor=Actor(user=user, label=username, channel="web"),
        organisation=world.orgs[org],
        open_file=lambda: io.BytesIO(data),
        apply=apply,
    )


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def upload(client, world, data: bytes, name="staff.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("staff-import"), {"organisation": world.orgs["MBRA"].pk, "file": file}, follow=True)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("x" * 300 + ",long@mbra.gov.uk,Policy,London,,,,", "name"),
        ("Ann,ann@mbra.gov.uk," + "u" * 201 + ",London,,,,", "unit"),
        ("Ann,ann@mbra.gov.uk,Policy,London," + "g" * 101 + ",,,", "grade"),
        ("Ann," + "a" * 250 + "@mbra.gov.uk,Policy,London,,,,", "email"),
        ("A\x00nn,ann@mbra.gov.uk,Policy,London,,,,", "name"),
    ],
)
def test_the_dry_run_refuses_what_the_database_would(world, row, column):
    """A 300-character name passed the dry run and then failed the write on PostgreSQL."""
    preview = run(world, HEADER + row + "\n", apply=False)
    assert [(p.line, p.column) for p in preview.problems] == [(2, column)]
    applied = run(world, HEADER + row + "\n")  # all or nothing: refused, never a DataError
    assert not applied.applied
    assert not StaffMember.objects.filter(organisation__code="MBRA", unit__startswith="uuu").exists()


def test_an_address_in_another_directory_is_neither_refused_nor_named(world):
    """Emails are unique per directory: MBRB's analyst can also be in MBRA's, and the import
    says nothing of MBRB."""
    summary = run(world, HEADER + "Shared Analyst,analyst@mbrb.gov.uk,Policy,London,,,,\n")
    assert summary.applied and summary.adds == 1
    assert StaffMember.objects.filter(email="analyst@mbrb.gov.uk").count() == 2
    assert "MBRB" not in json.dumps(summary.as_dict()) and "another" not in json.dumps(summary.as_dict())


def test_a_transfer_refuses_a_person_the_supplier_already_holds(world):
    engineer = StaffMember.objects.get(email="engineer@mbra.gov.uk")
    supplier = world.orgs["SUPA"]
    StaffMember.objects.create(organisation=supplier, name="Earlier", email=engineer.email, unit="U", site="S")
    with pytest.raises(RuleError, match="already recorded at SUPA"):
        tupe_transfer(
            actor=Actor.for_cli(),
            staff=engineer,
            to_supplier=supplier,
            transfer_date=dt.date(2021, 6, 1),
            terms_protected=True,
        )


def test_an_upload_is_stored_once_in_parts_and_its_rejects_come_from_the_check(world):
    client = login(world, "mbra-admin")
    bad = "".join(f"Person {i},not-an-email-{i},Policy,London,,,,\n" for i in range(30_000))
    data = (HEADER + bad).encode()
    assert len(data) > PART_BYTES
    response = upload(client, world, data)
    staged = response.context["staged"]
    parts = list(StagedImportPart.objects.filter(staged=staged).values_list("data", flat=True))
    assert len(parts) == 2 and b"".join(bytes(p) for p in parts) == data  # the file, once
    summary = StagedImport.objects.get(pk=staged.pk).summary
    assert len(summary["problems"]) == MAX_PROBLEMS and summary["more_problems"] == 30_000 - MAX_PROBLEMS
    assert len(json.dumps(summary)) < 50_000
    assert f"and {30_000 - MAX_PROBLEMS} more" in response.content.decode()
    StagedImportPart.objects.filter(staged=staged).delete()  # the rejects never read the file again
    rejects = client.get(reverse("import-rejects", kwargs={"pk": staged.pk})).content.decode("utf-8-sig")
    lines = rejects.splitlines()
    assert len(lines) == 1 + MAX_PROBLEMS + 1 and "more problems not listed" in lines[-1]


def test_applying_an_upload_drops_its_file(world):
    client = login(world, "mbra-admin")
    response = upload(client, world, (HEADER + "Fay Oh,fay@mbra.gov.uk,Policy,London,,,,\n").encode())
    staged = response.context["staged"]
    assert StagedImportPart.objects.filter(staged=staged).exists()
    client.post(reverse("import-apply", kwargs={"pk": staged.pk}))
    assert StaffMember.objects.filter(email="fay@mbra.gov.uk", organisation__code="MBRA").exists()
    assert not StagedImportPart.objects.filter(staged=staged).exists()
    again = client.post(reverse("import-apply", kwargs={"pk": staged.pk}), follow=True)
    assert "imported already" in again.content.decode()


def test_an_oversized_row_or_a_bad_byte_is_reported_where_it_is(world):
    client = login(world, "mbra-admin")
    huge = (HEADER + "Ann,ann@mbra.gov.uk,Policy,London,,,,\n").encode() + b"x" * 2_000_000
    page = upload(client, world, huge).content.decode()
    assert "Row 3" in page and "longer than 10,000 bytes" in page
    rows = "".join(f"Person {i},p{i}@mbra.gov.uk,Policy,London,,,,\n" for i in range(3000))
    latin = (HEADER + rows).encode() + "Zoë,zoe@mbra.gov.uk,Policy,London,,,,\n".encode("latin-1")
    page = upload(client, world, latin).content.decode()
    assert "Row 3002" in page and "not UTF-8" in page


def test_only_an_administrator_of_the_organisation_stages_its_file(world):
    with pytest.raises(RuleError, match="do not administer MBRB"):
        staged_import_store(
            actor=Actor(user=world.users["mbra-admin"], label="mbra-admin", channel="web"),
            organisation=world.orgs["MBRB"],
            kind="staff",
            filename="x.csv",
            chunks=[HEADER.encode()],
        )


def test_the_check_and_the_write_agree_on_postgresql_too(world):
    """Run with DATABASE_URL=postgres://... to prove no value the check passes is refused there."""
    row = "N" * 200 + ",n@mbra.gov.uk," + "U" * 200 + "," + "S" * 200 + "," + "G" * 100 + ",,,\n"
    summary = run(world, HEADER + row)
    assert summary.applied, summary.problems
    assert StaffMember.objects.get(email="n@mbra.gov.uk").unit == "U" * 200
    assert connection.vendor in {"sqlite", "postgresql"}
