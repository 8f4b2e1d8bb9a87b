"""API of assurance: the exposure report, decisions on exposures, and the classification of data."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flexhub.assurance import selectors, services
from flexhub.assurance.models import ASSURANCE_ROLES, DataClassification, ExposureDecision, Outcome
from flexhub.core.api_base import ScopedViewSetMixin
from flexhub.core.errors import RuleError
from flexhub.core.roles import Role
from flexhub.frameworks.models import Classification, Framework, Service
from flexhub.rules.exposure import decision_status


class ExposureReportView(ScopedViewSetMixin, APIView):
    """The exposure report of what the caller may see: a member admin its own data; an authority
    admin every member of its frameworks, with the exposures grouped by supplier and by jurisdiction."""

    allowed_roles = ASSURANCE_ROLES

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        user: Any = request.user
        report = selectors.report_for_user(user)
        return Response(selectors.report_json(report, framework_wide=user.role == Role.AUTHORITY_ADMIN))


def _service(user: Any, framework_code: str, service_code: str) -> Service:
    """A service of a framework the caller takes part in; 'unknown' otherwise, as for one that does not exist."""
    framework = Framework.objects.visible_to(user).filter(code=framework_code).first()
    service = Service.objects.visible_to(user).filter(framework=framework, code=service_code).first()
    if service is None:
        raise RuleError(f"unknown service {service_code!r} in framework {framework_code!r}", field="service")
    return service


class ExposureDecisionSerializer(serializers.ModelSerializer[ExposureDecision]):
    member: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    framework = serializers.CharField(source="service.framework.code")
    service = serializers.CharField(source="service.code")
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    mitigations = serializers.ListField(child=serializers.CharField(max_length=1000), required=False, default=list)
    status = serializers.SerializerMethodField()

    class Meta:
        model = ExposureDecision
        fields = [
            "id",
            "member",
            "framework",
            "service",
            "jurisdiction",
            "outcome",
            "mitigations",
            "reason",
            "decided_by_label",
            "decided_on",
            "review_date",
            "state",
            "status",
            "review_note",
            "facts",
        ]
        read_only_fields = ["decided_by_label", "decided_on", "state", "review_note", "facts"]

    def get_status(self, decision: ExposureDecision) -> str:
        return decision_status(decision.outcome, decision.state, decision.review_date, timezone.localdate())


class DecisionViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Decisions on exposures: the member's own, or every member's in the authority's frameworks.
    A member admin POSTs a decision (framework, service, jurisdiction, outcome, reason, ...);
    one already taken on the same exposure is replaced, its history kept in the audit log."""

    allowed_roles = ASSURANCE_ROLES
    queryset = ExposureDecision.objects.all()
    serializer_class = ExposureDecisionSerializer
    filterset_fields = ["state", "outcome", "jurisdiction", "member__code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("member", "service__framework")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        user: Any = self.request.user
        service = _service(user, data["service"]["framework"]["code"], data["service"]["code"])
        serializer.instance = services.exposure_decide(
            actor=self.actor(),
            member=user.organisation,
            service=service,
            jurisdiction=data["jurisdiction"],
            outcome=data["outcome"],
            mitigations=data.get("mitigations", []),
            reason=data["reason"],
            review_date=data.get("review_date"),
        )


class DataClassificationSerializer(serializers.ModelSerializer[DataClassification]):
    member: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    framework = serializers.CharField(source="service.framework.code")
    service = serializers.CharField(source="service.code")
    classification = serializers.ChoiceField(choices=Classification.choices)
    marking = serializers.CharField(source="label", read_only=True)

    class Meta:
        model = DataClassification
        fields = ["id", "member", "framework", "service", "classification", "sensitive", "marking"]


class ClassificationViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The classification of the data members put into services. A member admin POSTs one for a
    service it buys (replacing the one before); a change sends decisions back to review."""

    allowed_roles = ASSURANCE_ROLES
    queryset = DataClassification.objects.all()
    serializer_class = DataClassificationSerializer

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("member", "service__framework")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        user: Any = self.request.user
        service = _service(user, data["service"]["framework"]["code"], data["service"]["code"])
        serializer.instance = services.data_classification_set(
            actor=self.actor(),
            member=user.organisation,
            service=service,
            classification=data["classification"],
            sensitive=data.get("sensitive", False),
        )
