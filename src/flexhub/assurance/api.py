"""API of assurance: the exposure report, decisions on exposures, the classification of data, and
the supplier register (jurisdictions, sub-processors, where each service's data is and who
handles it), which the framework's authority keeps."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flexhub.assurance import selectors, services
from flexhub.assurance.models import (
    ASSURANCE_ROLES,
    Activity,
    DataClassification,
    DataLocation,
    ExposureDecision,
    Outcome,
    ServiceHandler,
    SubProcessor,
    SupplierJurisdiction,
)
from flexhub.core.api_base import ScopedViewSetMixin, VisibleRelatedField
from flexhub.core.errors import RuleError
from flexhub.core.models import Organisation
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


# The supplier register ---------------------------------------------------------------------------


class SupplierJurisdictionSerializer(serializers.ModelSerializer[SupplierJurisdiction]):
    framework = VisibleRelatedField(slug_field="code", queryset=Framework.objects.all())
    organisation = VisibleRelatedField(slug_field="code", queryset=Organisation.objects.all())

    class Meta:
        model = SupplierJurisdiction
        fields = ["id", "framework", "organisation", "jurisdiction", "legal_basis", "source", "review_date"]
        validators: list[Any] = []  # one already there is brought in line, not refused


class SupplierJurisdictionViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Jurisdictions whose law reaches a supplier or sub-processor. The framework's authority POSTs
    one (framework, organisation, jurisdiction, legal basis, source, review date); the same
    organisation and jurisdiction again is brought in line; decisions it touches go back to review."""

    allowed_roles = ASSURANCE_ROLES
    queryset = SupplierJurisdiction.objects.all()
    serializer_class = SupplierJurisdictionSerializer
    filterset_fields = ["framework__code", "organisation__code", "jurisdiction"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("framework", "organisation")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.supplier_jurisdiction_save(
            actor=self.actor(),
            framework=data["framework"],
            organisation=data["organisation"],
            jurisdiction=data["jurisdiction"],
            legal_basis=data["legal_basis"],
            source=data.get("source", ""),
            review_date=data.get("review_date"),
        )


class SubProcessorSerializer(serializers.ModelSerializer[SubProcessor]):
    framework = VisibleRelatedField(slug_field="code", queryset=Framework.objects.all())
    supplier = VisibleRelatedField(slug_field="code", queryset=Organisation.objects.all())
    sub_processor = VisibleRelatedField(slug_field="code", queryset=Organisation.objects.all())

    class Meta:
        model = SubProcessor
        fields = ["id", "framework", "supplier", "sub_processor", "reviewed_on"]
        validators: list[Any] = []  # one already there is brought in line, not refused


class SubProcessorViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Who handles data for whom. The framework's authority POSTs a sub-processor of a supplier,
    reviewed on a date or not yet (null: the exposure report shows it as a mismatch)."""

    allowed_roles = ASSURANCE_ROLES
    queryset = SubProcessor.objects.all()
    serializer_class = SubProcessorSerializer
    filterset_fields = ["framework__code", "supplier__code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("framework", "supplier", "sub_processor")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.sub_processor_save(
            actor=self.actor(),
            framework=data["framework"],
            supplier=data["supplier"],
            sub_processor=data["sub_processor"],
            reviewed_on=data.get("reviewed_on"),
        )


class DataLocationSerializer(serializers.ModelSerializer[DataLocation]):
    framework = serializers.CharField(source="service.framework.code", read_only=True)
    service = serializers.CharField(source="service.code", read_only=True)

    class Meta:
        model = DataLocation
        fields = ["id", "framework", "service", "country", "site", "activity"]


class LocationSerializer(serializers.Serializer[Any]):
    country = serializers.CharField(max_length=32, help_text="A country code, such as GB")
    site = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    activity = serializers.ChoiceField(choices=Activity.choices, default=Activity.HELD)


class ServiceLocationsSerializer(serializers.Serializer[Any]):
    framework = serializers.CharField()
    service = serializers.CharField()
    locations = LocationSerializer(
        many=True, help_text="Every place the service's data is: the list replaces the one before"
    )


class DataLocationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Where each service's data is held and processed. The framework's authority POSTs a
    service's whole list (framework, service, locations); the answer is the service's list."""

    allowed_roles = ASSURANCE_ROLES
    queryset = DataLocation.objects.all()
    serializer_class = DataLocationSerializer
    filterset_fields = ["service__framework__code", "service__code", "country"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("service__framework")

    @extend_schema(request=ServiceLocationsSerializer, responses={201: ServiceLocationsSerializer})
    def create(self, request: Request) -> Response:
        body = ServiceLocationsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        service = _service(request.user, data["framework"], data["service"])
        services.data_locations_set(
            actor=self.actor(),
            service=service,
            locations=[(place["country"], place["site"], place["activity"]) for place in data["locations"]],
        )
        rows = DataLocation.objects.visible_to(request.user).filter(service=service)
        answer = {
            "framework": service.framework.code,
            "service": service.code,
            "locations": [{"country": r.country, "site": r.site, "activity": r.activity} for r in rows],
        }
        return Response(answer, status=status.HTTP_201_CREATED)


class ServiceHandlerSerializer(serializers.ModelSerializer[ServiceHandler]):
    framework = serializers.CharField(source="service.framework.code", read_only=True)
    service = serializers.CharField(source="service.code", read_only=True)
    organisation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ServiceHandler
        fields = ["id", "framework", "service", "organisation"]


class ServiceHandlersSerializer(serializers.Serializer[Any]):
    framework = serializers.CharField()
    service = serializers.CharField()
    organisations = serializers.ListField(
        child=serializers.CharField(max_length=32),
        help_text="The codes of the suppliers that handle the service's data (none: the framework's suppliers)",
    )


class ServiceHandlerViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Which suppliers handle each service's data. The framework's authority POSTs a service's
    whole list (framework, service, organisations); the answer is the service's list."""

    allowed_roles = ASSURANCE_ROLES
    queryset = ServiceHandler.objects.all()
    serializer_class = ServiceHandlerSerializer
    filterset_fields = ["service__framework__code", "service__code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("service__framework", "organisation")

    @extend_schema(request=ServiceHandlersSerializer, responses={201: ServiceHandlersSerializer})
    def create(self, request: Request) -> Response:
        body = ServiceHandlersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        service = _service(request.user, data["framework"], data["service"])
        codes = sorted({code.strip().upper() for code in data["organisations"]})
        found = {o.code: o for o in Organisation.objects.visible_to(request.user).filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise RuleError(f"unknown organisation {unknown[0]!r}", field="organisations")
        services.service_handlers_set(actor=self.actor(), service=service, organisations=found.values())
        rows = ServiceHandler.objects.visible_to(request.user).filter(service=service).select_related("organisation")
        answer = {
            "framework": service.framework.code,
            "service": service.code,
            "organisations": [r.organisation.code for r in rows],
        }
        return Response(answer, status=status.HTTP_201_CREATED)
