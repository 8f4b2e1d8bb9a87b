"""API for organisations, people, the audit log and the caller's own login."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from flexhub.core import services
from flexhub.core.api_base import (
    KeysetPagination,
    ScopedReadOnlyViewSet,
    ScopedViewSetMixin,
    VisibleRelatedField,
)
from flexhub.core.models import AuditEntry, Organisation, Region, User
from flexhub.core.navigation import ADMINS
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    predecessors: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "code", "name", "roles", "region", "address", "vat_number", "finance_email", "predecessors"]


class OrganisationUpdateSerializer(serializers.Serializer[Organisation]):
    """What an administrator of an organisation may change of it here."""

    name = serializers.CharField(max_length=200, required=False)
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    address = serializers.CharField(allow_blank=True, required=False, max_length=1000)
    vat_number = serializers.CharField(allow_blank=True, required=False, max_length=20)
    finance_email = serializers.EmailField(allow_blank=True, required=False)


class OrganisationFilter(django_filters.FilterSet):  # type: ignore[misc]
    role = django_filters.ChoiceFilter(
        choices=[
            ("authority", "authority"),
            ("member", "member"),
            ("supplier", "supplier"),
            ("integrator", "integrator"),
        ],
        method="filter_role",
    )

    class Meta:
        model = Organisation
        fields = ["code", "region"]

    def filter_role(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(**{f"is_{value}": True})


class OrganisationViewSet(ScopedViewSetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Organisations you can see: your own, and those your frameworks reach. An authority admin
    may `PATCH` those it administers (core.tenancy): name, region and invoicing particulars."""

    queryset = Organisation.objects.all()
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    ordering_fields = ["code", "name"]
    lookup_field = "code"
    http_method_names = ["get", "patch", "head", "options"]

    def refine(self, queryset: Any) -> Any:
        return queryset.prefetch_related("predecessors")

    @extend_schema(request=OrganisationUpdateSerializer, responses=OrganisationSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user: Any = request.user
        if user.role != Role.AUTHORITY_ADMIN:
            raise exceptions.PermissionDenied(f"A {Role(user.role).label.lower()} cannot change organisations.")
        organisation = get_visible_or_404(Organisation, user, scope="administered_by", code=kwargs["code"])
        body = OrganisationUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = {
            "name": organisation.name,
            "region": organisation.region,
            "address": organisation.address,
            "vat_number": organisation.vat_number,
            "finance_email": organisation.finance_email,
            **body.validated_data,
        }
        organisation = services.organisation_update(actor=self.actor(), organisation=organisation, **values)
        return Response(OrganisationSerializer(organisation, context=self.get_serializer_context()).data)


class PersonSerializer(serializers.ModelSerializer[User]):
    organisation = VisibleRelatedField(slug_field="code", queryset=Organisation.objects.all(), scope="administered_by")
    password = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "organisation",
            "role",
            "is_active",
            "last_login",
            "password",
        ]
        read_only_fields = ["last_login"]


class PersonUpdateSerializer(serializers.Serializer[User]):
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class PersonFilter(django_filters.FilterSet):  # type: ignore[misc]
    organisation = django_filters.CharFilter(field_name="organisation__code")

    class Meta:
        model = User
        fields = ["role", "is_active", "organisation"]


class PersonViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """People (logins). Authority admins manage those of organisations they reach,
    member admins their own organisation's."""

    allowed_roles = ADMINS
    queryset = User.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["username"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("organisation")

    def get_serializer_class(self) -> Any:
        return PersonUpdateSerializer if self.action == "partial_update" else PersonSerializer

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.user_create(
            actor=self.actor(),
            username=data["username"],
            organisation=data["organisation"],
            role=data["role"],
            password=data.get("password") or None,
            email=data.get("email", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
        )

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        serializer = PersonUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = {
            "role": person.role,
            "email": person.email,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "is_active": person.is_active,
            **serializer.validated_data,
        }
        person = services.user_update(actor=self.actor(), user=person, **values)
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data)


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    organisation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    framework: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_label",
            "channel",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "organisation",
            "framework",
            "changes",
            "reason",
        ]


class AuditEntryFilter(django_filters.FilterSet):  # type: ignore[misc]
    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains")

    class Meta:
        model = AuditEntry
        fields = ["object_type", "object_id", "action", "channel"]


class AuditEntryViewSet(ScopedReadOnlyViewSet):
    """The append-only audit log, scoped like the page."""

    allowed_roles = ADMINS
    queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    pagination_class = KeysetPagination
    keyset_ordering = ("-at", "-pk")

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("organisation", "framework")


class MeSerializer(serializers.ModelSerializer[User]):
    organisation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "organisation", "role"]


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request: Request) -> Response:
    """The caller's own login, organisation and role."""
    user: Any = request.user
    return Response(MeSerializer(user).data)
