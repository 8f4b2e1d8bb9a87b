"""Pages for frameworks, the catalogue, contracts, deliveries and seat changes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView

from flexhub.core import panels
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.forms import apply_rule_error
from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404, is_authority_of
from flexhub.core.viewmixins import ObjectFormView, RoleRequiredMixin, ScopedDetailView, ScopedListView
from flexhub.frameworks import selectors, services
from flexhub.frameworks.forms import (
    ChangeForm,
    ContractForm,
    DecisionForm,
    DeliveryForm,
    InvoicingForm,
    OrganisationOnboardForm,
    PurchaseOrderForm,
    SeatChangeForm,
    ServiceForm,
)
from flexhub.frameworks.models import (
    COMMERCIAL_ROLES,
    CallOffContract,
    Delivery,
    Framework,
    PriceBand,
    SeatChangeRequest,
    SeatChangeStatus,
    Service,
)

AUTHORITY = frozenset({Role.AUTHORITY_ADMIN})


class FrameworkListView(ScopedListView):
    model = Framework
    template_name = "frameworks/framework_list.html"

    def get_queryset(self) -> QuerySet[Framework]:
        queryset: QuerySet[Framework] = (
            super()
            .get_queryset()
            .select_related("authority", "integrator")
            .annotate(committed=Sum("contracts__committed_value"))
            .order_by("code")
        )
        return queryset


class FrameworkDetailView(ScopedDetailView):
    model = Framework
    template_name = "frameworks/framework_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        framework: Framework = self.object
        user: Any = self.request.user
        context["is_authority"] = is_authority_of(user, framework)
        context["head_panels"] = panels.panels_for(panels.FRAMEWORK_HEAD, user, framework)
        context["body_panels"] = panels.panels_for(panels.FRAMEWORK_BODY, user, framework)
        context["sees_members"] = user.role in (Role.AUTHORITY_ADMIN, Role.INTEGRATOR)
        context["members"] = (
            framework.participants.filter(is_member=True)
            .annotate(contract_count=Count("contracts", filter=None))
            .order_by("name")
            if context["sees_members"]
            else []
        )
        context["member_count"] = framework.participants.filter(is_member=True).count()
        context["suppliers"] = framework.suppliers.order_by("name")
        context["towers"] = framework.towers.select_related("supplier")
        context["vat_rates"] = framework.vat_rates.all()
        context["own_contracts"] = CallOffContract.objects.visible_to(user).filter(framework=framework)
        return context


class CatalogueView(ScopedDetailView):
    """The catalogue with prices and bands; the band in force this month is marked."""

    model = Framework
    template_name = "frameworks/catalogue.html"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        framework: Framework = self.object
        user: Any = self.request.user
        sees_prices = user.role in COMMERCIAL_ROLES
        day = selectors.month_in_term(framework, timezone.localdate())
        pools = selectors.pool_sizes_on(framework, day) if sees_prices else {}
        bands = PriceBand.objects.visible_to(user).order_by("start")
        services_qs = (
            Service.objects.visible_to(user)
            .filter(framework=framework)
            .prefetch_related(Prefetch("bands", queryset=bands))
        )
        rows = []
        for service in services_qs:
            pool = pools.get(service.code)
            rows.append(
                {
                    "service": service,
                    "pool": pool,
                    "bands": selectors.price_table(service, pool if pool is not None else 0) if sees_prices else [],
                }
            )
        context.update(
            rows=rows,
            sees_prices=sees_prices,
            pool_day=day,
            is_authority=is_authority_of(user, framework),
        )
        return context


class ServiceEditView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """Add a catalogue service (under a framework) or change one (by its id)."""

    model = Service
    allowed_roles = AUTHORITY
    form_class = ServiceForm
    template_name = "frameworks/service_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.service: Service | None = None
        if request.user.is_authenticated and request.user.role in self.allowed_roles:
            if "pk" in kwargs:
                self.service = get_visible_or_404(Service, request.user, pk=kwargs["pk"])
                self.framework = self.service.framework
            else:
                self.framework = get_visible_or_404(Framework, request.user, code=kwargs["code"])
            if not is_authority_of(request.user, self.framework):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        if self.service is None:
            return {
                "category": "option",
                "unit": "seat-month",
                "pricing_model": "flat",
                "classification": "OFFICIAL",
            }
        s = self.service
        return {
            "code": s.code,
            "name": s.name,
            "category": s.category,
            "unit": s.unit,
            "classification": s.classification,
            "pricing_model": s.pricing_model,
            "ratchet": s.ratchet,
            "bands": "\n".join(f"{b.start} {b.price_text}" for b in s.bands.all()),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(framework=self.framework, service=self.service, **kwargs)

    def form_valid(self, form: ServiceForm) -> HttpResponse:
        data = form.cleaned_data
        if self.service is not None and data["code"] != self.service.code:
            form.add_error("code", "A service's code cannot change: contracts and files refer to it")
            return self.form_invalid(form)
        try:
            service = services.service_save(
                actor=Actor.for_request(self.request),
                framework=self.framework,
                code=data["code"],
                name=data["name"],
                category=data["category"],
                unit=data["unit"],
                classification=data["classification"],
                pricing_model=data["pricing_model"],
                ratchet=data["ratchet"],
                bands=data["bands"],
            )
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{service.name} saved.")
        return redirect("framework-catalogue", code=self.framework.code)


class ServiceAddView(ServiceEditView):
    model = Framework  # type: ignore[assignment]


class ContractListView(ScopedListView):
    model = CallOffContract
    allowed_roles = COMMERCIAL_ROLES
    template_name = "frameworks/contract_list.html"

    def get_queryset(self) -> QuerySet[CallOffContract]:
        queryset: QuerySet[CallOffContract] = (
            super().get_queryset().select_related("framework", "member").annotate(line_count=Count("lines"))
        )
        framework = self.request.GET.get("framework")
        if framework:
            queryset = queryset.filter(framework__code=framework)
        member = self.request.GET.get("member")
        if member:
            queryset = queryset.filter(member__code=member)
        return queryset.order_by("framework__code", "signed", "ref")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        context["frameworks"] = Framework.objects.visible_to(user)
        context["can_sign"] = (
            Framework.objects.visible_to(user).filter(authority_id=user.organisation_id).exists()
            and user.role == Role.AUTHORITY_ADMIN
        )
        return context


class ContractDetailView(ScopedDetailView):
    model = CallOffContract
    allowed_roles = COMMERCIAL_ROLES
    template_name = "frameworks/contract_detail.html"
    context_object_name = "contract"

    def get_queryset(self) -> QuerySet[CallOffContract]:
        return super().get_queryset().select_related("framework", "member")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contract: CallOffContract = self.object
        user: Any = self.request.user
        context["lines"] = contract.lines.select_related("service")
        context["changes"] = contract.changes.select_related("service")
        context["deliveries"] = contract.deliveries.select_related("service")
        context["requests"] = contract.seat_requests.select_related("service", "requested_by", "decided_by")
        context["is_authority"] = is_authority_of(user, contract.framework)
        context["is_member_admin"] = user.role == Role.MEMBER_ADMIN and user.organisation_id == contract.member_id
        context["decision_form"] = DecisionForm()
        return context


class ContractSignView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """The authority signs a call-off; the ceiling guard may refuse it."""

    model = Framework
    allowed_roles = AUTHORITY
    form_class = ContractForm
    template_name = "frameworks/contract_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and request.user.role in self.allowed_roles:
            self.framework = get_visible_or_404(Framework, request.user, code=kwargs["code"])
            if not is_authority_of(request.user, self.framework):
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["members"] = Organisation.objects.visible_to(self.request.user).filter(is_member=True)
        kwargs["services"] = [s for s in self.framework.services.all() if s.is_recurring]
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            framework=self.framework, ceiling=selectors.ceiling_position(self.framework), **kwargs
        )

    def form_valid(self, form: ContractForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            contract = services.contract_sign(
                actor=Actor.for_request(self.request),
                framework=self.framework,
                ref=data["ref"],
                member=data["member"],
                signed=data["signed"],
                start=data["start"],
                end=data["end"],
                lines=[services.LineInput(code, qty) for code, qty in form.lines()],
            )
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{contract.ref} signed: committed value £{contract.committed_value:,.2f}.",
        )
        return redirect("contract-detail", pk=contract.pk)


class ContractFormView(ObjectFormView):
    """A form about one contract; its template sees it as `contract`."""

    model = CallOffContract
    context_object_name = "contract"

    def line_services(self) -> QuerySet[Service]:
        return Service.objects.filter(lines__contract=self.object)


class SeatChangeRequestView(ContractFormView):
    allowed_roles = frozenset({Role.MEMBER_ADMIN})
    form_class = SeatChangeForm
    template_name = "frameworks/seat_change_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "services": self.line_services()}

    def act(self, form: SeatChangeForm) -> tuple[str, str]:
        services.seat_change_request(actor=Actor.for_request(self.request), contract=self.object, **form.cleaned_data)
        return "Your request has been sent to the framework authority.", self.object.get_absolute_url()


class ContractChangeView(ContractFormView):
    """The authority records an effective-dated quantity change directly."""

    allowed_roles = AUTHORITY
    form_class = ChangeForm
    template_name = "frameworks/change_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "services": self.line_services()}

    def act(self, form: ChangeForm) -> tuple[str, str]:
        services.contract_change_record(
            actor=Actor.for_request(self.request), contract=self.object, **form.cleaned_data
        )
        return "Quantity change recorded.", self.object.get_absolute_url()


class PurchaseOrderView(ContractFormView):
    """The authority records the member's purchase-order number for a contract."""

    allowed_roles = AUTHORITY
    form_class = PurchaseOrderForm
    template_name = "frameworks/purchase_order_form.html"

    def get_initial(self) -> dict[str, Any]:
        return {"po_number": self.object.po_number}

    def act(self, form: PurchaseOrderForm) -> tuple[str, str]:
        services.contract_po_number_set(actor=self.actor(), contract=self.object, **form.cleaned_data)
        return "Purchase-order number saved.", self.object.get_absolute_url()


class FrameworkInvoicingView(ObjectFormView):
    """The authority sets the framework's payment terms and who invoices the members."""

    model = Framework
    lookup_field = url_kwarg = "code"
    context_object_name = "framework"
    allowed_roles = AUTHORITY
    form_class = InvoicingForm
    template_name = "frameworks/invoicing_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        framework = self.object
        parties = Organisation.objects.filter(
            Q(pk=framework.authority_id) | Q(pk=framework.integrator_id) | Q(supplied_frameworks=framework)
        ).distinct()
        return {**super().get_form_kwargs(), "parties": parties.order_by("name")}

    def get_initial(self) -> dict[str, Any]:
        return {"payment_terms_days": self.object.payment_terms_days, "invoiced_by": self.object.invoiced_by_id}

    def act(self, form: InvoicingForm) -> tuple[str, str]:
        services.framework_invoicing_set(actor=self.actor(), framework=self.object, **form.cleaned_data)
        return "Invoicing saved.", reverse("framework-detail", kwargs={"code": self.object.code})


class SeatChangeDecideView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    model = SeatChangeRequest
    allowed_roles = AUTHORITY
    form_class = DecisionForm
    http_method_names = ["post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and request.user.role in self.allowed_roles:
            self.seat_request = get_visible_or_404(SeatChangeRequest, request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: DecisionForm) -> HttpResponse:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.seat_change_decide(
                actor=Actor.for_request(self.request),
                request=self.seat_request,
                approve=approve,
                note=form.cleaned_data["note"],
            )
        except RuleError as error:
            messages.error(self.request, error.message)
        else:
            messages.success(
                self.request,
                "Request approved and the change recorded." if approve else "Request rejected.",
            )
        return redirect("contract-detail", pk=self.seat_request.contract_id)

    def form_invalid(self, form: DecisionForm) -> HttpResponse:
        messages.error(self.request, "Choose approve or reject.")
        return redirect("contract-detail", pk=self.seat_request.contract_id)


class DeliveryCreateView(ContractFormView):
    allowed_roles = AUTHORITY
    form_class = DeliveryForm
    template_name = "frameworks/delivery_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        services_qs = self.object.framework.services.filter(unit__in=["day", "fixed"])
        return {**super().get_form_kwargs(), "services": services_qs}

    def act(self, form: DeliveryForm) -> tuple[str, str]:
        services.delivery_record(actor=Actor.for_request(self.request), contract=self.object, **form.cleaned_data)
        return "Delivery recorded.", self.object.get_absolute_url()


class DeliveryListView(ScopedListView):
    model = Delivery
    allowed_roles = COMMERCIAL_ROLES
    template_name = "frameworks/delivery_list.html"

    def get_queryset(self) -> QuerySet[Delivery]:
        return (
            super()
            .get_queryset()
            .select_related("contract__member", "contract__framework", "service")
            .order_by("-date")
        )


class SeatChangeListView(ScopedListView):
    model = SeatChangeRequest
    allowed_roles = COMMERCIAL_ROLES
    template_name = "frameworks/seat_change_list.html"

    def get_queryset(self) -> QuerySet[SeatChangeRequest]:
        queryset = super().get_queryset().select_related("contract__member", "service", "requested_by")
        if self.request.GET.get("status") in SeatChangeStatus.values:
            queryset = queryset.filter(status=self.request.GET["status"])
        return queryset


class OrganisationOnboardView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """An authority admin adds a body to one of its frameworks (a new member before its call-off)."""

    allowed_roles = frozenset({Role.AUTHORITY_ADMIN})
    form_class = OrganisationOnboardForm
    template_name = "core/organisation_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["frameworks"] = Framework.objects.visible_to(self.request.user).order_by("code")
        return kwargs

    def form_valid(self, form: OrganisationOnboardForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            organisation = services.organisation_onboard(
                actor=self.actor(),
                code=data["code"].strip(),
                name=data["name"],
                roles=data["roles"],
                region=data["region"],
                framework=data["framework"],
            )
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{organisation.name} added to {data['framework'].code}.")
        return redirect("organisation-detail", code=organisation.code)
