"""API of the staff directory and TUPE transfers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from flexhub.core.api_base import ScopedReadOnlyViewSet
from flexhub.directory.models import ADMIN_ROLES, DIRECTORY_ROLES, StaffMember, TupeTransfer


class StaffSerializer(serializers.ModelSerializer[StaffMember]):
    organisation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    predecessor: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

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


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("q", str, description="Name, email or unit")]))
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
