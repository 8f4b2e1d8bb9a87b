"""Billing runs, issuing with gapless numbers, and credit notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from flexhub.billing import notify
from flexhub.billing.models import (
    BillingRun,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberSequence,
    Payment,
)
from flexhub.billing.selectors import billing_terms, invoice_balance, month_resolution_breaches
from flexhub.core.audit import Actor, audit_build, audit_bulk, audit_record
from flexhub.core.bulk import insert_rows
from flexhub.core.errors import RuleError
from flexhub.core.locking import lock_or_conflict
from flexhub.core.models import AuditAction, Organisation
from flexhub.frameworks.models import Framework
from flexhub.frameworks.services import invoicing_party, require_authority
from flexhub.rules.billing import (
    BillLine,
    FrameworkTerms,
    MemberBill,
    Party,
    PoolPrice,
    bill_month,
    invoice_dates,
    vat_invoice_problems,
)
from flexhub.rules.money import money_display, money_text, to_penny
from flexhub.rules.periods import Month

LINE_COLUMNS = (
    "invoice_id",
    "seq",
    "kind",
    "service_code",
    "contract_ref",
    "priority",
    "quantity",
    "days",
    "first_day",
    "last_day",
    "unit_price",
    "explanation",
    "amount",
)


def check_period(framework: Framework, month: Month) -> None:
    """Refuse a month outside the framework's term: it has no bill, so no invoice and no credits."""
    if month < Month.of(framework.start) or month > Month.of(framework.end):
        raise RuleError(
            f"{month} is outside {framework.code}'s term ({framework.start:%Y-%m} to {framework.end:%Y-%m})",
            field="period",
        )


def explain(line: BillLine, pools: dict[str, PoolPrice]) -> str:
    """How the unit price was reached, in words a finance officer can check."""
    if line.kind == "credit":
        percent = format(line.percent.normalize(), "f") if line.percent is not None else "0"
        breaches = f"{line.breaches} {line.priority} resolution breach{'es' if line.breaches != 1 else ''}"
        return f"{breaches}: {percent}% of the month's core charges"
    pool = pools.get(line.service or "")
    if pool is None or line.kind != "charge" or line.first is None:
        return ""
    return pool.explanation(Month.of(line.first))


def resolution_breaches(
    framework: Framework, month: Month, terms: FrameworkTerms | None = None
) -> dict[str, dict[str, int]]:
    """SLA resolution breaches per member and priority whose breach instant falls in the month;
    given the terms, of the priorities with a credit rule only, the only breaches that can change
    an invoice (a priority without one earns 0%, and a credit of nothing is no line)."""
    priorities = None if terms is None else list(terms.credit_rules)
    return month_resolution_breaches(framework, month, priorities=priorities)


@dataclass(frozen=True)
class BilledMonth:
    """What a billing run wrote, as it computed it: the run, each fresh draft invoice with the
    bill the rules made of it, and the members whose issued invoices it kept as they were."""

    run: BillingRun
    drafts: list[tuple[Invoice, MemberBill]]
    kept_issued: list[str]


def billing_run(*, actor: Actor, framework: Framework, month: Month, terms: FrameworkTerms | None = None) -> BillingRun:
    """Bill one month: replace the draft invoices, keep issued ones as they are."""
    return billing_month(actor=actor, framework=framework, month=month, terms=terms).run


@transaction.atomic
def billing_month(
    *, actor: Actor, framework: Framework, month: Month, terms: FrameworkTerms | None = None
) -> BilledMonth:
    """`billing_run`, keeping what it computed, so that its caller can report the month
    without reading back the invoices just written."""
    require_authority(actor, framework, "run billing")
    check_period(framework, month)
    terms = terms or billing_terms(framework)
    bill = bill_month(terms, month, resolution_breaches(framework, month, terms))
    _, created = BillingRun.objects.get_or_create(
        framework=framework,
        period=month.first,
        defaults={"ran_at": timezone.now(), "ran_by": actor.label[:200]},
    )
    run = _lock_month(framework, month)
    assert run is not None  # created just above, and runs are never deleted
    run.pools = [
        {
            "service": p.service,
            "size": p.size,
            "band_from": p.band_start,
            "unit_price": p.unit_price_text,
            "explanation": p.explanation(month),
        }
        for p in bill.pools
    ]
    run.ran_at = timezone.now()
    run.ran_by = actor.label[:200]
    run.save()
    drafts = Invoice.objects.filter(run=run, status=InvoiceStatus.DRAFT)
    InvoiceLine.objects.filter(invoice__in=drafts).delete()
    drafts.delete()
    issued = set(
        Invoice.objects.filter(framework=framework, period=month.first, status=InvoiceStatus.ISSUED).values_list(
            "member__code", flat=True
        )
    )
    members = dict(Organisation.objects.filter(code__in=[b.member for b in bill.bills]).values_list("code", "pk"))
    pools = {p.service: p for p in bill.pools}
    fresh = [b for b in bill.bills if b.member not in issued]
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                run=run,
                framework=framework,
                member_id=members[b.member],
                period=month.first,
                vat_rate=b.vat_rate,
                net=b.net,
                vat=b.vat,
                total=b.total,
                pooling_saving=b.pooling_saving,
            )
            for b in fresh
        ]
    )
    insert_rows(
        InvoiceLine,
        LINE_COLUMNS,
        (
            (
                invoice.pk,
                seq,
                line.kind,
                line.service or "",
                line.contract or "",
                line.priority or "",
                line.quantity,
                line.days,
                line.first,
                line.last,
                line.unit_price_text or "",
                explain(line, pools),
                line.amount,
            )
            for invoice, b in zip(invoices, fresh, strict=True)
            for seq, line in enumerate(b.lines)
        ),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=run,
        changes={
            "draft_invoices": [None, {b.member: money_text(b.total) for b in fresh}],
            "kept_issued": [None, sorted(issued)],
        },
        organisation=framework.authority,
        framework=framework,
    )
    return BilledMonth(run, list(zip(invoices, fresh, strict=True)), sorted(issued))


# The pools as `flexhub bill --json` gives them (the run also keeps each pool's explanation).
POOL_JSON_KEYS = ("service", "size", "band_from", "unit_price")

# What issuing fixes on an invoice besides its number, status and time.
ISSUE_PARTICULARS = [
    "issued_on",
    "tax_point",
    "due_on",
    "po_number",
    "supplier_name",
    "supplier_address",
    "supplier_vat_number",
    "customer_name",
    "customer_address",
]


def _party(organisation: Organisation) -> Party:
    return Party(organisation.code, organisation.name, organisation.address, organisation.vat_number)


def _po_numbers(framework: Framework, invoices: list[Invoice]) -> dict[int, str]:
    """Per invoice, the purchase-order numbers of the contracts it bills, in contract order."""
    orders = dict(framework.contracts.exclude(po_number="").values_list("ref", "po_number"))
    refs: dict[int, list[str]] = {}
    for invoice_id, ref in (
        InvoiceLine.objects.filter(invoice__in=invoices)
        .exclude(contract_ref="")
        .order_by("seq")
        .values_list("invoice_id", "contract_ref")
    ):
        refs.setdefault(invoice_id, [])
        if ref in orders and orders[ref] not in refs[invoice_id]:
            refs[invoice_id].append(orders[ref])
    return {invoice_id: ", ".join(numbers)[:200] for invoice_id, numbers in refs.items()}


def _lock_month(framework: Framework, month: Month) -> BillingRun | None:
    """Lock the month's billing run, which both billing and issuing the month change; the one
    that comes second is told so (409) rather than tripping over the first's half-done work."""
    return lock_or_conflict(
        BillingRun.objects.filter(framework=framework, period=month.first),
        busy=f"{framework.code} {month} is being billed or issued by someone else right now; "
        "try again when they have finished",
    )


def _next_numbers(framework: Framework, year: int, kind: str, count: int) -> list[int]:
    """Reserve `count` consecutive numbers; the row lock makes concurrent issuers queue."""
    NumberSequence.objects.get_or_create(framework=framework, year=year, kind=kind)
    sequence = NumberSequence.objects.select_for_update().get(framework=framework, year=year, kind=kind)
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return list(range(first, first + count))


@transaction.atomic
def billing_issue(*, actor: Actor, framework: Framework, month: Month, send: bool = True) -> list[Invoice]:
    """Issue the month's draft invoices: number them gaplessly, in member order, freeze them, keep
    each one's PDF and (unless `send` is off, as for a history loaded after the fact) email it to
    the member's finance contact once the issue is committed."""
    require_authority(actor, framework, "run billing")
    if _lock_month(framework, month) is None:
        return []
    drafts = list(
        Invoice.objects.select_for_update(of=("self",))
        .filter(framework=framework, period=month.first, status=InvoiceStatus.DRAFT)
        .select_related("member")
        .order_by("member__code")
    )
    if not drafts:
        return []
    supplier = invoicing_party(framework)
    problems = vat_invoice_problems(
        _party(supplier) if supplier else None, [_party(invoice.member) for invoice in drafts]
    )
    if problems:
        raise RuleError(f"{framework.code} {month} cannot be issued as VAT invoices without " + "; ".join(problems))
    assert supplier is not None  # vat_invoice_problems names a missing supplier
    po_numbers = _po_numbers(framework, drafts)
    numbers = _next_numbers(framework, month.year, "invoice", len(drafts))
    now = timezone.now()
    dates = invoice_dates(month, timezone.localdate(now), framework.payment_terms_days)
    entries = []
    for invoice, number in zip(drafts, numbers, strict=True):
        invoice.number = f"{framework.code}-{month.year}-{number:06d}"
        invoice.status = InvoiceStatus.ISSUED
        invoice.issued_at = now
        invoice.issued_on, invoice.tax_point, invoice.due_on = dates.issued_on, dates.tax_point, dates.due_on
        invoice.po_number = po_numbers.get(invoice.pk, "")
        invoice.supplier_name, invoice.supplier_address = supplier.name, supplier.address
        invoice.supplier_vat_number = supplier.vat_number
        invoice.customer_name, invoice.customer_address = invoice.member.name, invoice.member.address
        entries.append(
            audit_build(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=invoice,
                changes={
                    "status": ["draft", "issued"],
                    "number": [None, invoice.number],
                    "total": [None, money_text(invoice.total)],
                },
                organisation_id=invoice.member_id,
                framework_id=framework.pk,
            )
        )
    Invoice.objects.bulk_update(drafts, ["number", "status", "issued_at", *ISSUE_PARTICULARS])
    # Imported here, not at the top: fpdf2 (with fontTools, and numpy where it is installed)
    # takes 0.35 s to import, which `flexhub bill` without --issue need not pay.
    from flexhub.billing.documents import invoice_pdfs_create

    invoice_pdfs_create(drafts, at=now)
    audit_bulk(entries)
    if send:
        ids = [invoice.pk for invoice in drafts]
        transaction.on_commit(lambda: notify.documents_send_soon(invoice_ids=ids))
    return drafts


@transaction.atomic
def credit_note_issue(*, actor: Actor, invoice: Invoice, net: Decimal | None, reason: str) -> CreditNote:
    """Correct an issued invoice with a credit note (VAT at the invoice's rate); never more than is left."""
    framework = invoice.framework
    require_authority(actor, framework, "run billing")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_issued:
        raise RuleError("only an issued invoice can be credited; re-run billing to change a draft")
    if not reason.strip():
        raise RuleError("give the reason for the credit note", field="reason")
    credited = sum((c.net for c in invoice.credit_notes.all()), Decimal("0.00"))
    remaining = invoice.net - credited
    amount = remaining if net is None else to_penny(net)
    if amount <= 0:
        raise RuleError(
            "the amount must be more than £0.00" if net is not None else "nothing is left to credit",
            field="net",
        )
    if amount > remaining:
        raise RuleError(f"at most {money_display(remaining)} of this invoice is left to credit", field="net")
    vat = to_penny(amount * invoice.vat_rate)
    number = _next_numbers(framework, invoice.period.year, "credit", 1)[0]
    note = CreditNote.objects.create(
        invoice=invoice,
        framework=framework,
        number=f"{framework.code}-{invoice.period.year}-CN{number:06d}",
        reason=reason.strip(),
        net=amount,
        vat=vat,
        total=amount + vat,
        issued_at=timezone.now(),
        issued_by=actor.label[:200],
    )
    from flexhub.billing.documents import credit_note_pdf_create  # fpdf2 only when a PDF is drawn

    credit_note_pdf_create(note)
    transaction.on_commit(lambda: notify.documents_send_soon(credit_note_ids=[note.pk]))
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=note,
        changes={
            "invoice": [None, invoice.number],
            "net": [None, money_text(amount)],
            "vat": [None, money_text(vat)],
        },
        organisation=invoice.member,
        framework=framework,
        reason=reason,
    )
    return note


def bill_json(run: BillingRun) -> dict[str, Any]:
    """The month as `flexhub bill --json` prints it (scenario-format.md, "JSON outputs")."""
    invoices = (
        Invoice.objects.filter(framework=run.framework, period=run.period)
        .select_related("member")
        .prefetch_related("lines")
        .order_by("member__code")
    )
    return {
        "framework": run.framework.code,
        "period": f"{run.period:%Y-%m}",
        "pools": [{key: p[key] for key in POOL_JSON_KEYS} for p in run.pools],
        "invoices": [invoice_json(i) for i in invoices],
    }


def billed_month_json(billed: BilledMonth, issued: Sequence[Invoice] | None = None) -> dict[str, Any]:
    """`bill_json` of the month just billed (and, given what `billing_issue` returned, issued),
    made from what the run computed: only the invoices it kept as issued are read back. Should
    the issue have numbered other invoices than the run's drafts (someone else billed the month
    in between), the month is read back whole."""
    numbered = {invoice.pk: invoice for invoice in issued or ()}
    if issued is not None and numbered.keys() != {invoice.pk for invoice, _ in billed.drafts}:
        return bill_json(billed.run)
    invoices = [
        _invoice_json(
            member=bill.member,
            number=numbered[invoice.pk].number if numbered else None,
            status=numbered[invoice.pk].status if numbered else InvoiceStatus.DRAFT,
            net=bill.net,
            vat=bill.vat,
            total=bill.total,
            pooling_saving=bill.pooling_saving,
            lines=[
                _line_json(
                    kind=line.kind,
                    service=line.service or "",
                    priority=line.priority or "",
                    quantity=None if line.quantity is None else Decimal(line.quantity),
                    days=line.days,
                    unit_price=line.unit_price_text or "",
                    amount=line.amount,
                )
                for line in bill.lines
            ],
        )
        for invoice, bill in billed.drafts
    ]
    if billed.kept_issued:
        run = billed.run
        invoices += [
            invoice_json(i)
            for i in Invoice.objects.filter(
                framework=run.framework, period=run.period, member__code__in=billed.kept_issued
            )
            .select_related("member")
            .prefetch_related("lines")
        ]
    return {
        "framework": billed.run.framework.code,
        "period": f"{billed.run.period:%Y-%m}",
        "pools": [{key: p[key] for key in POOL_JSON_KEYS} for p in billed.run.pools],
        "invoices": sorted(invoices, key=lambda i: i["member"]),
    }


def _quantity(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _line_json(
    *,
    kind: str,
    service: str,
    priority: str,
    quantity: Decimal | None,
    days: int | None,
    unit_price: str,
    amount: Decimal,
) -> dict[str, str | int | float | None]:
    if kind == "credit":
        return {
            "service": None,
            "kind": "credit",
            "priority": priority,
            "quantity": None,
            "days": None,
            "unit_price": None,
            "amount": money_text(amount),
        }
    return {
        "service": service,
        "kind": kind,
        "quantity": _quantity(quantity),
        "days": days,
        "unit_price": unit_price,
        "amount": money_text(amount),
    }


def _invoice_json(
    *,
    member: str,
    number: str | None,
    status: str,
    net: Decimal,
    vat: Decimal,
    total: Decimal,
    pooling_saving: Decimal,
    lines: list[dict[str, str | int | float | None]],
) -> dict[str, Any]:
    return {
        "member": member,
        "number": number,
        "status": status,
        "net": money_text(net),
        "vat": money_text(vat),
        "total": money_text(total),
        "pooling_saving": money_text(pooling_saving),
        "lines": lines,
    }


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    return _invoice_json(
        member=invoice.member.code,
        number=invoice.number,
        status=invoice.status,
        net=invoice.net,
        vat=invoice.vat,
        total=invoice.total,
        pooling_saving=invoice.pooling_saving,
        lines=[
            _line_json(
                kind=line.kind,
                service=line.service_code,
                priority=line.priority,
                quantity=line.quantity,
                days=line.days,
                unit_price=line.unit_price,
                amount=line.amount,
            )
            for line in invoice.lines.all()
        ],
    )


@transaction.atomic
def payment_record(*, actor: Actor, invoice: Invoice, received_on: dt.date, amount: Decimal, reference: str) -> Payment:
    """The authority records money received against an issued invoice; part payments add up, and
    no payment may take more than is still owed."""
    require_authority(actor, invoice.framework, "record payments")
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    if not invoice.is_issued:
        raise RuleError("payments are recorded against issued invoices only")
    reference = reference.strip()
    if not reference:
        raise RuleError("give the payment's reference (as on the remittance or bank statement)", field="reference")
    if len(reference) > 100:
        raise RuleError("a payment reference has at most 100 characters", field="reference")
    if amount != amount.quantize(Decimal("0.01")) or amount <= 0:
        raise RuleError(f"the amount must be more than £0.00, in pounds and pence, not {amount}", field="amount")
    today = timezone.localdate()
    if received_on > today:
        raise RuleError(f"{received_on} is in the future", field="received_on")
    issued_on = invoice.issued_on or (timezone.localdate(invoice.issued_at) if invoice.issued_at else today)
    if received_on < issued_on:
        raise RuleError(f"{received_on} is before the invoice was issued ({issued_on})", field="received_on")
    owed = invoice_balance(invoice, today).owed
    if amount > owed:
        raise RuleError(f"only {money_display(owed)} is owed on {invoice.number}", field="amount")
    payment = Payment.objects.create(
        invoice=invoice,
        received_on=received_on,
        amount=amount,
        reference=reference,
        recorded_at=timezone.now(),
        recorded_by=actor.label[:200],
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=payment,
        changes={
            "invoice": [None, invoice.number],
            "amount": [None, money_text(amount)],
            "received_on": [None, received_on.isoformat()],
            "reference": [None, reference],
        },
        organisation=invoice.member,
        framework=invoice.framework,
    )
    return payment
