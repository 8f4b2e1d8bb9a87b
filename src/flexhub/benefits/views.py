"""Benefits' pages: the framework's and each member's carbon and savings, the factors, baselines
and targets. Thin: the figures come from `selectors`, the writes from `services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from flexhub.assets.models import DeviceKind
from flexhub.benefits import selectors, services
from flexhub.benefits.charts import savings_chart
from flexhub.benefits.forms import (
    BaselineForm,
    DataCentreShareForm,
    FactorsUploadForm,
    TargetsForm,
    UsageProfileForm,
)
from flexhub.benefits.models import (
    BENEFITS_ROLES,
    SEAT_KINDS,
    DataCentreShare,
    EmissionFactor,
    MemberBaseline,
    UsageProfile,
)
from flexhub.core.csvexport import csv_download
from flexhub.core.errors import RuleError
from flexhub.core.forms import apply_rule_error
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404, is_authority_of
from flexhub.core.viewmixins import ObjectFormView, RoleRequiredMixin
from flexhub.frameworks.models import Framework, Service
from flexhub.rules.carbon import whole_kwh

AUTHORITY = frozenset({Role.AUTHORITY_ADMIN})
CARBON_HEADER = ("member", "year", "model", "count", "kwh")
SAVINGS_HEADER = (
    "member",
    "year",
    "months_billed",
    "baseline_it",
    "invoiced_it",
    "saving_it",
    "saving_it_percent",
    "target_it_percent",
    "baseline_desktop",
    "invoiced_desktop",
    "saving_desktop",
    "saving_desktop_percent",
    "target_desktop_percent",
    "pooling_saving",
)


def _year(request: HttpRequest, default: int | None) -> int | None:
    text = request.GET.get("year", "")
    if text.isdigit() and 1990 <= int(text) <= 2100:
        return int(text)
    return default


def _latest_factor_year() -> int | None:
    return EmissionFactor.objects.order_by("-year").values_list("year", flat=True).first()


def _savings_row(report: selectors.SavingsReport) -> list[Any]:
    j = report.as_json()
    return [
        report.org or report.framework,
        report.year,
        report.figures.months,
        *(
            j[k]
            for k in (
                "baseline_it",
                "invoiced_it",
                "saving_it",
                "saving_it_percent",
                "target_it_percent",
                "baseline_desktop",
                "invoiced_desktop",
                "saving_desktop",
                "saving_desktop_percent",
                "target_desktop_percent",
                "pooling_saving",
            )
        ),
    ]


def _carbon_rows(reports: list[selectors.CarbonReport]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for r in reports:
        j = r.as_json()
        rows.extend([r.org, r.year, d["model"], d["count"], d["kwh"]] for d in j["devices"])
        if r.data_centre_kwh:
            rows.append([r.org, r.year, "data-centre share", "", int(whole_kwh(r.data_centre_kwh))])
        rows.append([r.org, r.year, "total", "", j["kwh"]])
        rows.append([r.org, r.year, f"baseline: {r.baseline_device}", "", j["baseline_kwh"]])
    return rows


class BenefitsHomeView(RoleRequiredMixin, TemplateView):
    """The baselines the user may see, and the frameworks whose totals it may see."""

    allowed_roles = BENEFITS_ROLES
    template_name = "benefits/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user: Any = self.request.user
        baselines = (
            MemberBaseline.objects.visible_to(user)
            .select_related("framework", "member", "baseline_device")
            .order_by("framework__code", "member__name")
        )
        frameworks = Framework.objects.filter(authority_id=user.organisation_id) if user.role in AUTHORITY else []
        return super().get_context_data(
            baselines=baselines,
            frameworks=frameworks,
            factors=EmissionFactor.objects.visible_to(user),
            profiles=UsageProfile.objects.visible_to(user),
            shares=DataCentreShare.objects.visible_to(user).select_related("service__framework"),
            kinds=[DeviceKind(k) for k in SEAT_KINDS],
            core_services=Service.objects.filter(framework__in=frameworks, category="core").select_related("framework")
            if frameworks
            else [],
            **kwargs,
        )


class FrameworkBenefitsView(RoleRequiredMixin, TemplateView):
    """A framework's carbon and savings for a year, member by member; its authority only."""

    allowed_roles = AUTHORITY
    template_name = "benefits/framework.html"
    model = Framework
    csv = False  # the same figures as a CSV download (?report=carbon|savings)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        framework = get_visible_or_404(Framework, user, pk=kwargs["pk"])
        if not is_authority_of(user, framework):
            raise Http404("No framework found.")
        years = selectors.framework_years(framework)
        year = _year(request, years[-1] if years else _latest_factor_year())
        context: dict[str, Any] = {"framework": framework, "years": years, "year": year}
        baselines = selectors.baselines_of(framework, user)
        savings_by_year = [
            selectors.framework_savings(framework, selectors.savings_reports(baselines, y), y) for y in years
        ]
        context["savings_years"] = savings_by_year
        context["chart"] = savings_chart(f"{framework.name}: saving against the targets", savings_by_year)
        context["target"] = selectors.savings_target(framework)
        if year is not None:
            context["savings"] = selectors.framework_savings(
                framework, selectors.savings_reports(baselines, year), year
            )
            context["savings_rows"] = [*context["savings"].members, context["savings"]]
            try:
                context["carbon"] = selectors.framework_carbon(
                    framework, selectors.carbon_reports(baselines, year), year
                )
            except RuleError as error:
                context["carbon_problem"] = error.message
        download = request.GET.get("report", "savings") if self.csv else None
        if download == "savings" and "savings" in context:
            reports = [*context["savings"].members, context["savings"]]
            return csv_download(
                f"{framework.code}-savings-{year}.csv", SAVINGS_HEADER, [_savings_row(r) for r in reports]
            )
        if download == "carbon" and "carbon" in context:
            return csv_download(
                f"{framework.code}-carbon-{year}.csv", CARBON_HEADER, _carbon_rows(context["carbon"].members)
            )
        if download is not None:
            raise Http404(context.get("carbon_problem") or "No such report.")
        return self.render_to_response(self.get_context_data(**context))


class MemberBenefitsView(RoleRequiredMixin, TemplateView):
    """A member's carbon for a year and its savings for each year of membership."""

    allowed_roles = BENEFITS_ROLES
    template_name = "benefits/member.html"
    model = MemberBaseline
    csv = False  # the same figures as a CSV download (?report=carbon|savings)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        baseline = get_visible_or_404(MemberBaseline, request.user, pk=kwargs["pk"])
        years = selectors.membership_years(baseline)
        year = _year(request, _latest_factor_year())
        context: dict[str, Any] = {"baseline": baseline, "year": year, "years": years}
        context["savings_years"] = selectors.savings_reports_over(baseline, years)
        context["chart"] = savings_chart(
            f"{baseline.member.name}: saving against the targets", context["savings_years"]
        )
        if year is not None:
            try:
                context["carbon"] = selectors.member_carbon(baseline, year)
            except RuleError as error:
                context["carbon_problem"] = error.message
        download = request.GET.get("report", "savings") if self.csv else None
        code = baseline.member.code
        if download == "savings":
            return csv_download(
                f"{code}-savings.csv", SAVINGS_HEADER, [_savings_row(r) for r in context["savings_years"]]
            )
        if download == "carbon" and "carbon" in context:
            return csv_download(f"{code}-carbon-{year}.csv", CARBON_HEADER, _carbon_rows([context["carbon"]]))
        if download is not None:
            raise Http404(context.get("carbon_problem") or "No such report.")
        return self.render_to_response(self.get_context_data(**context))


class BaselineCreateView(RoleRequiredMixin, TemplateView):
    """Declare a member's baseline in a framework: a member admin for its own organisation."""

    allowed_roles = frozenset({Role.MEMBER_ADMIN})
    template_name = "benefits/baseline_form.html"

    def _frameworks(self) -> Any:
        user: Any = self.request.user
        return Framework.objects.visible_to(user).filter(contracts__member_id=user.organisation_id).distinct()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=BaselineForm(frameworks=self._frameworks())))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        form = BaselineForm(request.POST, frameworks=self._frameworks())
        if form.is_valid():
            try:
                baseline = services.member_baseline_save(
                    actor=self.actor(),
                    framework=form.cleaned_data["framework"],
                    member=user.organisation,
                    **{k: v for k, v in form.cleaned_data.items() if k != "framework"},
                )
            except RuleError as error:
                apply_rule_error(form, error)
            else:
                messages.success(request, "Baseline declared.")
                return redirect("benefits-member", pk=baseline.pk)
        return self.render_to_response(self.get_context_data(form=form))


class BaselineEditView(ObjectFormView):
    """Change a declared baseline: the member's admin, or its framework's authority."""

    allowed_roles = BENEFITS_ROLES
    model = MemberBaseline
    form_class = BaselineForm
    template_name = "benefits/baseline_form.html"

    def get_initial(self) -> dict[str, Any]:
        b = self.object
        return {
            "year": b.year,
            "annual_it_cost": b.annual_it_cost,
            "annual_desktop_cost": b.annual_desktop_cost,
            "annual_saving_target": b.annual_saving_target,
            "baseline_device": b.baseline_device,
        }

    def act(self, form: Any) -> tuple[str, str]:
        services.member_baseline_save(
            actor=self.actor(), framework=self.object.framework, member=self.object.member, **form.cleaned_data
        )
        return "Baseline saved.", reverse("benefits-member", kwargs={"pk": self.object.pk})


class TargetsEditView(ObjectFormView):
    """A framework's saving targets: its authority only."""

    allowed_roles = AUTHORITY
    model = Framework
    form_class = TargetsForm
    template_name = "benefits/targets_form.html"

    def get_form(self, form_class: Any = None) -> Any:
        if not is_authority_of(self.request.user, self.object):
            raise Http404("No framework found.")
        return super().get_form(form_class)

    def get_initial(self) -> dict[str, Any]:
        target = selectors.savings_target(self.object)
        return {"it_percent": target.it_percent, "desktop_percent": target.desktop_percent}

    def act(self, form: Any) -> tuple[str, str]:
        services.savings_target_save(actor=self.actor(), framework=self.object, **form.cleaned_data)
        return "Targets saved.", reverse("benefits-framework", kwargs={"pk": self.object.pk})


class FactorsLoadView(RoleRequiredMixin, TemplateView):
    """Upload grid emission factors (the same as `flexhub factors load`): all or nothing."""

    allowed_roles = AUTHORITY
    template_name = "benefits/factors_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=FactorsUploadForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = FactorsUploadForm(request.POST, request.FILES)
        problems: list[Any] = []
        if form.is_valid():
            result = services.factors_load(actor=self.actor(), binary=form.cleaned_data["file"])
            if result.ok:
                messages.success(
                    request,
                    f"Factors loaded: {result.added} added, {result.changed} changed, {result.unchanged} unchanged.",
                )
                return redirect("benefits-home")
            problems = result.problems
        return self.render_to_response(self.get_context_data(form=form, problems=problems))


class UsageProfileEditView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """The hours a year a kind of device is on and asleep: the authority keeps them."""

    allowed_roles = AUTHORITY
    model = UsageProfile
    form_class = UsageProfileForm
    template_name = "benefits/reference_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if kwargs["kind"] not in DeviceKind.values:
            raise Http404("No such kind of device.")
        self.kind = DeviceKind(kwargs["kind"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        profile = UsageProfile.objects.filter(kind=self.kind).first()
        return {"hours_on": profile.hours_on, "hours_sleep": profile.hours_sleep} if profile else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            caption="Usage profile", heading=f"{self.kind.label}: hours on and asleep a year", **kwargs
        )

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            services.usage_profile_save(actor=self.actor(), kind=self.kind, **form.cleaned_data)
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Usage profile for {self.kind.label.lower()}s saved.")
        return redirect("benefits-home")


class DataCentreShareEditView(ObjectFormView):
    """A service's data-centre share per seat: its framework's authority."""

    allowed_roles = AUTHORITY
    model = Service
    form_class = DataCentreShareForm
    template_name = "benefits/reference_form.html"

    def get_form(self, form_class: Any = None) -> Any:
        if not is_authority_of(self.request.user, self.object.framework):
            raise Http404("No service found.")
        return super().get_form(form_class)

    def get_initial(self) -> dict[str, Any]:
        share = DataCentreShare.objects.filter(service=self.object).first()
        return {"watts_per_seat": share.watts_per_seat, "pue": share.pue} if share else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            caption=f"{self.object.framework.name}: {self.object.name}",
            heading="Data-centre share per seat",
            **kwargs,
        )

    def act(self, form: Any) -> tuple[str, str]:
        services.data_centre_share_save(actor=self.actor(), service=self.object, **form.cleaned_data)
        return f"Data-centre share of {self.object.code} saved.", reverse("benefits-home")
