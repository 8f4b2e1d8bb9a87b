"""Billing runs, issuing, credit notes and the `flexhub bill` command."""

from __future__ import annotations

import io
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from flexhub.billing.models import CreditNote, Invoice, InvoiceStatus
from flexhub.billing.services import billing_issue, billing_run, credit_note_issue
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry
from flexhub.frameworks import services as framework_services
from flexhub.rules.periods import Month

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[5] / "shared" / "examples"
CLI = Actor.for_cli()


def test_run_creates_one_draft_per_member_and_rerun_replaces_drafts_only(world):
    one = world.frameworks["ONE"]
    run = billing_run(actor=CLI, framework=one, month=Month(2020, 6))
    invoices = Invoice.objects.filter(run=run).order_by("member__code")
    assert [i.member.code for i in invoices] == ["MBRA", "MBRB"]
    assert all(i.status == "draft" and i.number is None for i in invoices)
    # 1,200 seats pooled: band from 1,000 at 80.00; each member alone (600) would pay 90.00.
    assert run.pools == [{"service": "CORE", "size": 1200, "band_from": 1000, "unit_price": "80.00"}]
    mbra = invoices[0]
    assert mbra.pooling_saving == Decimal("6000.00")
    billing_issue(actor=CLI, framework=one, month=Month(2020, 6))
    issued = Invoice.objects.get(member__code="MBRA", period="2020-06-01")
    # The test world issued April already (numbers 1 and 2): June goes on from 3.
    assert issued.number == "ONE-2020-000003" and issued.status == "issued"
    # A change after issuing: the re-run leaves the issued invoices exactly as they were.
    framework_services.contract_change_record(
        actor=CLI,
        contract=world.extra["contract-MBRA"],
        service=one.services.get(code="CORE"),
        effective=issued.period,
        quantity=900,
    )
    billing_run(actor=CLI, framework=one, month=Month(2020, 6))
    again = Invoice.objects.get(pk=issued.pk)
    assert (again.number, again.net, again.total) == (issued.number, issued.net, issued.total)
    assert Invoice.objects.filter(framework=one, period="2020-06-01").count() == 2


def test_issuing_numbers_gaplessly_in_member_order_across_months(world):
    one = world.frameworks["ONE"]
    for month in (Month(2020, 5), Month(2020, 6)):
        billing_run(actor=CLI, framework=one, month=month)
        billing_issue(actor=CLI, framework=one, month=month)
    numbers = list(
        Invoice.objects.filter(framework=one, status="issued").order_by("number").values_list("number", flat=True)
    )
    assert numbers == [f"ONE-2020-{n:06d}" for n in range(1, 7)]
    assert billing_issue(actor=CLI, framework=one, month=Month(2020, 6)) == []


def test_issued_invoices_are_audited(world):
    one = world.frameworks["ONE"]
    billing_run(actor=CLI, framework=one, month=Month(2020, 6))
    before = AuditEntry.objects.filter(object_type="billing.invoice").count()
    billing_issue(actor=CLI, framework=one, month=Month(2020, 6))
    entries = AuditEntry.objects.filter(object_type="billing.invoice")
    assert entries.count() == before + 2
    assert entries.first().changes["status"] == ["draft", "issued"]


def test_credit_notes_partial_then_full_and_never_more(world):
    one = world.frameworks["ONE"]
    billing_run(actor=CLI, framework=one, month=Month(2020, 6))
    invoice = billing_issue(actor=CLI, framework=one, month=Month(2020, 6))[0]
    partial = credit_note_issue(actor=CLI, invoice=invoice, net=Decimal("100.00"), reason="seat count disputed")
    assert (partial.net, partial.vat, partial.total) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    assert partial.number == "ONE-2020-CN000003"  # the test world issued CN000001 and CN000002
    with pytest.raises(RuleError, match="at most"):
        credit_note_issue(actor=CLI, invoice=invoice, net=invoice.net, reason="too much")
    full = credit_note_issue(actor=CLI, invoice=invoice, net=None, reason="cancelled")
    assert full.net == invoice.net - Decimal("100.00")
    with pytest.raises(RuleError, match="nothing is left"):
        credit_note_issue(actor=CLI, invoice=invoice, net=None, reason="again")
    invoice.refresh_from_db()
    assert invoice.status == "issued"  # the invoice itself never changes


def test_drafts_cannot_be_credited_and_members_cannot_run_billing(world):
    one = world.frameworks["ONE"]
    billing_run(actor=CLI, framework=one, month=Month(2020, 6))
    draft = Invoice.objects.filter(framework=one, status="draft").first()
    with pytest.raises(RuleError, match="only an issued invoice"):
        credit_note_issue(actor=CLI, invoice=draft, net=None, reason="x")
    member = Actor(user=world.users["mbra-admin"], label="mbra-admin", channel="web")
    with pytest.raises(RuleError, match="authority admins"):
        billing_run(actor=member, framework=one, month=Month(2020, 6))


def test_period_outside_the_term_is_refused(world):
    with pytest.raises(RuleError, match="outside ONE's term"):
        billing_run(actor=CLI, framework=world.frameworks["ONE"], month=Month(2030, 1))


def _load(name):
    call_command("load", str(EXAMPLES / name), stdout=io.StringIO())


def test_bill_command_json_follows_the_specification():
    _load("public-sector-flex.yaml")
    out = io.StringIO()
    call_command("bill", "2008-07", "--framework", "PSF", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["framework"] == "PSF" and body["period"] == "2008-07"
    assert body["pools"] == [{"service": "CORE", "size": 6700, "band_from": 5000, "unit_price": "89.00"}]
    co = next(i for i in body["invoices"] if i["member"] == "CO")
    assert (
        co["number"],
        co["status"],
        co["net"],
        co["vat"],
        co["total"],
        co["pooling_saving"],
    ) == (
        None,
        "draft",
        "243125.00",
        "42546.88",
        "285671.88",
        "17500.00",
    )
    assert co["lines"][0] == {
        "service": "CORE",
        "kind": "charge",
        "quantity": 2500,
        "days": 31,
        "unit_price": "89.00",
        "amount": "222500.00",
    }
    assert {
        "service": "PRINT",
        "kind": "delivery",
        "quantity": 180000,
        "days": None,
        "unit_price": "0.04",
        "amount": "7200.00",
    } in co["lines"]
    assert {
        "service": None,
        "kind": "credit",
        "priority": "P1",
        "quantity": None,
        "days": None,
        "unit_price": None,
        "amount": "-11125.00",
    } in co["lines"]
    dius = next(i for i in body["invoices"] if i["member"] == "DIUS")
    assert {
        "service": "BCS",
        "kind": "delivery",
        "quantity": 12,
        "days": None,
        "unit_price": "850.00",
        "amount": "10200.00",
    } in dius["lines"]


def test_bill_command_issues_a_range_and_sla_command_reports_credits():
    _load("public-sector-flex.yaml")
    err = io.StringIO()
    call_command(
        "bill",
        "--framework",
        "PSF",
        "--from",
        "2008-04",
        "--to",
        "2008-09",
        "--issue",
        stdout=io.StringIO(),
        stderr=err,
    )
    numbers = list(
        Invoice.objects.filter(status=InvoiceStatus.ISSUED).order_by("number").values_list("number", flat=True)
    )
    assert numbers[0] == "PSF-2008-000001" and numbers[-1] == f"PSF-2008-{len(numbers):06d}"
    out = io.StringIO()
    call_command("sla", "2008-07", "--framework", "PSF", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert [t["ref"] for t in report["tickets"]] == ["INC-0001", "INC-0002"]
    inc2 = report["tickets"][1]
    assert (
        inc2["response_minutes"],
        inc2["resolution_minutes"],
        inc2["resolution_breached"],
        inc2["breached_in"],
    ) == (
        20,
        750,
        True,
        "2008-07",
    )
    assert {
        "member": "CO",
        "priority": "P1",
        "breaches": 1,
        "percent": 5,
        "amount": "11125.00",
    } in report["credits"]


def test_bill_command_errors_are_clear():
    from django.core.management import CommandError

    _load("public-sector-flex.yaml")
    with pytest.raises(CommandError, match="unknown framework"):
        call_command("bill", "2008-07", "--framework", "NOPE")
    with pytest.raises(CommandError, match="no month 13"):
        call_command("bill", "2008-13", "--framework", "PSF")
    with pytest.raises(CommandError, match="outside PSF's term"):
        call_command("bill", "2020-01", "--framework", "PSF")


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_never_repeats_or_skips_a_number():
    """Two connections issue at once; on PostgreSQL the sequence row lock makes them queue."""
    if connection.vendor != "postgresql":
        pytest.skip("needs two real connections to PostgreSQL")
    _load("public-sector-flex.yaml")
    from flexhub.frameworks.models import Framework

    psf = Framework.objects.get(code="PSF")
    months = [Month(2008, m) for m in range(4, 12)]
    for month in months:
        billing_run(actor=CLI, framework=psf, month=month)
    barrier = threading.Barrier(2)
    errors = []

    def issue(part):
        try:
            barrier.wait()
            for month in part:
                billing_issue(actor=CLI, framework=psf, month=month)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(months[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == Invoice.objects.count() > 8
    assert CreditNote.objects.count() == 0


def test_the_database_refuses_to_change_an_issued_invoice_on_postgresql(world):
    if connection.vendor != "postgresql":
        pytest.skip("the database-level guard is PostgreSQL's; SQLite relies on the services")
    from django.db import DatabaseError, transaction

    from flexhub.core.models import AuditEntry

    invoice = world.extra["invoice-MBRA"]
    with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("1.00"))
    with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
        invoice.lines.all().delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=AuditEntry.objects.first().pk).update(reason="rewritten")
