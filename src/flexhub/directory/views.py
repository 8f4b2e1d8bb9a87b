"""Pages of the staff directory (search, import with preview and rejects), TUPE transfers and
machinery-of-government changes (dry run, then apply)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
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
from flexhub.directory.forms import TupeForm, TupeImportForm, UploadForm
from flexhub.directory.imports import importer_for
from flexhub.directory.models import (
    ADMIN_ROLES,
    DIRECTORY_ROLES,
    StaffEvent,
    StaffMember,
    StagedImport,
    TupeTransfer,
)
from flexhub.directory.selectors import (
    TUPE_CSV_COLUMNS,
    staff_in_post,
    staff_to_name,
    transfer_members,
    transfer_suppliers,
    tupe_csv_rows,
    tupe_register,
)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # larger files go through the command, which no request timeout stops


class StaffListView(ScopedListView):
    """The directory: search by name, email or unit, within what the user may see."""

    model = StaffMember
    allowed_roles = DIRECTORY_ROLES
    template_name = "directory/staff_list.html"
    keyset_ordering = ("name", "pk")

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
            messages.error(request, error.sentence)
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
    """The TUPE register: per member (its own) and, for the authority, per supplier; a member or
    supplier out of the user's reach answers 404."""

    model = TupeTransfer
    allowed_roles = ADMIN_ROLES
    template_name = "directory/tupe_list.html"

    def get_queryset(self) -> QuerySet[TupeTransfer]:
        self.register = tupe_register(
            self.request.user,
            member_code=self.request.GET.get("member"),
            supplier_code=self.request.GET.get("supplier"),
        )
        return self.register.transfers

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
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
        context["member"] = self.register.member
        context["supplier"] = self.register.supplier
        chosen = {"member": self.register.member, "supplier": self.register.supplier}
        context["csv_query"] = urlencode({key: org.code for key, org in chosen.items() if org is not None})
        return context


class TupeCsvView(RoleRequiredMixin, View):
    """The TUPE register as CSV, of one member (`?member=`) or one supplier (`?supplier=`) or
    all the user may see, through the one CSV writer."""

    allowed_roles = ADMIN_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        register = tupe_register(
            request.user, member_code=request.GET.get("member"), supplier_code=request.GET.get("supplier")
        )
        return csv_download(register.filename, TUPE_CSV_COLUMNS, tupe_csv_rows(register.transfers))


def _transferred(transfers: list[TupeTransfer]) -> str:
    names = [t.staff.name for t in transfers]
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    people = "1 person" if len(names) == 1 else f"{len(names)} people"
    return f"{people} transferred to {transfers[0].to_supplier.name}: {shown}."


class TupeCreateView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """Transfer several of a member's people at once: tick them in the list of those in post
    (narrowed by unit and site), choose the supplier and the date; all are transferred or none."""

    allowed_roles = ADMIN_ROLES
    form_class = TupeForm
    template_name = "directory/tupe_form.html"

    @cached_property
    def member(self) -> Organisation | None:
        """The member whose staff are listed: `?member=` (404 unless the user administers it),
        else the first the user administers."""
        code = self.request.GET.get("member")
        if code:
            return get_visible_or_404(
                Organisation, self.request.user, scope="administered_by", code=code, is_member=True
            )
        return transfer_members(self.request.user).first()

    def get_form_kwargs(self) -> dict[str, Any]:
        member = self.member
        staff = staff_to_name(self.request.user, member) if member else StaffMember.objects.none()
        suppliers = transfer_suppliers([member]) if member else Organisation.objects.none()
        return {**super().get_form_kwargs(), "staff": staff, "suppliers": suppliers}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        member = self.member
        unit, site = self.request.GET.get("unit", ""), self.request.GET.get("site", "")
        in_post = staff_in_post(member) if member else StaffMember.objects.none()
        form = context["form"]
        ticked = {str(v) for v in (form["staff"].value() or [])}
        context.update(
            member=member,
            members=transfer_members(self.request.user),
            unit=unit,
            site=site,
            units=in_post.order_by("unit").values_list("unit", flat=True).distinct(),
            sites=in_post.order_by("site").values_list("site", flat=True).distinct(),
            people=staff_in_post(member, unit=unit, site=site) if member else [],
            ticked=ticked,
        )
        return context

    def form_valid(self, form: TupeForm) -> HttpResponse:
        assert self.member is not None  # a form with no member has no one to choose, so never validates
        try:
            transfers = services.tupe_transfer_many(
                actor=Actor.for_request(self.request), member=self.member, **form.cleaned_data
            )
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _transferred(transfers))
        return redirect(f"{reverse('tupe-list')}?member={self.member.code}")


class TupeImportView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """The same transfer for the people a CSV of emails names: every row checked first, each
    problem named by row and column, and nobody transferred if any row is wrong."""

    allowed_roles = ADMIN_ROLES
    form_class = TupeImportForm
    template_name = "directory/tupe_import.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        members = transfer_members(self.request.user)
        return {**super().get_form_kwargs(), "members": members, "suppliers": transfer_suppliers(members)}

    def form_valid(self, form: TupeImportForm) -> HttpResponse:
        data = form.cleaned_data
        upload = data["file"]
        try:
            check = services.tupe_transfer_import(
                actor=Actor.for_request(self.request),
                member=data["member"],
                open_file=lambda: upload.open("rb"),
                to_supplier=data["to_supplier"],
                transfer_date=data["transfer_date"],
                terms_protected=data["terms_protected"],
                note=data["note"],
            )
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        if not check.ok:
            for problem in check.problems:
                form.add_error("file", problem.on_page())
            if check.problems.more:
                form.add_error("file", f"… and {check.problems.more} more problems")
            form.add_error(None, "Nobody has been transferred: correct the file and upload it again")
            return self.form_invalid(form)
        messages.success(self.request, _transferred(check.transfers))
        return redirect(f"{reverse('tupe-list')}?member={data['member'].code}")
