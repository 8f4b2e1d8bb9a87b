"""Pages of the staff directory (search, import with preview and rejects), TUPE transfers and
machinery-of-government changes (dry run, then apply)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, View

from flexhub.core.audit import Actor
from flexhub.core.csvexport import csv_download
from flexhub.core.csvimport import REJECTS_HEAD, rejects_rows
from flexhub.core.errors import RuleError
from flexhub.core.forms import apply_rule_error
from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404
from flexhub.core.viewmixins import RoleRequiredMixin, ScopedDetailView, ScopedListView
from flexhub.directory import services
from flexhub.directory.forms import TupeForm, UploadForm
from flexhub.directory.imports import importer_for
from flexhub.directory.models import (
    ADMIN_ROLES,
    DIRECTORY_ROLES,
    StaffEvent,
    StaffMember,
    StagedImport,
    TupeTransfer,
)
from flexhub.frameworks.models import Framework

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # larger files go through the command, which no request timeout stops


class StaffListView(ScopedListView):
    """The directory: search by name, email or unit, within what the user may see."""

    model = StaffMember
    allowed_roles = DIRECTORY_ROLES
    template_name = "directory/staff_list.html"

    def get_queryset(self) -> QuerySet[StaffMember]:
        staff = super().get_queryset().select_related("organisation", "predecessor")
        query = self.request.GET.get("q", "").strip()
        if query:
            staff = staff.filter(Q(name__icontains=query) | Q(email__icontains=query) | Q(unit__icontains=query))
        org = self.request.GET.get("organisation", "").strip()
        if org:
            staff = staff.filter(organisation__code=org)
        return staff.order_by("name", "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class StaffDetailView(ScopedDetailView):
    model = StaffMember
    allowed_roles = DIRECTORY_ROLES
    template_name = "directory/staff_detail.html"
    context_object_name = "person"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        context["history"] = (
            StaffEvent.objects.visible_to(user)
            .filter(staff=self.object)
            .select_related("from_organisation", "to_organisation")
        )
        # the asset register builds on the directory: its assets reach a person by the reverse relation
        context["assets"] = self.object.assets.visible_to(user).select_related("model")
        return context


class ImportUploadView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """Upload a CSV; it is checked and kept for the preview, nothing is written yet."""

    allowed_roles = ADMIN_ROLES
    form_class = UploadForm
    template_name = "directory/import_upload.html"
    kind = "staff"

    def get_form_kwargs(self) -> dict[str, Any]:
        user: Any = self.request.user
        organisations = Organisation.objects.visible_to(user).filter(is_member=True)
        if user.role == Role.MEMBER_ADMIN:
            organisations = organisations.filter(pk=user.organisation_id)
        return {**super().get_form_kwargs(), "organisations": organisations}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        columns = importer_for(self.kind).columns
        return super().get_context_data(kind=self.kind, columns=",".join(columns), **kwargs)

    def form_valid(self, form: UploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", "The file is larger than 50 MB: import it with the flexhub import command")
            return self.form_invalid(form)
        actor = Actor.for_request(self.request)
        try:
            staged = services.staged_import_store(
                actor=actor,
                organisation=form.cleaned_data["organisation"],
                kind=self.kind,
                filename=upload.name,
                chunks=upload.chunks(services.PART_BYTES),
            )
        except RuleError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        try:
            services.staged_import_check(actor=actor, staged=staged)
        except RuleError as error:
            staged.delete()  # with its parts: a file that cannot be imported is not kept
            form.add_error("file", error.message)
            return self.form_invalid(form)
        return redirect("import-preview", pk=staged.pk)


class ImportPreviewView(ScopedDetailView):
    """What the import would do (or why it cannot), before anything is written."""

    model = StagedImport
    allowed_roles = ADMIN_ROLES
    template_name = "directory/import_preview.html"
    context_object_name = "staged"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        summary = self.object.summary
        context["summary"] = summary
        context["problems"] = summary.get("problems", [])
        context["more_problems"] = summary.get("more_problems", 0)
        return context


class ImportApplyView(RoleRequiredMixin, View):
    model = StagedImport
    allowed_roles = ADMIN_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        staged = get_visible_or_404(StagedImport, request.user, pk=pk)
        try:
            summary = services.staged_import_apply(actor=Actor.for_request(request), staged=staged)
        except RuleError as error:
            messages.error(request, error.message[:1].upper() + error.message[1:] + ".")
            return redirect("import-preview", pk=pk)
        if summary.applied:
            messages.success(
                request,
                f"Imported: {summary.adds} new, {summary.changes} changed, "
                f"{summary.leavers} leaving, {summary.unchanged} unchanged.",
            )
        else:
            messages.error(
                request, "The file has problems now (the directory changed since the preview): nothing imported."
            )
        return redirect("import-preview", pk=pk)


class ImportRejectsView(RoleRequiredMixin, View):
    """The rejected rows, with where and why, as CSV: made from what the check stored."""

    model = StagedImport
    allowed_roles = ADMIN_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        staged = get_visible_or_404(StagedImport, request.user, pk=pk)
        columns = importer_for(staged.kind).columns
        return csv_download(f"rejects-{staged.pk}.csv", [*REJECTS_HEAD, *columns], rejects_rows(staged.summary))


class TupeListView(ScopedListView):
    """The TUPE register: per member (its own) and, for the authority, per supplier."""

    model = TupeTransfer
    allowed_roles = ADMIN_ROLES
    template_name = "directory/tupe_list.html"

    def get_queryset(self) -> QuerySet[TupeTransfer]:
        transfers = super().get_queryset().select_related("staff", "from_organisation", "to_supplier")
        supplier = self.request.GET.get("supplier")
        if supplier:
            transfers = transfers.filter(to_supplier__code=supplier)
        member = self.request.GET.get("member")
        if member:
            transfers = transfers.filter(from_organisation__code=member)
        return transfers

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from django.db.models import Count

        context = super().get_context_data(**kwargs)
        base = TupeTransfer.objects.visible_to(self.request.user)
        context["by_supplier"] = (
            base.values("to_supplier__code", "to_supplier__name").annotate(n=Count("pk")).order_by("to_supplier__code")
        )
        context["by_member"] = (
            base.values("from_organisation__code", "from_organisation__name")
            .annotate(n=Count("pk"))
            .order_by("from_organisation__code")
        )
        return context


class TupeCreateView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    allowed_roles = ADMIN_ROLES
    form_class = TupeForm
    template_name = "directory/tupe_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        user: Any = self.request.user
        staff = StaffMember.objects.visible_to(user).filter(status="active").select_related("organisation")
        suppliers = Organisation.objects.filter(
            is_supplier=True, frameworks__in=Framework.objects.visible_to(user)
        ).distinct()
        return {**super().get_form_kwargs(), "staff": staff, "suppliers": suppliers}

    def form_valid(self, form: TupeForm) -> HttpResponse:
        try:
            services.tupe_transfer(actor=Actor.for_request(self.request), **form.cleaned_data)
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{form.cleaned_data['staff'].name}'s transfer is registered.")
        return redirect("tupe-list")
