"""Billing pages: runs, invoices with their explanation, CSV and print, credit notes, what-if."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView, View

from flexhub.billing import services
from flexhub.billing.forms import CreditNoteForm, RunForm, WhatIfForm
from flexhub.billing.models import BillingRun, Invoice
from flexhub.billing.whatif import parse_joiners, whatif_for_member, whatif_report
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.forms import apply_rule_error
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404, is_authority_of
from flexhub.core.viewmixins import ObjectFormView, RoleRequiredMixin, ScopedDetailView, ScopedListView
from flexhub.frameworks.models import COMMERCIAL_ROLES, Framework
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
            messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
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
        context["pools"] = invoice.run.pools
        context["is_authority"] = is_authority_of(user, invoice.framework)
        context["credit_form"] = CreditNoteForm()
        context["print"] = self.kwargs.get("print", False)
        return context

    def get_template_names(self) -> list[str]:
        return ["billing/invoice_print.html"] if self.kwargs.get("print") else [self.template_name]


class InvoiceCsvView(RoleRequiredMixin, View):
    model = Invoice
    allowed_roles = COMMERCIAL_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        invoice = get_visible_or_404(Invoice, request.user, pk=pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = invoice.number or f"draft-{invoice.member.code}-{invoice.period:%Y-%m}"
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
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
        )
        for line in invoice.lines.all():
            writer.writerow(
                [
                    invoice.number or "",
                    invoice.member.code,
                    f"{invoice.period:%Y-%m}",
                    invoice.status,
                    line.kind,
                    line.service_code,
                    line.contract_ref,
                    line.priority,
                    "" if line.quantity is None else line.quantity.normalize(),
                    line.days or "",
                    line.first_day or "",
                    line.last_day or "",
                    line.unit_price,
                    f"{line.amount:.2f}",
                    line.explanation,
                ]
            )
        for label, value in (
            ("net", invoice.net),
            ("vat", invoice.vat),
            ("total", invoice.total),
            ("pooling_saving", invoice.pooling_saving),
        ):
            writer.writerow(
                [
                    invoice.number or "",
                    invoice.member.code,
                    f"{invoice.period:%Y-%m}",
                    invoice.status,
                    label,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    f"{value:.2f}",
                    "",
                ]
            )
        return response


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
