"""API for benefits: members' baselines with their carbon and savings reports, and a framework's
totals for its authority. The reports answer in the shape of `flexhub report ... --json`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from flexhub.benefits import selectors
from flexhub.benefits.models import BENEFITS_ROLES, EmissionFactor, MemberBaseline
from flexhub.core.api_base import ScopedReadOnlyViewSet
from flexhub.core.errors import RuleError
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404, is_authority_of
from flexhub.frameworks.models import Framework

YEAR = OpenApiParameter("year", int, required=False, description="YYYY; the latest year with data when omitted")


def _year(request: Request, default: int | None) -> int:
    text = request.query_params.get("year")
    if text is None:
        if default is None:
            raise RuleError("give the year to report (?year=YYYY)", field="year")
        return default
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise RuleError(f"{text!r} is not a year (YYYY)", field="year")
    return int(text)


class MemberBaselineSerializer(serializers.ModelSerializer[MemberBaseline]):
    framework = serializers.CharField(source="framework.code")
    member = serializers.CharField(source="member.code")
    baseline_device = serializers.SerializerMethodField()

    class Meta:
        model = MemberBaseline
        fields = [
            "id",
            "framework",
            "member",
            "year",
            "annual_it_cost",
            "annual_desktop_cost",
            "annual_saving_target",
            "baseline_device",
        ]

    def get_baseline_device(self, baseline: MemberBaseline) -> str | None:
        return None if baseline.baseline_device is None else str(baseline.baseline_device)


class MemberBaselineViewSet(ScopedReadOnlyViewSet):
    """Members' declared baselines; each one's carbon and savings for a year."""

    allowed_roles = BENEFITS_ROLES
    queryset = MemberBaseline.objects.all()
    serializer_class = MemberBaselineSerializer

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("framework", "member", "baseline_device").order_by("pk")

    @extend_schema(parameters=[YEAR], responses={200: dict})
    @action(detail=True)
    def carbon(self, request: Request, pk: str | None = None) -> Response:
        """The member's estate in a year against its baseline device (the latest year with a factor by default)."""
        baseline = self.get_object()
        latest = EmissionFactor.objects.order_by("-year").values_list("year", flat=True).first()
        return Response(selectors.member_carbon(baseline, _year(request, latest)).as_json())

    @extend_schema(parameters=[YEAR], responses={200: dict})
    @action(detail=True)
    def savings(self, request: Request, pk: str | None = None) -> Response:
        """The member's savings in a year of membership (the latest by default)."""
        baseline = self.get_object()
        years = selectors.membership_years(baseline)
        return Response(selectors.member_savings(baseline, _year(request, years[-1] if years else None)).as_json())


FRAMEWORK_PARAMETERS = [
    OpenApiParameter("framework", str, required=True, description="The framework's code"),
    OpenApiParameter("year", int, required=True, description="YYYY"),
]


def _framework(request: Request) -> Framework:
    user: Any = request.user
    if user.role != Role.AUTHORITY_ADMIN:
        raise exceptions.PermissionDenied(f"A {Role(user.role).label.lower()} cannot see a framework's totals.")
    code = request.query_params.get("framework")
    if not code:
        raise RuleError("give the framework's code (?framework=CODE)", field="framework")
    framework = get_visible_or_404(Framework, user, code=code)
    if not is_authority_of(user, framework):
        raise exceptions.NotFound("No framework found.")
    return framework


@extend_schema(parameters=FRAMEWORK_PARAMETERS, responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def framework_carbon(request: Request) -> Response:
    """A framework's carbon in a year, member by member and in total: its authority only."""
    framework = _framework(request)
    year = _year(request, None)
    return Response(selectors.whole_framework_carbon(framework, year, request.user).as_json())


@extend_schema(parameters=FRAMEWORK_PARAMETERS, responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def framework_savings(request: Request) -> Response:
    """A framework's savings in a year, member by member and in total: its authority only."""
    framework = _framework(request)
    year = _year(request, None)
    return Response(selectors.whole_framework_savings(framework, year, request.user).as_json())
