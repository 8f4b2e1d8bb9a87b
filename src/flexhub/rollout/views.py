"""Rollout pages: the portfolio, templates, a programme with its Gantt chart, re-plans and the
seat change a completed wave offers. Thin over rollout.services and rollout.selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View

from flexhub.core.csvexport import csv_download
from flexhub.core.errors import RuleError
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404
from flexhub.core.viewmixins import ObjectFormView, RoleRequiredMixin, ScopedDetailView, ScopedListView
from flexhub.frameworks.forms import SeatChangeForm
from flexhub.frameworks.models import CallOffContract, Framework, Service
from flexhub.rollout import selectors, services
from flexhub.rollout.charts import gantt_svg
from flexhub.rollout.forms import (
    ProgrammeStartForm,
    StageCompleteForm,
    StageReplanForm,
    TemplateForm,
    fits_lines,
    stage_lines,
)
from flexhub.rollout.models import ROLLOUT_ROLES, Programme, ProgrammeStage, RolloutTemplate, Wave
from flexhub.rules.rollout import ProgrammeState

MEMBER_ADMIN_ONLY = frozenset({Role.MEMBER_ADMIN})


def portfolio_rows(request: HttpRequest, programmes: QuerySet[Programme]) -> list[selectors.ProgrammeRow]:
    """The portfolio's programmes narrowed by the page's filters (?member=CODE, ?state=...)."""
    member = request.GET.get("member", "").strip()
    if member:
        programmes = programmes.filter(member__code=member)
    rows = selectors.programme_rows(programmes.order_by("member__code", "code"), dates_only=True)
    state = request.GET.get("state", "")
    return [r for r in rows if r.state.value == state] if state in {s.value for s in ProgrammeState} else rows


class PortfolioView(ScopedListView):
    """Every programme the user may see (the authority: every member's; a member admin: its
    own), with its state and the seats still to move. One page: its cost does not grow with the
    number of programmes, only its length (selectors.programme_rows reads in four queries)."""

    model = Programme
    allowed_roles = ROLLOUT_ROLES
    template_name = "rollout/portfolio.html"
    paginate_by = None

    def get_queryset(self) -> QuerySet[Programme]:
        return super().get_queryset().order_by("member__code", "code")

    def rows(self) -> list[selectors.ProgrammeRow]:
        return portfolio_rows(self.request, self.get_queryset())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = self.rows()
        context["rows"] = rows
        context["summary"] = selectors.portfolio_summary(rows)
        context["states"] = list(ProgrammeState)
        context["templates"] = RolloutTemplate.objects.visible_to(self.request.user).select_related("framework")
        return context


class PortfolioCsvView(RoleRequiredMixin, View):
    """The portfolio as the page filters it, one programme a line."""

    allowed_roles = ROLLOUT_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        programmes = Programme.objects.visible_to(request.user)
        rows = portfolio_rows(request, programmes)
        return csv_download("rollout-portfolio.csv", selectors.PORTFOLIO_CSV_HEADER, selectors.portfolio_csv_rows(rows))


class ProgrammeCsvView(RoleRequiredMixin, View):
    """A programme's stages (baseline, planned, slippage) and waves (seats and what is measured)."""

    model = Programme
    allowed_roles = ROLLOUT_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        programme = get_visible_or_404(Programme, request.user, pk=pk)
        return csv_download(
            f"rollout-{programme.member.code}-{programme.code}.csv",
            selectors.PROGRAMME_CSV_HEADER,
            selectors.programme_csv_rows(selectors.programme_row(programme)),
        )


class TemplateDetailView(ScopedDetailView):
    model = RolloutTemplate
    allowed_roles = ROLLOUT_ROLES
    template_name = "rollout/template_detail.html"
    context_object_name = "template"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["stages"] = self.object.stages.order_by("position")
        context["programmes"] = Programme.objects.visible_to(self.request.user).filter(template=self.object)
        return context


AUTHORITY_ADMIN_ONLY = frozenset({Role.AUTHORITY_ADMIN})


class TemplateNewView(ObjectFormView):
    """The framework's authority adds a rollout template: its stages as lines."""

    model = Framework
    lookup_field = url_kwarg = "code"
    allowed_roles = AUTHORITY_ADMIN_ONLY
    form_class = TemplateForm
    template_name = "rollout/template_form.html"
    context_object_name = "framework"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "new": True}

    def act(self, form: TemplateForm) -> tuple[str, str]:
        code = form.cleaned_data["code"]
        if RolloutTemplate.objects.filter(framework=self.object, code=code).exists():
            raise RuleError(f"{self.object.code} has a template {code!r} already: change that one", field="code")
        template = services.template_save(actor=self.actor(), framework=self.object, **form.cleaned_data)
        return f"Template {template.name} added.", reverse("rollout-template-detail", kwargs={"pk": template.pk})


class TemplateEditView(ObjectFormView):
    """The framework's authority changes a template; programmes already started keep their copy."""

    model = RolloutTemplate
    allowed_roles = AUTHORITY_ADMIN_ONLY
    form_class = TemplateForm
    template_name = "rollout/template_form.html"
    context_object_name = "template"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "new": False}

    def get_initial(self) -> dict[str, Any]:
        template = self.object
        return {
            "name": template.name,
            "description": template.description,
            "stages": stage_lines(template.stages.order_by("position")),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        fits = fits_lines(list(self.object.stages.all()))
        return super().get_context_data(framework=self.object.framework, fits=fits, **kwargs)

    def act(self, form: TemplateForm) -> tuple[str, str]:
        if not fits_lines(list(self.object.stages.all())):
            raise RuleError(
                "this template has a | or ; the lines cannot show: change it through the API", field="stages"
            )
        template = services.template_save(
            actor=self.actor(), framework=self.object.framework, code=self.object.code, **form.cleaned_data
        )
        return f"Template {template.name} changed.", reverse("rollout-template-detail", kwargs={"pk": template.pk})


class ProgrammeStartView(ObjectFormView):
    """A member admin starts a programme from a template, with its sites from the directory."""

    model = RolloutTemplate
    allowed_roles = MEMBER_ADMIN_ONLY
    form_class = ProgrammeStartForm
    template_name = "rollout/programme_start.html"
    context_object_name = "template"

    def get_form_kwargs(self) -> dict[str, Any]:
        member = self.request.user.organisation  # type: ignore[union-attr]
        contracts = CallOffContract.objects.visible_to(self.request.user).filter(framework=self.object.framework)
        return {
            **super().get_form_kwargs(),
            "sites": services.staff_sites(member),
            "contracts": contracts,
            "services": Service.objects.filter(lines__contract__in=contracts).distinct(),
        }

    def act(self, form: ProgrammeStartForm) -> tuple[str, str]:
        data = form.cleaned_data
        programme = services.programme_start(
            actor=self.actor(),
            template=self.object,
            member=self.request.user.organisation,  # type: ignore[union-attr]
            programme=services.ProgrammeInput(
                code=data["code"],
                name=data["name"],
                start=data["start"],
                waves=[services.WaveInput(site) for site in data["sites"]],
                contract=data["contract"],
                service=data["service"],
            ),
        )
        return f"{programme.code} started from {programme.template_name}.", reverse(
            "programme-detail", kwargs={"pk": programme.pk}
        )


class ProgrammeDetailView(ScopedDetailView):
    """A programme: its Gantt chart, the same dates in a table, its waves measured."""

    model = Programme
    allowed_roles = ROLLOUT_ROLES
    template_name = "rollout/programme_detail.html"
    context_object_name = "programme"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        row = selectors.programme_row(self.object, today=today)
        context["row"] = row
        context["gantt"] = mark_safe(gantt_svg(row, today=today))  # noqa: S308 - every text in it is escaped
        context["can_run"] = self.request.user.role == Role.MEMBER_ADMIN  # type: ignore[union-attr]
        return context


class StageFormView(ObjectFormView):
    model = ProgrammeStage
    allowed_roles = MEMBER_ADMIN_ONLY
    context_object_name = "stage"

    def back(self) -> str:
        return reverse("programme-detail", kwargs={"pk": self.object.programme_id})


class StageReplanView(StageFormView):
    form_class = StageReplanForm
    template_name = "rollout/stage_replan.html"

    def get_initial(self) -> dict[str, Any]:
        return {"duration_days": self.object.duration_days, "not_before": self.object.not_before}

    def act(self, form: StageReplanForm) -> tuple[str, str]:
        stage = services.stage_replan(actor=self.actor(), stage=self.object, **form.cleaned_data)
        return (
            f"{stage.name} re-planned: {stage.planned_start:%-d %b %Y} to {stage.planned_end:%-d %b %Y}.",
            self.back(),
        )


class StageCompleteView(StageFormView):
    """A stage's checklist: saved as far as it has got, or the stage marked complete."""

    form_class = StageCompleteForm
    template_name = "rollout/stage_complete.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        saving = self.request.method == "POST" and self.request.POST.get("step") == "save"
        return {**super().get_form_kwargs(), "checklist": list(self.object.checklist), "completing": not saving}

    def get_initial(self) -> dict[str, Any]:
        return {"completed_on": timezone.localdate(), "checked": list(self.object.checklist_done)}

    def act(self, form: StageCompleteForm) -> tuple[str, str]:
        checked = form.cleaned_data.get("checked", [])
        if self.request.POST.get("step") == "save":
            stage = services.stage_checklist(actor=self.actor(), stage=self.object, checked=checked)
            done = len(stage.checklist_done)
            return f"{stage.name}: {done} of {len(stage.checklist)} checklist items checked.", self.back()
        stage = services.stage_complete(
            actor=self.actor(), stage=self.object, completed_on=form.cleaned_data["completed_on"], checked=checked
        )
        return f"{stage.name} is complete.", self.back()


class WaveSeatChangeView(ObjectFormView):
    """The seat change a completed wave offers: the contract's own request, filled in."""

    model = Wave
    allowed_roles = MEMBER_ADMIN_ONLY
    form_class = SeatChangeForm
    template_name = "rollout/wave_seat_change.html"
    context_object_name = "wave"

    def measured(self) -> selectors.WaveRow:
        row = selectors.programme_row(self.object.programme)
        return next(w for w in row.waves if w.wave.pk == self.object.pk)

    def get_form_kwargs(self) -> dict[str, Any]:
        contract = self.object.programme.contract
        offered = Service.objects.filter(lines__contract=contract) if contract else Service.objects.none()
        return {**super().get_form_kwargs(), "services": offered}

    def get_initial(self) -> dict[str, Any]:
        suggestion = services.wave_seat_change_suggestion(self.object, self.measured().moved)
        return suggestion or {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["measured"] = self.measured()
        context["programme"] = self.object.programme
        return context

    def act(self, form: SeatChangeForm) -> tuple[str, str]:
        services.wave_seat_change(actor=self.actor(), wave=self.object, **form.cleaned_data)
        return "Your seat change has been sent to the framework authority.", reverse(
            "programme-detail", kwargs={"pk": self.object.programme_id}
        )
