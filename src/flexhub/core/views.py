"""Pages for signing in, organisations, people, the audit log and your account."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from flexhub.core import navigation, panels, services, signin
from flexhub.core.audit import Actor
from flexhub.core.csvexport import csv_stream
from flexhub.core.errors import RuleError
from flexhub.core.forms import (
    AuditFilterForm,
    LoginForm,
    OrganisationForm,
    PasswordChangeForm,
    PersonForm,
    apply_rule_error,
)
from flexhub.core.models import AuditEntry, Organisation, User
from flexhub.core.navigation import ADMINS
from flexhub.core.roles import Role
from flexhub.core.selectors import audit_entries_filtered
from flexhub.core.tenancy import administers
from flexhub.core.viewmixins import ObjectFormView, RoleRequiredMixin, ScopedDetailView, ScopedListView


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(panels=panels.panels_for(panels.HOME, self.request.user), **kwargs)


class AdministrationView(RoleRequiredMixin, TemplateView):
    """The administration sections the user may use, grouped on one page so that the service
    navigation stays one row (core.navigation)."""

    allowed_roles = ADMINS
    template_name = "core/administration.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        sections = [
            {"label": item.label, "href": reverse(item.url_name), "description": item.description}
            for item in navigation.sections_of(self.request.user, navigation.ADMINISTRATION)
        ]
        return super().get_context_data(sections=sections, **kwargs)


class OrganisationListView(ScopedListView):
    model = Organisation
    template_name = "core/organisation_list.html"

    def get_queryset(self) -> QuerySet[Organisation]:
        return super().get_queryset().prefetch_related("predecessors")


class OrganisationDetailView(ScopedDetailView):
    model = Organisation
    template_name = "core/organisation_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        context["people"] = (
            User.objects.visible_to(user).filter(organisation=self.object)
            if user.role in ADMINS
            else User.objects.none()
        )
        context["can_edit"] = user.role == Role.AUTHORITY_ADMIN and administers(user, self.object)
        context["predecessors"] = self.object.predecessors.all()
        return context


class OrganisationEditView(ObjectFormView):
    model = Organisation
    lookup_field = url_kwarg = "code"
    context_object_name = "organisation"
    allowed_roles = frozenset({Role.AUTHORITY_ADMIN})
    scope = "administered_by"
    form_class = OrganisationForm
    template_name = "core/organisation_form.html"

    def get_initial(self) -> dict[str, Any]:
        o = self.object
        return {
            "name": o.name,
            "region": o.region,
            "address": o.address,
            "vat_number": o.vat_number,
            "finance_email": o.finance_email,
        }

    def act(self, form: OrganisationForm) -> tuple[str, str]:
        services.organisation_update(actor=self.actor(), organisation=self.object, **form.cleaned_data)
        return f"{self.object.name} saved.", reverse("organisation-detail", kwargs={"code": self.object.code})


class PersonListView(ScopedListView):
    model = User
    allowed_roles = ADMINS
    template_name = "core/person_list.html"

    def get_queryset(self) -> QuerySet[User]:
        queryset = super().get_queryset().select_related("organisation")
        query = self.request.GET.get("q", "").strip()
        if query:
            queryset = queryset.filter(
                Q(username__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
                | Q(email__icontains=query)
            )
        return queryset.order_by("organisation__name", "username")


class PersonDetailView(ScopedDetailView):
    model = User
    allowed_roles = ADMINS
    template_name = "core/person_detail.html"
    context_object_name = "person"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        context["two_factor_enabled"] = signin.two_factor_enabled(self.object)
        context["can_reset_two_factor"] = user.role == Role.AUTHORITY_ADMIN and user.pk != self.object.pk
        return context


def _role_choices(manager: User, organisation: Organisation | None) -> list[tuple[str, str]]:
    if organisation is None:
        if manager.role == Role.MEMBER_ADMIN:
            roles = [Role.MEMBER_ADMIN.value, Role.MEMBER_USER.value]
        else:
            roles = list(Role.values)
    else:
        roles = services.assignable_roles(manager=manager, organisation=organisation)
    return [(r, Role(r).label) for r in roles]


class PersonCreateView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    allowed_roles = ADMINS
    form_class = PersonForm
    template_name = "core/person_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        user: Any = self.request.user
        organisations = Organisation.objects.administered_by(user)
        kwargs.update(organisations=organisations, roles=_role_choices(user, None), editing=False)
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        user: Any = self.request.user
        return {"organisation": user.organisation_id, "role": Role.MEMBER_USER}

    def form_valid(self, form: PersonForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            person = services.user_create(
                actor=self.actor(),
                username=data["username"],
                organisation=data["organisation"],
                role=data["role"],
                password=data["password"] or None,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{person.username} added.")
        return redirect("person-detail", pk=person.pk)


class PersonEditView(ObjectFormView):
    model = User
    context_object_name = "person"
    allowed_roles = ADMINS
    form_class = PersonForm
    template_name = "core/person_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        user: Any = self.request.user
        roles = _role_choices(user, self.object.organisation)
        if self.object.role not in dict(roles):
            roles.insert(0, (self.object.role, Role(self.object.role).label))
        kwargs.update(organisations=Organisation.objects.none(), roles=roles, editing=True)
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        p = self.object
        return {
            "first_name": p.first_name,
            "last_name": p.last_name,
            "email": p.email,
            "role": p.role,
            "is_active": p.is_active,
        }

    def act(self, form: PersonForm) -> tuple[str, str]:
        services.user_update(actor=self.actor(), user=self.object, **form.cleaned_data)
        return f"{self.object.username} saved.", reverse("person-detail", kwargs={"pk": self.object.pk})


class AuditListView(ScopedListView):
    model = AuditEntry
    allowed_roles = ADMINS
    template_name = "core/audit_list.html"
    keyset_ordering = ("-at", "-pk")

    def get_queryset(self) -> QuerySet[AuditEntry]:
        self.filter_form = AuditFilterForm(self.request.GET or None)
        return audit_entries_filtered(user=self.request.user, form=self.filter_form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        return context


AUDIT_CSV_COLUMNS = [
    "at_utc",
    "at_london",
    "actor",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object",
    "organisation",
    "changes",
    "reason",
]


class AuditCsvView(RoleRequiredMixin, TemplateView):
    """The filtered audit log as CSV, streamed so a long log does not fill memory; written by
    core.csvexport like every CSV, so a name or reason a user typed is never run as a formula."""

    allowed_roles = ADMINS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> StreamingHttpResponse:  # type: ignore[override]
        entries = audit_entries_filtered(user=request.user, form=AuditFilterForm(request.GET or None))
        london = timezone.get_default_timezone()
        rows = (
            [
                e.at.isoformat(),
                e.at.astimezone(london).isoformat(),
                e.actor_label,
                e.channel,
                e.action,
                e.object_type,
                e.object_id,
                e.object_repr,
                e.organisation.code if e.organisation else "",
                _changes_text(e.changes),
                e.reason,
            ]
            for e in entries.select_related("organisation").iterator(chunk_size=2000)
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        return csv_stream(f"flexhub-audit-{stamp}.csv", AUDIT_CSV_COLUMNS, rows)


def _changes_text(changes: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v[0]!r} -> {v[1]!r}" for k, v in changes.items())


class AccountView(LoginRequiredMixin, TemplateView):
    """Your own details, and your API token (shown once you ask for it)."""

    template_name = "core/account.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user: Any = self.request.user
        return super().get_context_data(
            two_factor_enabled=signin.two_factor_enabled(user),
            two_factor_required=signin.two_factor_required(user),
            recovery_codes_left=signin.recovery_codes_left(user),
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = services.user_token(actor=Actor.for_request(request), user=request.user)  # type: ignore[arg-type]
        return self.render_to_response(self.get_context_data(token=token))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change form, saved through the audited service."""

    template_name = "core/password_change.html"
    form_class = PasswordChangeForm

    def form_valid(self, form: Any) -> HttpResponse:
        from django.contrib.auth import update_session_auth_hash

        user: Any = self.request.user
        services.user_set_password(
            actor=Actor.for_request(self.request),
            user=user,
            password=form.cleaned_data["new_password1"],
            check_password=False,  # the form has run the validators already
        )
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "Your password has been changed.")
        return redirect(reverse("account"))
