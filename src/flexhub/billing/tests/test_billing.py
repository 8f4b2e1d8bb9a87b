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
# The repository's own fixture scenarios (read by `flexhub load` inside the tests).
FIXTURES = Path(__file__).resolve().parents[2] / "scenarios" / "tests" / "fixtures"
CLI = Actor.for_cli()


def test_run_creates_one_draft_per_member_and_rerun_replaces_drafts_only(world):
    one = world.frameworks["ONE"]
    run = billing_run(actor=CLI, framework=one, month=Month(2020, 6))
    invoices = Invoice.objects.filter(run=run).order_by("member__code")
    assert [i.member.code for i in invoices] == ["MBRA", "MBRB"]
    assert all(i.status == "draft" and i.number is None for i in invoices)
    # 1,200 seats pooled: band from 1,000 at 80.00; each member alone (600) would pay 90.00.
    assert run.pools == [
        {
            "service": "CORE",
            "size": 1200,
            "band_from": 1000,
            "unit_price": "80.00",
            "explanation": "pool of 1,200 seats on 1 June 2020: band from 1,000 at £80.00",
        }
    ]
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
    call_command("load", str(FIXTURES / name), stdout=io.StringIO())


# Figures below are worked out by hand from scenario-format.md's rules for
# fixtures/pooled-framework.yaml. July 2020: the pool on 1 July is CCA 3,000 + LRB 2,400
# + DHR 1,300 + WMA 1,900 = 8,600 seats, band from 7,500 at 81.00 (the ratchet's lowest so far).


def test_bill_command_json_follows_the_specification():
    _load("pooled-framework.yaml")
    out = io.StringIO()
    call_command("bill", "2020-07", "--framework", "CWS", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["framework"] == "CWS" and body["period"] == "2020-07"
    assert body["pools"] == [{"service": "WPL", "size": 8600, "band_from": 7500, "unit_price": "81.00"}]
    assert [i["member"] for i in body["invoices"]] == ["CCA", "DHR", "LRB", "WMA"]
    cca = next(i for i in body["invoices"] if i["member"] == "CCA")
    assert (
        cca["number"],
        cca["status"],
        cca["net"],
        cca["vat"],
        cca["total"],
        cca["pooling_saving"],
    ) == (
        None,
        "draft",
        # 243,000.00 WPL + 4,462.50 MOB (350 x 12.75) + 16,200.00 VOX (3,000 x 5.40)
        # + 3,040.00 SRV (8 x 380.00) + 4,499.70 SCAN (149,990 x 0.03) - 9,720.00 P1 credit
        "261482.20",
        "45759.39",  # 17.5% in force on 31 July: 261,482.20 x 0.175 = 45,759.385, half up
        "307241.59",  # 261,482.20 + 45,759.39
        "33000.00",  # alone CCA's 3,000 seats would pay 92.00: (92.00 - 81.00) x 3,000
    )
    assert {
        "service": "WPL",
        "kind": "charge",
        "quantity": 3000,
        "days": 31,
        "unit_price": "81.00",
        "amount": "243000.00",  # 3,000 x 81.00 x 31/31
    } in cca["lines"]
    assert len(cca["lines"]) == 6  # WPL, MOB, SRV, VOX charges, the SCAN delivery, the P1 credit
    assert {
        "service": "SCAN",
        "kind": "delivery",
        "quantity": 149990,
        "days": None,
        "unit_price": "0.03",
        "amount": "4499.70",  # 149,990 x 0.03
    } in cca["lines"]
    assert {
        "service": None,
        "kind": "credit",
        "priority": "P1",
        "quantity": None,
        "days": None,
        "unit_price": None,
        "amount": "-9720.00",  # CWS-INC-0001 breached in July: 4% of 243,000.00
    } in cca["lines"]
    dhr = next(i for i in body["invoices"] if i["member"] == "DHR")
    assert {
        "service": "CONS",
        "kind": "delivery",
        "quantity": 6,
        "days": None,
        "unit_price": "925.00",
        "amount": "5550.00",  # 6 days x 925.00
    } in dhr["lines"]
    assert {
        "service": "TRAIN",
        "kind": "delivery",
        "quantity": 2.25,
        "days": None,
        "unit_price": "642.50",
        "amount": "1445.63",  # 2.25 days x 642.50 = 1,445.625, half up
    } in dhr["lines"]
    # 1,300 x 81.00 + 1,300 x 5.40 + 9 x 47.00 + 5,550.00 + 1,445.63
    # = 105,300.00 + 7,020.00 + 423.00 + 5,550.00 + 1,445.63
    assert dhr["net"] == "119738.63"
    lrb = next(i for i in body["invoices"] if i["member"] == "LRB")
    # 2,400 x 81.00 + 120 x 19.50 + 3 x 380.00 - 2,916.00 (CWS-INC-0002: 1.5% of 194,400.00)
    # = 194,400.00 + 2,340.00 + 1,140.00 - 2,916.00
    assert lrb["net"] == "194964.00"
    assert lrb["vat"] == "34118.70"  # 194,964.00 x 0.175


def test_bill_command_issues_a_range_and_sla_command_reports_credits():
    _load("pooled-framework.yaml")
    err = io.StringIO()
    call_command(
        "bill",
        "--framework",
        "CWS",
        "--from",
        "2019-09",
        "--to",
        "2020-07",
        "--issue",
        stdout=io.StringIO(),
        stderr=err,
    )
    numbers = list(
        Invoice.objects.filter(status=InvoiceStatus.ISSUED).order_by("number").values_list("number", flat=True)
    )
    # Gapless per framework and year of the period. 2019: September CCA alone (1), October to
    # December CCA and LRB (2 x 3) = 7. 2020: January to March CCA, LRB, DHR (3 x 3), April to
    # July with WMA too (4 x 4) = 25.
    assert numbers == [f"CWS-2019-{n:06d}" for n in range(1, 8)] + [f"CWS-2020-{n:06d}" for n in range(1, 26)]
    out = io.StringIO()
    call_command("sla", "2020-07", "--framework", "CWS", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert [t["ref"] for t in report["tickets"]] == ["CWS-INC-0001", "CWS-INC-0002"]
    inc1, inc2 = report["tickets"]
    # P1 on the 24x7 clock: responded 08:15 -> 08:31; resolved 12:20, 245 minutes; the
    # 210-minute target passed at 11:45 on 6 July.
    assert (
        inc1["response_minutes"],
        inc1["resolution_minutes"],
        inc1["response_breached"],
        inc1["resolution_breached"],
        inc1["breached_in"],
    ) == (16, 245, False, True, "2020-07")
    # P2 on the business clock (08:30-17:30, Mon-Fri): responded Thu 16 July 15:30 -> 16:05.
    # Resolution: Thu 15:30-17:30 (120) + Fri 08:30-09:40 (70), paused until Mon 10:30, then
    # 10:30-17:15 (405): 595 minutes. The 540-minute target: 540 - 190 = 350 minutes after
    # Monday 10:30, 16:20 on 20 July.
    assert (
        inc2["response_minutes"],
        inc2["resolution_minutes"],
        inc2["resolution_breached"],
        inc2["breached_in"],
    ) == (
        35,
        595,
        True,
        "2020-07",
    )
    assert report["credits"] == [
        # 4% (one P1 breach) of CCA's core charge 3,000 x 81.00 = 243,000.00
        {"member": "CCA", "priority": "P1", "breaches": 1, "percent": 4, "amount": "9720.00"},
        # 1.5% (one P2 breach) of LRB's core charge 2,400 x 81.00 = 194,400.00
        {"member": "LRB", "priority": "P2", "breaches": 1, "percent": 1.5, "amount": "2916.00"},
    ]


def test_sla_command_skips_the_member_s_bank_holidays():
    _load("pooled-framework.yaml")
    out = io.StringIO()
    call_command("sla", "2020-09", "--framework", "CWS", "--json", stdout=out)
    [req] = json.loads(out.getvalue())["tickets"]
    # DHR (England and Wales), P4, business clock 08:30-17:30 (540 minutes a day). Opened
    # Thu 27 Aug 14:00, responded 17:00: 180 minutes. Resolution: Thu 210 + Fri 28 Aug 540;
    # Mon 31 Aug is the summer bank holiday; Tue 1 to Fri 4 Sep 4 x 540, Mon 7 and Tue 8 Sep
    # 2 x 540, Wed 9 Sep 08:30-11:00 150: 210 + 540 + 2,160 + 1,080 + 150 = 4,140 minutes.
    # The 2,700-minute target: 750 by Friday 28 Aug, 2,370 by Thursday 3 Sep, so 330 minutes
    # into Friday 4 September (14:00): breached in September, not August.
    assert (req["ref"], req["response_minutes"], req["resolution_minutes"], req["breached_in"]) == (
        "CWS-REQ-0003",
        180,
        4140,
        "2020-09",
    )
    out = io.StringIO()
    call_command("sla", "2021-07", "--framework", "CWS", "--json", stdout=out)
    [inc] = json.loads(out.getvalue())["tickets"]
    # WMA (Northern Ireland), P3, target 1,200 minutes. Opened Fri 9 July 2021 13:00 (responded
    # 14:10: 70 minutes); Fri 13:00-17:30 270, Mon 12 July is Northern Ireland's Battle of the
    # Boyne holiday, Tue 13 July 540, Wed 14 July 08:30-10:30 120: 930 minutes, within target
    # (England and Wales' calendar would have counted Monday too: 1,470, a breach).
    assert (
        inc["ref"],
        inc["response_minutes"],
        inc["resolution_minutes"],
        inc["resolution_breached"],
        inc["breached_in"],
    ) == ("CWS-INC-0004", 70, 930, False, None)


def test_bill_command_errors_are_clear():
    from django.core.management import CommandError

    _load("pooled-framework.yaml")
    with pytest.raises(CommandError, match="unknown framework"):
        call_command("bill", "2020-07", "--framework", "NOPE")
    with pytest.raises(CommandError, match="no month 13"):
        call_command("bill", "2020-13", "--framework", "CWS")
    with pytest.raises(CommandError, match="outside CWS's term"):
        call_command("bill", "2025-04", "--framework", "CWS")  # the framework ends 31 March 2025


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_never_repeats_or_skips_a_number():
    """Two connections issue at once; on PostgreSQL the sequence row lock makes them queue."""
    if connection.vendor != "postgresql":
        pytest.skip("needs two real connections to PostgreSQL")
    _load("pooled-framework.yaml")
    from flexhub.frameworks.models import Framework

    cws = Framework.objects.get(code="CWS")
    months = [Month(2020, m) for m in range(1, 9)]
    for month in months:
        billing_run(actor=CLI, framework=cws, month=month)
    barrier = threading.Barrier(2)
    errors = []

    def issue(part):
        try:
            barrier.wait()
            for month in part:
                billing_issue(actor=CLI, framework=cws, month=month)
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
    # January to March 2020: CCA, LRB, DHR (3 x 3); April to August: WMA too (4 x 5).
    assert len(numbers) == Invoice.objects.count() == 29
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
