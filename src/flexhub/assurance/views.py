"""Assurance pages: the exposure report (a member's own, or the authority's across its frameworks),
its CSV, a decision with its history, and the member admin's forms: decide, classify, allow."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from flexhub.assurance import selectors, services
from flexhub.assurance.forms import (
    AllowedCountriesForm,
    ClassificationForm,
    DecisionForm,
    JurisdictionForm,
    SubProcessorForm,
)
from flexhub.assurance.models import ASSURANCE_ROLES, ExposureDecision, SubProcessor, SupplierJurisdiction
from flexhub.core.audit import Actor
from flexhub.core.csvexport import csv_download
from flexhub.core.errors import RuleError
from flexhub.core.forms import apply_rule_error
from flexhub.core.models import AuditEntry, Organisation
from flexhub.core.roles import Role
from flexhub.core.viewmixins import RoleRequiredMixin, ScopedDetailView
from flexhub.frameworks.models import Framework, Service
from flexhub.rules.exposure import decision_status

MEMBER_ADMIN = frozenset({Role.MEMBER_ADMIN})
AUTHORITY_ADMIN = frozenset({Role.AUTHORITY_ADMIN})


class ExposureReportView(RoleRequiredMixin, TemplateView):
    """Every service whose data the viewer may see, what can reach it, and the decisions."""

    allowed_roles = ASSURANCE_ROLES
    template_name = "assurance/report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user: Any = self.request.user
        report = selectors.report_for_user(user)
        return super().get_context_data(
            report=report,
            framework_wide=user.role == Role.AUTHORITY_ADMIN,
            is_member_admin=user.role == Role.MEMBER_ADMIN,
            **kwargs,
        )


class ExposureReportCsvView(RoleRequiredMixin, TemplateView):
    allowed_roles = ASSURANCE_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = selectors.report_for_user(request.user)
        return csv_download("exposure.csv", selectors.CSV_HEADER, selectors.report_csv_rows(report))


class DecisionDetailView(ScopedDetailView):
    """One decision, the facts it was taken on and its history from the audit log."""

    model = ExposureDecision
    allowed_roles = ASSURANCE_ROLES
    template_name = "assurance/decision_detail.html"
    context_object_name = "decision"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("member", "service__framework")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        decision: ExposureDecision = self.object
        context["history"] = AuditEntry.objects.visible_to(self.request.user).filter(
            object_type=ExposureDecision._meta.label_lower, object_id=str(decision.pk)
        )
        context["status"] = decision_status(
            decision.outcome, decision.state, decision.review_date, timezone.localdate()
        )
        context["facts"] = selectors.facts_shown(decision.facts)
        user: Any = self.request.user
        context["can_decide"] = user.role == Role.MEMBER_ADMIN
        return context


class MemberFormView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """A member admin's form about its own data (or, for the register, the authority's); a
    service's refusal shows on the form."""

    allowed_roles = MEMBER_ADMIN
    success_url_name = "exposure-report"

    def act(self, form: Any) -> str:
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            message = self.act(form)
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.success_url_name)


class DecideView(MemberFormView):
    """Accept, accept with mitigations, or refuse an exposure of the member's data."""

    form_class = DecisionForm
    template_name = "assurance/decide.html"

    def _exposures(self) -> list[selectors.ExposureLine]:
        return selectors.report_for_user(self.request.user).exposures

    def get_initial(self) -> dict[str, Any]:
        return {"exposure": self.request.GET.get("exposure", "")}

    def get_form_kwargs(self) -> dict[str, Any]:
        choices = [
            (
                f"{line.service.pk}:{line.exposure.jurisdiction}",
                f"{line.framework.code} {line.service.name}: {line.exposure.jurisdiction} law"
                + (f" through {', '.join(line.through)}" if line.through else "")
                + f" ({line.status.replace('-', ' ')})",
            )
            for line in self._exposures()
        ]
        return {**super().get_form_kwargs(), "exposures": choices}

    def act(self, form: DecisionForm) -> str:
        service_id, jurisdiction = form.cleaned_data["exposure"].split(":", 1)
        user: Any = self.request.user
        service = Service.objects.visible_to(user).select_related("framework").get(pk=int(service_id))
        decision = services.exposure_decide(
            actor=Actor.for_request(self.request),
            member=user.organisation,
            service=service,
            jurisdiction=jurisdiction,
            outcome=form.cleaned_data["outcome"],
            mitigations=form.mitigation_list(),
            reason=form.cleaned_data["reason"],
            review_date=form.cleaned_data.get("review_date"),
        )
        return f"Decision recorded: {decision.get_outcome_display().lower()} for {service.code}, {jurisdiction} law."


class ClassificationView(MemberFormView):
    """The classification of the data the member puts into a service it buys."""

    form_class = ClassificationForm
    template_name = "assurance/classification.html"

    def get_initial(self) -> dict[str, Any]:
        return {"service": self.request.GET.get("service", ""), "classification": "OFFICIAL"}

    def get_form_kwargs(self) -> dict[str, Any]:
        report = selectors.report_for_user(self.request.user)
        choices = [
            (str(line.service.pk), f"{line.framework.code} {line.service.name} (now {line.assessment.holding.label})")
            for line in report.services
        ]
        return {**super().get_form_kwargs(), "services": choices}

    def act(self, form: ClassificationForm) -> str:
        user: Any = self.request.user
        service = Service.objects.visible_to(user).select_related("framework").get(pk=int(form.cleaned_data["service"]))
        record = services.data_classification_set(
            actor=Actor.for_request(self.request),
            member=user.organisation,
            service=service,
            classification=form.cleaned_data["classification"],
            sensitive=form.cleaned_data["sensitive"],
        )
        return f"Your data in {service.code} is now marked {record.label}."


class AllowedCountriesView(MemberFormView):
    """The countries the member allows its data in a framework's services to be in."""

    form_class = AllowedCountriesForm
    template_name = "assurance/countries.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        user: Any = self.request.user
        frameworks = Framework.objects.visible_to(user).filter(contracts__member=user.organisation_id).distinct()
        return {**super().get_form_kwargs(), "frameworks": [(str(f.pk), f.name) for f in frameworks]}

    def act(self, form: AllowedCountriesForm) -> str:
        user: Any = self.request.user
        framework = Framework.objects.visible_to(user).get(pk=int(form.cleaned_data["framework"]))
        policy = services.member_data_policy_set(
            actor=Actor.for_request(self.request),
            framework=framework,
            member=user.organisation,
            allowed_countries=form.countries(),
        )
        allowed = ", ".join(policy.allowed_countries) or "any country"
        return f"Your data in {framework.code} may be held in {allowed}."


class RegisterView(RoleRequiredMixin, TemplateView):
    """The supplier register of the viewer's frameworks: jurisdictions and sub-processors."""

    allowed_roles = ASSURANCE_ROLES
    template_name = "assurance/register.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user: Any = self.request.user
        return super().get_context_data(
            jurisdictions=SupplierJurisdiction.objects.visible_to(user).select_related("framework", "organisation"),
            sub_processors=SubProcessor.objects.visible_to(user).select_related(
                "framework", "supplier", "sub_processor"
            ),
            can_change=user.role == Role.AUTHORITY_ADMIN,
            **kwargs,
        )


class RegisterFormView(MemberFormView):
    """The authority records a fact of the register; decisions it affects go back to review."""

    allowed_roles = AUTHORITY_ADMIN
    success_url_name = "supplier-register"

    def get_form_kwargs(self) -> dict[str, Any]:
        user: Any = self.request.user
        frameworks = Framework.objects.visible_to(user).order_by("code")
        organisations = (
            Organisation.objects.visible_to(user)
            .filter(is_supplier=True, frameworks__in=frameworks)
            .distinct()
            .order_by("code")
        )
        return {
            **super().get_form_kwargs(),
            "frameworks": [(str(f.pk), f.name) for f in frameworks],
            "organisations": [(str(o.pk), str(o)) for o in organisations],
        }

    def _framework(self, form: Any) -> Framework:
        return Framework.objects.visible_to(self.request.user).get(pk=int(form.cleaned_data["framework"]))

    def _organisation(self, form: Any, field: str) -> Organisation:
        organisation: Organisation = Organisation.objects.visible_to(self.request.user).get(
            pk=int(form.cleaned_data[field])
        )
        return organisation


class JurisdictionAddView(RegisterFormView):
    form_class = JurisdictionForm
    template_name = "assurance/register_form.html"
    extra_context = {"heading": "Record a jurisdiction"}

    def act(self, form: JurisdictionForm) -> str:
        entry = services.supplier_jurisdiction_save(
            actor=Actor.for_request(self.request),
            framework=self._framework(form),
            organisation=self._organisation(form, "organisation"),
            jurisdiction=form.cleaned_data["jurisdiction"],
            legal_basis=form.cleaned_data["legal_basis"],
            source=form.cleaned_data["source"],
            review_date=form.cleaned_data.get("review_date"),
        )
        return f"Recorded: the law of {entry.jurisdiction} reaches {entry.organisation.code}."


class SubProcessorAddView(RegisterFormView):
    form_class = SubProcessorForm
    template_name = "assurance/register_form.html"
    extra_context = {"heading": "Record a sub-processor"}

    def act(self, form: SubProcessorForm) -> str:
        link = services.sub_processor_save(
            actor=Actor.for_request(self.request),
            framework=self._framework(form),
            supplier=self._organisation(form, "supplier"),
            sub_processor=self._organisation(form, "sub_processor"),
            reviewed_on=form.cleaned_data.get("reviewed_on"),
        )
        return f"Recorded: {link.sub_processor.code} is a sub-processor of {link.supplier.code}."
