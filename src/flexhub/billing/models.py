"""Billing runs, invoices and their lines, credit notes, and the gapless number sequences."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import ScopedQuerySet, TenancyRule
from flexhub.frameworks.models import COMMERCIAL_ROLES, Framework
from flexhub.rules.money import money_display

AUTHORITY_ONLY = frozenset({Role.AUTHORITY_ADMIN})


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"


class BillingRun(models.Model):
    """One framework's billing for one month: the pools and prices that month, and when it ran."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="billing_runs")
    period = models.DateField(help_text="First day of the month billed")
    pools = models.JSONField(default=list)
    ran_at = models.DateTimeField()
    ran_by = models.CharField(max_length=200)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework", roles=AUTHORITY_ONLY)

    class Meta:
        ordering = ["framework", "-period"]
        constraints = [models.UniqueConstraint(fields=["framework", "period"], name="one_run_per_month")]

    def __str__(self) -> str:
        return f"{self.framework.code} {self.period:%Y-%m}"


class Invoice(models.Model):
    """A member's invoice for a month. Once issued it never changes; a credit note corrects it."""

    run = models.ForeignKey(BillingRun, on_delete=models.PROTECT, related_name="invoices")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="invoices")
    member = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invoices")
    period = models.DateField()
    number = models.CharField(max_length=40, null=True, blank=True)
    status = models.CharField(max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    issued_at = models.DateTimeField(null=True, blank=True)
    vat_rate = models.DecimalField(max_digits=6, decimal_places=4)
    net = models.DecimalField(max_digits=16, decimal_places=2)
    vat = models.DecimalField(max_digits=16, decimal_places=2)
    total = models.DecimalField(max_digits=16, decimal_places=2)
    pooling_saving = models.DecimalField(max_digits=16, decimal_places=2)
    # Fixed at issue, as HMRC expects of a full VAT invoice: the parties as they were then,
    # the issue date, the time of supply (the last day of the month billed), the due date
    # and the members' purchase-order numbers. Empty on drafts.
    issued_on = models.DateField(null=True, blank=True)
    tax_point = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    po_number = models.CharField(max_length=200, blank=True)
    supplier_name = models.CharField(max_length=200, blank=True)
    supplier_address = models.TextField(blank=True)
    supplier_vat_number = models.CharField(max_length=16, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_address = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="member", framework="framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["framework", "-period", "member__code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="invoice_number_unique"),
            models.UniqueConstraint(
                fields=["framework", "member", "period"],
                condition=Q(status="issued"),
                name="one_issued_invoice_per_member_month",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True)
                | Q(status="issued", number__isnull=False, issued_at__isnull=False),
                name="issued_invoices_are_numbered",
            ),
        ]
        indexes = [models.Index(fields=["member", "period"])]

    def __str__(self) -> str:
        return f"{self.number or 'draft'} {self.member.code} {self.period:%Y-%m}"

    @property
    def is_issued(self) -> bool:
        return self.status == InvoiceStatus.ISSUED


class LineKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    DELIVERY = "delivery", "Delivery"
    CREDIT = "credit", "Service credit"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    service_code = models.CharField(max_length=32, blank=True)
    contract_ref = models.CharField(max_length=64, blank=True)
    priority = models.CharField(max_length=2, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    days = models.PositiveSmallIntegerField(null=True)
    first_day = models.DateField(null=True)
    last_day = models.DateField(null=True)
    unit_price = models.CharField(max_length=24, blank=True, help_text="As written in the catalogue")
    explanation = models.CharField(max_length=300, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="invoice__member", framework="invoice__framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["invoice", "seq"]
        constraints = [models.UniqueConstraint(fields=["invoice", "seq"], name="invoice_line_seq_unique")]

    def __str__(self) -> str:
        return f"{self.invoice} line {self.seq}: {self.amount}"


class CreditNote(models.Model):
    """A correction of an issued invoice: full or partial, with its reason, numbered gaplessly."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40)
    reason = models.TextField()
    net = models.DecimalField(max_digits=16, decimal_places=2)
    vat = models.DecimalField(max_digits=16, decimal_places=2)
    total = models.DecimalField(max_digits=16, decimal_places=2)
    issued_at = models.DateTimeField()
    issued_by = models.CharField(max_length=200)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="invoice__member", framework="invoice__framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="credit_note_number_unique"),
            models.CheckConstraint(condition=Q(net__gt=0), name="credit_note_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} against {self.invoice.number}"


class NumberSequence(models.Model):
    """The last number given per framework, year and document kind; locked while issuing."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10)
    last = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework", roles=AUTHORITY_ONLY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["framework", "year", "kind"], name="one_sequence_per_year")]

    def __str__(self) -> str:
        return f"{self.framework.code} {self.kind} {self.year}: {self.last}"


class IssuedPdf(models.Model):
    """The PDF of an issued document, made once when it was issued and never again: what was
    sent is what is kept. Its SHA-256 lets anyone check a copy against it."""

    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class InvoicePdf(IssuedPdf):
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="pdf_document")

    tenancy = TenancyRule(organisation="invoice__member", framework="invoice__framework", roles=COMMERCIAL_ROLES)

    def __str__(self) -> str:
        return f"PDF of {self.invoice.number}"


class CreditNotePdf(IssuedPdf):
    credit_note = models.OneToOneField(CreditNote, on_delete=models.PROTECT, related_name="pdf_document")

    tenancy = TenancyRule(
        organisation="credit_note__invoice__member", framework="credit_note__invoice__framework", roles=COMMERCIAL_ROLES
    )

    def __str__(self) -> str:
        return f"PDF of {self.credit_note.number}"


class Payment(models.Model):
    """Money received against an issued invoice, as the authority records it; part payments add up."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    reference = models.CharField(max_length=100)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=200)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="invoice__member", framework="invoice__framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["invoice", "received_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"{money_display(self.amount)} against {self.invoice.number} on {self.received_on}"
