"""API of the staff directory and TUPE transfers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from flexhub.core.api_base import KeysetPagination, ScopedReadOnlyViewSet, ScopedViewSetMixin, VisibleRelatedField
from flexhub.core.models import Organisation
from flexhub.directory import services
from flexhub.directory.models import ADMIN_ROLES, DIRECTORY_ROLES, StaffMember, TupeTransfer
from flexhub.directory.selectors import transfer_members, transfer_suppliers


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
    pagination_class = KeysetPagination
    keyset_ordering = ("name", "pk")

    def refine(self, queryset: Any) -> Any:
        query = self.request.query_params.get("q", "").strip()
        if query:
            queryset = queryset.filter(Q(name__icontains=query) | Q(email__icontains=query) | Q(unit__icontains=query))
        return queryset.select_related("organisation", "predecessor").order_by("name", "pk")


class TupeSerializer(serializers.ModelSerializer[TupeTransfer]):
    staff = serializers.CharField(source="staff.name", read_only=True)
    email = serializers.CharField(source="staff.email", read_only=True)
    from_organisation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_supplier: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = TupeTransfer
        fields = [
            "id",
            "staff",
            "email",
            "from_organisation",
            "to_supplier",
            "transfer_date",
            "terms_protected",
            "note",
        ]


class TransferSupplierField(VisibleRelatedField):
    """A supplier named by its code, among the suppliers of the frameworks of the members the
    caller administers; any other code is reported as not existing."""

    def get_queryset(self) -> Any:
        return transfer_suppliers(transfer_members(self.context["request"].user))


class TupeTransferManySerializer(serializers.Serializer[Any]):
    member = VisibleRelatedField(
        slug_field="code",
        queryset=Organisation.objects.all(),
        scope="administered_by",
        required=False,
        help_text="The member the people transfer from; a member admin's own organisation if left out",
    )
    staff = serializers.ListField(
        child=serializers.CharField(max_length=254, allow_blank=True),
        max_length=10_000,
        help_text="The work emails of the people who transfer, in the member's directory",
    )
    to_supplier = TransferSupplierField(slug_field="code", queryset=Organisation.objects.all())
    transfer_date = serializers.DateField()
    terms_protected = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TupeViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The TUPE register: filter by member (`from_organisation__code`) or supplier (`to_supplier__code`).
    POST transfers several of a member's people to one supplier at once, all or none."""

    allowed_roles = ADMIN_ROLES
    queryset = TupeTransfer.objects.all()
    serializer_class = TupeSerializer
    filterset_fields = ["from_organisation__code", "to_supplier__code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("staff", "from_organisation", "to_supplier")

    @extend_schema(request=TupeTransferManySerializer, responses={201: TupeSerializer(many=True)})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Transfer the people named by email: if any of them cannot transfer, nobody does, and
        the answer names each (`staff` holds every problem by its place in the list)."""
        body = TupeTransferManySerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user: Any = request.user
        check = services.tupe_transfer_by_email(
            actor=self.actor(),
            member=data.get("member") or user.organisation,
            emails=data["staff"],
            to_supplier=data["to_supplier"],
            transfer_date=data["transfer_date"],
            terms_protected=data["terms_protected"],
            note=data["note"],
        )
        if not check.ok:
            by_place: dict[Any, list[str]] = {p.line: [p.message] for p in check.problems}
            raise serializers.ValidationError({"staff": by_place})
        return Response(TupeSerializer(check.transfers, many=True).data, status=status.HTTP_201_CREATED)
