"""Billing pages: runs, invoices with their explanation, CSV and print, credit notes, what-if."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView, View

from flexhub.billing import services
from flexhub.billing.documents import pdf_response
from flexhub.billing.forms import CreditNoteForm, PaymentForm, RunForm, WhatIfForm
from flexhub.billing.models import BillingRun, CreditNote, CreditNotePdf, Invoice, InvoicePdf
from flexhub.billing.selectors import (
    aged_debt_for,
    credit_notes_filtered,
    invoice_balance,
    ledger_rows,
)
from flexhub.billing.whatif import parse_joiners, whatif_for_member, whatif_report
from flexhub.core.audit import Actor
from flexhub.core.csvexport import csv_download, plain_decimal
from flexhub.core.errors import RuleError
from flexhub.core.forms import apply_rule_error
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404, is_authority_of
from flexhub.core.viewmixins import ObjectFormView, RoleRequiredMixin, ScopedDetailView, ScopedListView
from flexhub.frameworks.models import COMMERCIAL_ROLES, Framework
from flexhub.rules.billing import AGE_BUCKETS
from flexhub.rules.periods import Month

AUTHORITY = frozenset({Role.AUTHORITY_ADMIN})


class BillingHomeView(RoleRequiredMixin, TemplateView):
    """Authority: every framework's runs and a form to bill a month. Members: their invoices."""

    allowed_roles = COMMERCIAL_ROLES
    template_name = "billing/home.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.role != Role.AUTHORITY_ADMIN:  # type: ignore[union-attr]
            return redirect("invoice-list")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        frameworks = []
        for framework in Framework.objects.visible_to(user).order_by("code"):
            runs = (
                BillingRun.objects.visible_to(user)
                .filter(framework=framework)
                .annotate(
                    invoice_count=Count("invoices"),
                    draft_count=Count("invoices", filter=Q(invoices__status="draft")),
                    total=Sum("invoices__total"),
                )
                .order_by("-period")
            )
            frameworks.append({"framework": framework, "runs": runs, "form": RunForm(prefix=framework.code)})
        context["frameworks"] = frameworks
        return context


class BillingRunCreateView(RoleRequiredMixin, View):
    model = Framework
    allowed_roles = AUTHORITY
    http_method_names = ["post"]

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        framework = get_visible_or_404(Framework, request.user, code=code)
        form = RunForm(request.POST, prefix=framework.code)
        if not form.is_valid():
            # an ErrorList yields its messages as strings, not the ValidationErrors it keeps
            messages.error(request, "; ".join(cast(str, e) for errors in form.errors.values() for e in errors))
            return redirect("billing-home")
        try:
            run = services.billing_run(
                actor=Actor.for_request(request),
                framework=framework,
                month=form.cleaned_data["period"],
            )
        except RuleError as error:
            messages.error(request, error.message)
            return redirect("billing-home")
        messages.success(
            request,
            f"{framework.code} billed for {run.period:%B %Y}: draft invoices ready to check.",
        )
        return redirect("billing-run", pk=run.pk)


class BillingRunDetailView(ScopedDetailView):
    model = BillingRun
    allowed_roles = AUTHORITY
    template_name = "billing/run_detail.html"
    context_object_name = "run"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run: BillingRun = self.object
        invoices = Invoice.objects.filter(framework=run.framework, period=run.period).select_related("member")
        context["invoices"] = invoices.order_by("member__code")
        context["totals"] = invoices.aggregate(
            net=Sum("net"), vat=Sum("vat"), total=Sum("total"), saving=Sum("pooling_saving")
        )
        context["has_drafts"] = invoices.filter(status="draft").exists()
        return context


class BillingIssueView(RoleRequiredMixin, View):
    model = BillingRun
    allowed_roles = AUTHORITY
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = get_visible_or_404(BillingRun, request.user, pk=pk)
        try:
            issued = services.billing_issue(
                actor=Actor.for_request(request),
                framework=run.framework,
                month=Month.of(run.period),
            )
        except RuleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{len(issued)} invoices issued." if issued else "Nothing to issue.")
        return redirect("billing-run", pk=run.pk)


class InvoiceListView(ScopedListView):
    model = Invoice
    allowed_roles = COMMERCIAL_ROLES
    template_name = "billing/invoice_list.html"
    keyset_ordering = ("-period", "member__code", "pk")

    def get_queryset(self) -> QuerySet[Invoice]:
        queryset = super().get_queryset().select_related("member", "framework").order_by("-period", "member__code")
        for key, lookup in (
            ("framework", "framework__code"),
            ("member", "member__code"),
            ("status", "status"),
        ):
            value = self.request.GET.get(key)
            if value:
                queryset = queryset.filter(**{lookup: value})
        return queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        notes = CreditNote.objects.visible_to(self.request.user).select_related("invoice").order_by("-issued_at")
        return super().get_context_data(credit_notes=notes[:10], **kwargs)


class InvoiceDetailView(ScopedDetailView):
    model = Invoice
    allowed_roles = COMMERCIAL_ROLES
    template_name = "billing/invoice_detail.html"
    context_object_name = "invoice"

    def get_queryset(self) -> QuerySet[Invoice]:
        return super().get_queryset().select_related("member", "framework", "run")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        invoice: Invoice = self.object
        user: Any = self.request.user
        context["lines"] = invoice.lines.all()
        context["credit_notes"] = invoice.credit_notes.all()
        context["payments"] = invoice.payments.all()
        context["has_pdf"] = InvoicePdf.objects.filter(invoice=invoice).exists()
        context["balance"] = invoice_balance(invoice, timezone.localdate()) if invoice.is_issued else None
        context["pools"] = invoice.run.pools
        context["is_authority"] = is_authority_of(user, invoice.framework)
        context["credit_form"] = CreditNoteForm()
        context["print"] = self.kwargs.get("print", False)
        return context

    def get_template_names(self) -> list[str]:
        return ["billing/invoice_print.html"] if self.kwargs.get("print") else [self.template_name]


INVOICE_CSV_COLUMNS = [
    "invoice",
    "member",
    "period",
    "status",
    "kind",
    "service",
    "contract",
    "priority",
    "quantity",
    "days",
    "from",
    "to",
    "unit_price",
    "amount",
    "explanation",
]


class InvoiceCsvView(RoleRequiredMixin, View):
    model = Invoice
    allowed_roles = COMMERCIAL_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        invoice = get_visible_or_404(Invoice, request.user, pk=pk)
        name = invoice.number or f"draft-{invoice.member.code}-{invoice.period:%Y-%m}"
        head = [invoice.number or "", invoice.member.code, f"{invoice.period:%Y-%m}", invoice.status]
        rows: list[list[Any]] = [
            [
                *head,
                line.kind,
                line.service_code,
                line.contract_ref,
                line.priority,
                None if line.quantity is None else plain_decimal(line.quantity),
                line.days,
                line.first_day,
                line.last_day,
                line.unit_price,
                line.amount,
                line.explanation,
            ]
            for line in invoice.lines.all()
        ]
        rows += [
            [*head, label, "", "", "", None, None, None, None, "", value, ""]
            for label, value in (
                ("net", invoice.net),
                ("vat", invoice.vat),
                ("total", invoice.total),
                ("pooling_saving", invoice.pooling_saving),
            )
        ]
        return csv_download(f"{name}.csv", INVOICE_CSV_COLUMNS, rows)


class CreditNoteCreateView(ObjectFormView):
    model = Invoice
    allowed_roles = AUTHORITY
    form_class = CreditNoteForm
    template_name = "billing/credit_note_form.html"
    context_object_name = "invoice"

    def act(self, form: CreditNoteForm) -> tuple[str, str]:
        note = services.credit_note_issue(
            actor=Actor.for_request(self.request),
            invoice=self.object,
            net=form.cleaned_data["net"],
            reason=form.cleaned_data["reason"],
        )
        return f"Credit note {note.number} issued for £{note.total:,.2f}.", reverse(
            "invoice-detail", kwargs={"pk": self.object.pk}
        )


class WhatIfView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """The simulator; a member admin sees the pool, the price and its own charge only."""

    allowed_roles = COMMERCIAL_ROLES
    form_class = WhatIfForm
    template_name = "billing/whatif.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["frameworks"] = Framework.objects.visible_to(self.request.user).order_by("code")
        if self.request.method == "GET" and self.request.GET:
            if set(self.request.GET) <= {"framework"}:
                kwargs["initial"] = {"framework": self.request.GET.get("framework")}
            else:
                kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.GET or set(request.GET) <= {"framework"}:  # a link may preselect the framework
            return self.render_to_response(self.get_context_data())
        form = self.get_form()
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def form_valid(self, form: WhatIfForm) -> HttpResponse:
        user: Any = self.request.user
        try:
            joiners = parse_joiners([line for line in form.cleaned_data["joiners"].splitlines() if line.strip()])
            report = whatif_report(form.cleaned_data["framework"], form.cleaned_data["period"], joiners)
        except RuleError as error:
            apply_rule_error(
                form,
                RuleError(error.message, field="joiners" if error.field == "join" else error.field),
            )
            return self.form_invalid(form)
        own = not is_authority_of(user, form.cleaned_data["framework"])
        if own:
            report = whatif_for_member(report, user.organisation.code)
        return self.render_to_response(self.get_context_data(form=form, report=report, member_view=own))


class InvoicePdfView(RoleRequiredMixin, View):
    """The issued invoice's PDF, exactly as it was made and sent when issued."""

    model = Invoice
    allowed_roles = COMMERCIAL_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        invoice = get_visible_or_404(Invoice, request.user, pk=pk)
        document = InvoicePdf.objects.filter(invoice=invoice).first()
        if document is None:
            raise Http404("A draft has no PDF: it is made when the invoice is issued.")
        return pdf_response(document.pdf, f"{invoice.number}.pdf", document.sha256)


class CreditNoteListView(ScopedListView):
    model = CreditNote
    allowed_roles = COMMERCIAL_ROLES
    template_name = "billing/credit_note_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[CreditNote]:
        return credit_notes_filtered(super().get_queryset(), self.request.GET)


class CreditNoteDetailView(ScopedDetailView):
    model = CreditNote
    allowed_roles = COMMERCIAL_ROLES
    template_name = "billing/credit_note_detail.html"
    context_object_name = "note"

    def get_queryset(self) -> QuerySet[CreditNote]:
        return super().get_queryset().select_related("invoice__member", "invoice__framework", "pdf_document")


class CreditNotePdfView(RoleRequiredMixin, View):
    model = CreditNote
    allowed_roles = COMMERCIAL_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        note = get_visible_or_404(CreditNote, request.user, pk=pk)
        document = CreditNotePdf.objects.get(credit_note=note)
        return pdf_response(document.pdf, f"{note.number}.pdf", document.sha256)


CREDIT_NOTE_COLUMNS = ["credit_note", "issued_at", "invoice", "member", "period", "reason", "net", "vat", "total"]


class CreditNoteCsvView(RoleRequiredMixin, View):
    """The credit notes listed (same filters as the page), one row each."""

    allowed_roles = COMMERCIAL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        notes = credit_notes_filtered(CreditNote.objects.visible_to(request.user), request.GET)
        rows = (
            [
                n.number,
                timezone.localtime(n.issued_at).isoformat(timespec="seconds"),
                n.invoice.number,
                n.invoice.member.code,
                f"{n.invoice.period:%Y-%m}",
                n.reason,
                n.net,
                n.vat,
                n.total,
            ]
            for n in notes
        )
        return csv_download("credit-notes.csv", CREDIT_NOTE_COLUMNS, rows)


class PaymentCreateView(ObjectFormView):
    """The authority records a payment received against an issued invoice."""

    model = Invoice
    allowed_roles = AUTHORITY
    form_class = PaymentForm
    template_name = "billing/payment_form.html"
    context_object_name = "invoice"

    def get_initial(self) -> dict[str, Any]:
        return {"received_on": timezone.localdate(), "amount": invoice_balance(self.object, timezone.localdate()).owed}

    def act(self, form: PaymentForm) -> tuple[str, str]:
        payment = services.payment_record(actor=self.actor(), invoice=self.object, **form.cleaned_data)
        return f"£{payment.amount:,.2f} recorded against {self.object.number}.", reverse(
            "invoice-detail", kwargs={"pk": self.object.pk}
        )


AGED_DEBT_COLUMNS = ["member", "name", *AGE_BUCKETS, "total"]


class AgedDebtView(RoleRequiredMixin, TemplateView):
    """What each member owes on issued invoices, by how late it is."""

    allowed_roles = COMMERCIAL_ROLES
    template_name = "billing/aged_debt.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        rows, framework = aged_debt_for(self.request.user, self.request.GET.get("framework"), timezone.localdate())
        totals = [sum((r.buckets[bucket] for r in rows), Decimal("0.00")) for bucket in AGE_BUCKETS]
        return super().get_context_data(
            rows=rows,
            buckets=AGE_BUCKETS,
            totals=totals,
            grand_total=sum(totals, Decimal("0.00")),
            framework=framework,
            frameworks=Framework.objects.visible_to(self.request.user),
            today=timezone.localdate(),
            **kwargs,
        )


class AgedDebtCsvView(RoleRequiredMixin, View):
    allowed_roles = COMMERCIAL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        rows, framework = aged_debt_for(request.user, request.GET.get("framework"), timezone.localdate())
        name = f"aged-debt-{framework.code if framework else 'all'}-{timezone.localdate():%Y-%m-%d}.csv"
        return csv_download(
            name, AGED_DEBT_COLUMNS, ([r.member, r.name, *(r.buckets[b] for b in AGE_BUCKETS), r.total] for r in rows)
        )


LEDGER_COLUMNS = ["run", "framework", "period", "invoice", "member", "service", "vat_rate", "net", "vat"]


class LedgerCsvView(RoleRequiredMixin, View):
    """A billing run for a finance system: one row per member, service and VAT rate."""

    model = BillingRun
    allowed_roles = AUTHORITY

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = get_visible_or_404(BillingRun, request.user, pk=pk)
        rows = (
            [run.pk, run.framework.code, f"{run.period:%Y-%m}", *row]
            for row in ledger_rows(Invoice.objects.filter(run=run).order_by("member__code"))
        )
        return csv_download(f"ledger-{run.framework.code}-{run.period:%Y-%m}.csv", LEDGER_COLUMNS, rows)
