"""Asset register pages: the list, an asset with its history, changes and secure disposal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse

from flexhub.assets import services
from flexhub.assets.forms import AssetUpdateForm, DisposalForm
from flexhub.assets.models import ASSET_ROLES, Asset, AssetEvent, DeviceModel
from flexhub.core.audit import Actor
from flexhub.core.forms import ServiceVoiceMixin
from flexhub.core.roles import Role
from flexhub.core.viewmixins import ObjectFormView, ScopedDetailView, ScopedListView
from flexhub.directory.models import ADMIN_ROLES, StaffMember
from flexhub.directory.views import ImportUploadView


class AssetListView(ScopedListView):
    """Member admins: their organisation's assets; the authority: all; member users: their own."""

    model = Asset
    allowed_roles = ASSET_ROLES
    template_name = "assets/asset_list.html"
    keyset_ordering = ("asset_tag", "pk")

    def get_queryset(self) -> QuerySet[Asset]:
        assets = super().get_queryset().select_related("model", "owner", "assigned_to")
        query = self.request.GET.get("q", "").strip()
        if query:
            assets = assets.filter(
                Q(asset_tag__icontains=query) | Q(serial__icontains=query) | Q(site__icontains=query)
            )
        status = self.request.GET.get("status", "")
        if status:
            assets = assets.filter(status=status)
        return assets.order_by("asset_tag")


class AssetDetailView(ScopedDetailView):
    model = Asset
    allowed_roles = ASSET_ROLES
    template_name = "assets/asset_detail.html"
    context_object_name = "asset"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        asset: Asset = self.object
        context["history"] = AssetEvent.objects.visible_to(user).filter(asset=asset)
        context["can_change"] = user.role in ADMIN_ROLES and asset.status != "disposed"
        if context["can_change"]:
            staff = StaffMember.objects.filter(organisation=asset.owner, status="active")
            context["update_form"] = AssetUpdateForm(
                staff=staff, initial={"status": asset.status, "site": asset.site, "assigned_to": asset.assigned_to_id}
            )
            context["disposal_form"] = DisposalForm()
        return context


class DeviceModelListView(ScopedListView):
    """The catalogue of device makes and models with their power figures."""

    model = DeviceModel
    allowed_roles = ASSET_ROLES
    template_name = "assets/device_list.html"


class DeviceModelForm(ServiceVoiceMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DeviceModel
        fields = ["kind", "on_watts", "sleep_watts", "off_watts", "tec_kwh"]


class DeviceModelEditView(ObjectFormView):
    model = DeviceModel
    allowed_roles = frozenset({Role.AUTHORITY_ADMIN})
    form_class = DeviceModelForm
    template_name = "assets/device_form.html"
    context_object_name = "device"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": DeviceModel.objects.get(pk=self.object.pk)}

    def act(self, form: DeviceModelForm) -> tuple[str, str]:
        services.device_model_update(actor=Actor.for_request(self.request), device=self.object, **form.cleaned_data)
        return f"{self.object} saved.", reverse("device-list")


class AssetUpdateView(ObjectFormView):
    model = Asset
    allowed_roles = ADMIN_ROLES
    form_class = AssetUpdateForm
    template_name = "assets/asset_form.html"
    context_object_name = "asset"

    def get_form_kwargs(self) -> dict[str, Any]:
        staff = StaffMember.objects.filter(organisation=self.object.owner, status="active")
        return {**super().get_form_kwargs(), "staff": staff}

    def act(self, form: AssetUpdateForm) -> tuple[str, str]:
        services.asset_update(actor=Actor.for_request(self.request), asset=self.object, **form.cleaned_data)
        return f"{self.object.asset_tag} updated.", reverse("asset-detail", kwargs={"pk": self.object.pk})


class AssetDisposeView(ObjectFormView):
    model = Asset
    allowed_roles = ADMIN_ROLES
    form_class = DisposalForm
    template_name = "assets/asset_dispose.html"
    context_object_name = "asset"

    def act(self, form: DisposalForm) -> tuple[str, str]:
        record = services.asset_dispose(actor=Actor.for_request(self.request), asset=self.object, **form.cleaned_data)
        return f"{self.object.asset_tag} disposed of (certificate {record.certificate_ref}).", reverse(
            "asset-detail", kwargs={"pk": self.object.pk}
        )


class AssetImportUploadView(ImportUploadView):
    """Upload an asset register CSV: checked and previewed by the directory's staged-import pages."""

    kind = "assets"
