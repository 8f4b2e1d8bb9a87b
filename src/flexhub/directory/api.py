"""API of the staff directory, the asset register, TUPE transfers and machinery-of-government changes."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from flexhub.assets import services as asset_services
from flexhub.assets.models import ASSET_ROLES, Asset, SanitisationMethod
from flexhub.core.api_base import ScopedReadOnlyViewSet, ScopedViewSetMixin
from flexhub.core.errors import RuleError
from flexhub.directory.models import ADMIN_ROLES, DIRECTORY_ROLES, MachineryChange, StaffMember, TupeTransfer


class StaffSerializer(serializers.ModelSerializer[StaffMember]):
    organisation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    predecessor: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "name",
            "email",
            "unit",
            "site",
            "grade",
            "status",
            "start_date",
            "leave_date",
            "organisation",
            "predecessor",
        ]


class StaffViewSet(ScopedReadOnlyViewSet):
    """The directory; `?q=` searches name, email and unit."""

    allowed_roles = DIRECTORY_ROLES
    queryset = StaffMember.objects.all()
    serializer_class = StaffSerializer
    filterset_fields = ["organisation__code", "unit", "status"]

    def refine(self, queryset: Any) -> Any:
        query = self.request.query_params.get("q", "").strip()
        if query:
            queryset = queryset.filter(Q(name__icontains=query) | Q(email__icontains=query) | Q(unit__icontains=query))
        return queryset.select_related("organisation", "predecessor").order_by("name", "pk")


class AssetSerializer(serializers.ModelSerializer[Asset]):
    owner: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    model_name = serializers.CharField(source="model.__str__", read_only=True)
    assigned_to: Any = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Asset
        fields = ["id", "asset_tag", "serial", "model_name", "owner", "site", "status", "assigned_to"]


class AssetChangeSerializer(serializers.Serializer[Any]):
    status = serializers.CharField(required=False)
    site = serializers.CharField(required=False, allow_blank=True)
    assigned_to = serializers.EmailField(required=False, allow_null=True, help_text="Staff email, or null")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisposeSerializer(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=SanitisationMethod.choices)
    date = serializers.DateField()
    certificate_ref = serializers.CharField(max_length=100)


class AssetViewSet(ScopedViewSetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Assets: a member's own, the authority's members', or (member users) those assigned to them.
    PATCH changes status, site or holder; POST {id}/dispose/ records sanitisation and disposes."""

    allowed_roles = ASSET_ROLES
    queryset = Asset.objects.all()
    serializer_class = AssetSerializer
    filterset_fields = ["owner__code", "status", "site"]
    http_method_names = ["get", "patch", "post", "head", "options"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("model", "owner", "assigned_to").order_by("asset_tag")

    @extend_schema(request=AssetChangeSerializer, responses=AssetSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        asset = self.get_object()
        body = AssetChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        holder = asset.assigned_to
        if "assigned_to" in data:
            holder = None
            if data["assigned_to"]:
                holder = StaffMember.objects.filter(organisation=asset.owner, email=data["assigned_to"].lower()).first()
                if holder is None:
                    raise RuleError("that person is not in this organisation's directory", field="assigned_to")
        asset = asset_services.asset_update(
            actor=self.actor(),
            asset=asset,
            status=data.get("status", asset.status),
            site=data.get("site", asset.site),
            assigned_to=holder,
            note=data["note"],
        )
        return Response(AssetSerializer(asset).data)

    @extend_schema(request=DisposeSerializer, responses=AssetSerializer)
    @action(detail=True, methods=["post"])
    def dispose(self, request: Request, pk: str | None = None) -> Response:
        asset = self.get_object()
        body = DisposeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        asset_services.asset_dispose(actor=self.actor(), asset=asset, **body.validated_data)
        asset.refresh_from_db()
        return Response(AssetSerializer(asset).data)


class TupeSerializer(serializers.ModelSerializer[TupeTransfer]):
    staff = serializers.CharField(source="staff.name", read_only=True)
    from_organisation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_supplier: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = TupeTransfer
        fields = ["id", "staff", "from_organisation", "to_supplier", "transfer_date", "terms_protected", "note"]


class TupeViewSet(ScopedReadOnlyViewSet):
    """The TUPE register: filter by member (`from_organisation__code`) or supplier (`to_supplier__code`)."""

    allowed_roles = ADMIN_ROLES
    queryset = TupeTransfer.objects.all()
    serializer_class = TupeSerializer
    filterset_fields = ["from_organisation__code", "to_supplier__code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("staff", "from_organisation", "to_supplier")


class ChangeSerializer(serializers.ModelSerializer[MachineryChange]):
    successor: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    predecessors: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = MachineryChange
        fields = [
            "id",
            "kind",
            "successor",
            "predecessors",
            "effective",
            "reason",
            "performed_by",
            "performed_at",
            "moved",
        ]


class MachineryChangeViewSet(ScopedReadOnlyViewSet):
    allowed_roles = ADMIN_ROLES
    queryset = MachineryChange.objects.all()
    serializer_class = ChangeSerializer

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("successor").prefetch_related("predecessors")
