"""Issued documents (PDF kept with its hash, emailed), credit notes' pages, payments and aged debt,
the ledger export: what a finance team needs after an invoice is issued."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend
from pypdf import PdfReader

from flexhub.billing.models import CreditNote, CreditNotePdf, Invoice, InvoicePdf, InvoiceStatus, Payment
from flexhub.billing.notify import documents_send_task
from flexhub.billing.selectors import aged_debt, invoice_balance
from flexhub.billing.services import billing_issue, billing_run, credit_note_issue, payment_record
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.testing.clients import api_client, page_client
from flexhub.frameworks.services import contract_change_record
from flexhub.rules.periods import Month

pytestmark = pytest.mark.django_db
CLI = Actor.for_cli()
JUNE = Month(2020, 6)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff"), "a byte-order mark, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(body[1:])))


def test_an_issued_invoice_keeps_its_pdf_with_its_hash_and_sends_it(world, django_capture_on_commit_callbacks):
    one = world.frameworks["ONE"]
    billing_run(actor=CLI, framework=one, month=JUNE)
    with django_capture_on_commit_callbacks(execute=True):
        issued = billing_issue(actor=CLI, framework=one, month=JUNE)
    invoice = next(i for i in issued if i.member.code == "MBRA")
    document = InvoicePdf.objects.get(invoice=invoice)
    pdf = bytes(document.pdf)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == document.sha256
    text = _text(pdf)
    for expected in (
        invoice.number,
        "GB100000187",
        "Sparrow Supplies",
        "Ashcombe Council",
        "30 June 2020",
        "Tax point",
    ):
        assert expected in text
    assert f"£{invoice.total:,.2f}" in text
    # Emailed to each member's finance contact, with the very PDF that was kept.
    sent = {m.to[0]: m for m in mail.outbox}
    message = sent["finance@mbra.example.gov.uk"]
    assert message.subject == f"VAT invoice {invoice.number}"
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype, content) == (f"{invoice.number}.pdf", "application/pdf", pdf)
    # Downloaded as it was issued, by people and by machines, with its digest.
    response = page_client(world, "mbra-admin").get(reverse("invoice-pdf", kwargs={"pk": invoice.pk}))
    assert response["Content-Type"] == "application/pdf" and response.content == pdf
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(pdf).digest()).decode()}:"
    api = api_client(world, "mbra-admin").get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf" and api.content == pdf
    assert (
        api_client(world, "mbra-admin").get(f"/api/v1/invoices/{invoice.pk}/").json()["pdf_sha256"] == document.sha256
    )
    assert api_client(world, "mbrb-admin").get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 404


def test_a_draft_has_no_pdf_and_history_is_not_mailed(world, django_capture_on_commit_callbacks):
    one = world.frameworks["ONE"]
    run = billing_run(actor=CLI, framework=one, month=JUNE)
    draft = Invoice.objects.get(run=run, member__code="MBRA")
    assert page_client(world, "aauth-admin").get(reverse("invoice-pdf", kwargs={"pk": draft.pk})).status_code == 404
    assert api_client(world, "aauth-admin").get(f"/api/v1/invoices/{draft.pk}/pdf/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        billing_issue(actor=CLI, framework=one, month=JUNE, send=False)
    assert mail.outbox == []
    assert InvoicePdf.objects.filter(invoice__run=run).count() == 2


def test_credit_notes_have_pages_a_pdf_a_csv_and_show_on_the_member_s_billingpage_client(world):
    invoice = world.extra["invoice-MBRA"]
    note = credit_note_issue(actor=CLI, invoice=invoice, net=Decimal("5.00"), reason='=HYPERLINK("x") late fix')
    member = page_client(world, "mbra-admin")
    listing = member.get(reverse("credit-note-list")).content.decode()
    assert note.number in listing and "Bramblewick" not in listing
    assert note.number in member.get(reverse("invoice-list")).content.decode()
    detail = member.get(reverse("credit-note-detail", kwargs={"pk": note.pk})).content.decode()
    assert invoice.number in detail and "GB100000187" in detail
    pdf = member.get(reverse("credit-note-pdf", kwargs={"pk": note.pk}))
    assert pdf.content == bytes(CreditNotePdf.objects.get(credit_note=note).pdf)
    assert note.number in _text(pdf.content) and invoice.number in _text(pdf.content)
    rows = _csv(member.get(reverse("credit-note-csv")))
    assert rows[0] == ["credit_note", "issued_at", "invoice", "member", "period", "reason", "net", "vat", "total"]
    mine = next(r for r in rows if r[0] == note.number)
    assert mine[5] == '\'=HYPERLINK("x") late fix'  # a formula is written as text
    assert (mine[6], mine[7], mine[8]) == ("5.00", "1.00", "6.00")
    assert {r[3] for r in rows[1:]} == {"MBRA"}
    assert invoice.number in member.get(reverse("invoice-detail", kwargs={"pk": invoice.pk})).content.decode()


def test_payments_move_an_invoice_from_open_to_paid(world):
    invoice = Invoice.objects.get(pk=world.extra["invoice-MBRA"].pk)
    today = timezone.localdate()
    # The world's invoice has a 10.00 + VAT credit note and a 100.00 payment already.
    owed = invoice.total - Decimal("12.00") - Decimal("100.00")
    balance = invoice_balance(invoice, today)
    assert (balance.owed, balance.status) == (owed, "part paid")
    assert invoice_balance(invoice, invoice.due_on + dt.timedelta(days=1)).status == "overdue"
    with pytest.raises(RuleError, match=f"only £{owed:,.2f} is owed"):
        payment_record(actor=CLI, invoice=invoice, received_on=today, amount=owed + Decimal("0.01"), reference="X")
    with pytest.raises(RuleError, match="in the future"):
        payment_record(
            actor=CLI, invoice=invoice, received_on=today + dt.timedelta(days=1), amount=Decimal("1"), reference="X"
        )
    with pytest.raises(RuleError, match="before the invoice was issued"):
        payment_record(
            actor=CLI, invoice=invoice, received_on=today - dt.timedelta(days=1), amount=Decimal("1"), reference="X"
        )
    with pytest.raises(RuleError, match="pounds and pence"):
        payment_record(actor=CLI, invoice=invoice, received_on=today, amount=Decimal("1.001"), reference="X")
    member = Actor(user=world.users["mbra-admin"], label="mbra-admin", channel="web")
    with pytest.raises(RuleError, match="authority"):
        payment_record(actor=member, invoice=invoice, received_on=today, amount=Decimal("1"), reference="X")
    page = page_client(world, "aauth-admin").post(
        reverse("payment-add", kwargs={"pk": invoice.pk}),
        {"received_on": today.isoformat(), "amount": f"{owed:.2f}", "reference": "BACS 2"},
    )
    assert page.status_code == 302
    assert invoice_balance(invoice, today).status == "paid"
    detail = api_client(world, "mbra-admin").get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert detail["balance"] == {"owed": "0.00", "status": "paid"}
    assert Payment.objects.filter(invoice=invoice).count() == 2
    listed = api_client(world, "mbra-admin").get("/api/v1/payments/").json()["results"]
    assert {p["invoice_number"] for p in listed} == {invoice.number}


def test_payments_through_theapi_client(world):
    invoice = world.extra["invoice-MBRB"]
    client = api_client(world, "aauth-admin")
    body = {"invoice": invoice.pk, "received_on": timezone.localdate().isoformat(), "amount": "1.50", "reference": "R1"}
    assert client.post("/api/v1/payments/", body, format="json").status_code == 201
    refused = api_client(world, "mbra-admin").post("/api/v1/payments/", body, format="json")
    assert refused.status_code == 400 and "invoice" in refused.json()  # another member's invoice: unknown
    too_much = client.post("/api/v1/payments/", {**body, "amount": "999999.00"}, format="json")
    assert too_much.status_code == 400 and too_much.json()["field"] == "amount"


def test_aged_debt_by_member_on_the_page_in_csv_and_theapi_client(world):
    today = timezone.localdate()
    rows = {r.member: r for r in aged_debt(Invoice.objects.all(), today)}
    mbra = Invoice.objects.get(pk=world.extra["invoice-MBRA"].pk)
    owed = mbra.total - Decimal("12.00") - Decimal("100.00")
    assert rows["MBRA"].buckets["current"] == owed and rows["MBRA"].total == owed
    later = {r.member: r for r in aged_debt(Invoice.objects.all(), mbra.due_on + dt.timedelta(days=45))}
    assert later["MBRA"].buckets["31-60"] == owed and later["MBRA"].buckets["current"] == 0
    authority = page_client(world, "aauth-admin")
    page = authority.get(reverse("aged-debt")).content.decode()
    assert "Ashcombe Council" in page and "Bramblewick Council" in page and "Quillfield" not in page
    assert "Money owed" in authority.get(reverse("home")).content.decode()
    table = _csv(authority.get(reverse("aged-debt-csv")))
    assert table[0] == ["member", "name", "current", "1-30", "31-60", "61-90", "over 90", "total"]
    assert [r[0] for r in table[1:]] == ["MBRA", "MBRB"]
    assert table[1][2] == f"{owed:.2f}" and table[1][7] == f"{owed:.2f}"
    member_view = api_client(world, "mbra-admin").get("/api/v1/aged-debt/").json()
    assert [m["member"] for m in member_view["members"]] == ["MBRA"]
    assert member_view["members"][0]["current"] == f"{owed:.2f}"
    assert api_client(world, "supa-agent").get("/api/v1/aged-debt/").status_code == 403


def test_the_ledger_export_adds_up_to_each_invoice(world):
    invoice = world.extra["invoice-MBRA"]
    rows = _csv(page_client(world, "aauth-admin").get(reverse("billing-ledger", kwargs={"pk": invoice.run.pk})))
    assert rows[0] == ["run", "framework", "period", "invoice", "member", "service", "vat_rate", "net", "vat"]
    mine = [r for r in rows[1:] if r[4] == "MBRA"]
    assert sorted(r[5] for r in mine) == ["CORE", "TEL"]
    assert sum(Decimal(r[7]) for r in mine) == invoice.net
    assert sum(Decimal(r[8]) for r in mine) == invoice.vat
    assert all("E" not in r[7] and "E" not in r[8] for r in mine)
    assert (
        page_client(world, "mbra-admin").get(reverse("billing-ledger", kwargs={"pk": invoice.run.pk})).status_code
        == 403
    )


def test_documents_are_never_regenerated(world):
    note = CreditNote.objects.filter(invoice__member__code="MBRA").first()
    kept = CreditNotePdf.objects.get(credit_note=note)
    invoice = world.extra["invoice-MBRA"]
    before = InvoicePdf.objects.get(invoice=invoice).sha256
    billing_run(actor=CLI, framework=world.frameworks["ONE"], month=Month.of(invoice.period))
    billing_issue(actor=CLI, framework=world.frameworks["ONE"], month=Month.of(invoice.period))
    assert InvoicePdf.objects.get(invoice=invoice).sha256 == before
    assert CreditNotePdf.objects.get(credit_note=note).sha256 == kept.sha256
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED


def test_the_invoice_csv_opens_cleanly_in_a_spreadsheet(world):
    """Quantities and money as plain decimals (a 2,600-seat line was written `2.6E+3`), dates ISO,
    UTF-8 with a byte-order mark."""
    contract = world.extra["contract-MBRA"]
    core = contract.lines.get(service__code="CORE").service
    contract_change_record(actor=CLI, contract=contract, service=core, effective=dt.date(2020, 6, 1), quantity=2600)
    run = billing_run(actor=CLI, framework=world.frameworks["ONE"], month=JUNE)
    invoice = Invoice.objects.get(run=run, member__code="MBRA")
    rows = _csv(page_client(world, "mbra-admin").get(reverse("invoice-csv", kwargs={"pk": invoice.pk})))
    core_row = next(r for r in rows if r[5] == "CORE")
    assert core_row[8] == "2600"
    assert (core_row[10], core_row[11]) == ("2020-06-01", "2020-06-30")
    assert all("E+" not in cell for row in rows for cell in row)
    assert next(r for r in rows if r[4] == "total")[13] == f"{invoice.total:.2f}"


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_with_a_queue_issuing_hands_the_emails_to_a_worker(world, django_capture_on_commit_callbacks):
    one = world.frameworks["ONE"]
    billing_run(actor=CLI, framework=one, month=JUNE)
    with django_capture_on_commit_callbacks(execute=True):
        issued = billing_issue(actor=CLI, framework=one, month=JUNE)

    assert mail.outbox == []  # the issue did not wait on the mail server
    (queued,) = default_task_backend.results
    assert sorted(queued.args[0]) == sorted(i.pk for i in issued) and queued.args[1] == []
    documents_send_task.call(*queued.args)  # what the worker does
    assert {m.subject for m in mail.outbox} == {f"VAT invoice {i.number}" for i in issued}
