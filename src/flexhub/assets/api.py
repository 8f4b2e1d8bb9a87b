"""API of the asset register: list and read assets, change status, site or holder, dispose."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from flexhub.assets import services as asset_services
from flexhub.assets.models import ASSET_ROLES, Asset, SanitisationMethod
from flexhub.core.api_base import KeysetPagination, ScopedViewSetMixin
from flexhub.core.errors import RuleError
from flexhub.directory.models import StaffMember


class AssetSerializer(serializers.ModelSerializer[Asset]):
    owner: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    model_name = serializers.CharField(source="model.__str__", read_only=True)
    assigned_to: Any = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)

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
    pagination_class = KeysetPagination
    keyset_ordering = ("asset_tag", "pk")
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
