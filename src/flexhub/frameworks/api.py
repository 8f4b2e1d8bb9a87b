"""API for frameworks, the catalogue, contracts, deliveries and seat change requests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Sum
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from flexhub.core.api_base import ScopedReadOnlyViewSet, ScopedViewSetMixin, VisibleRelatedField
from flexhub.core.errors import RuleError
from flexhub.core.models import Organisation
from flexhub.core.tenancy import get_visible_or_404, is_authority_of
from flexhub.frameworks import selectors, services
from flexhub.frameworks.models import (
    COMMERCIAL_ROLES,
    CallOffContract,
    Delivery,
    Framework,
    PriceBand,
    SeatChangeRequest,
    Service,
    Tower,
)
from flexhub.rules.periods import Month


class TowerSerializer(serializers.ModelSerializer[Tower]):
    framework: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    supplier: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Tower
        fields = ["id", "framework", "code", "name", "supplier"]


class FrameworkSerializer(serializers.ModelSerializer[Framework]):
    authority: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    integrator: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    suppliers: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    towers = TowerSerializer(many=True, read_only=True)
    ceiling = serializers.SerializerMethodField(help_text="Value ceiling, committed and headroom (authority only)")
    invoiced_by: Any = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Whose VAT invoices members get; null: the sole supplier",
    )

    class Meta:
        model = Framework
        fields = [
            "id",
            "code",
            "name",
            "authority",
            "integrator",
            "suppliers",
            "start",
            "end",
            "towers",
            "ceiling",
            "payment_terms_days",
            "invoiced_by",
        ]

    def get_ceiling(self, framework: Framework) -> dict[str, str] | None:
        user = self.context["request"].user
        if not is_authority_of(user, framework):
            return None
        if hasattr(framework, "committed_total"):  # summed in FrameworkViewSet's query, not one query per row
            committed = framework.committed_total or Decimal("0.00")
            position = selectors.CeilingPosition(framework.value_ceiling, committed)
        else:
            position = selectors.ceiling_position(framework)
        return {
            "value_ceiling": f"{position.ceiling:.2f}",
            "committed": f"{position.committed:.2f}",
            "headroom": f"{position.headroom:.2f}",
        }


class FrameworkInvoicingSerializer(serializers.Serializer[Framework]):
    """What the authority may change of a framework here: how members are invoiced."""

    payment_terms_days = serializers.IntegerField(required=False)
    invoiced_by = VisibleRelatedField(
        slug_field="code", queryset=Organisation.objects.all(), required=False, allow_null=True
    )


class FrameworkViewSet(ScopedViewSetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Frameworks you take part in; the ceiling figures go to the authority only, which may
    `PATCH` the payment terms and who invoices."""

    queryset = Framework.objects.all()
    serializer_class = FrameworkSerializer
    lookup_field = "code"
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(request=FrameworkInvoicingSerializer, responses=FrameworkSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        framework = self.get_object()
        body = FrameworkInvoicingSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        framework = services.framework_invoicing_set(
            actor=self.actor(),
            framework=framework,
            payment_terms_days=data.get("payment_terms_days", framework.payment_terms_days),
            invoiced_by=data.get("invoiced_by", framework.invoiced_by),
        )
        return Response(self.get_serializer(self.refine(Framework.objects.filter(pk=framework.pk)).get()).data)

    def refine(self, queryset: Any) -> Any:
        return (
            queryset.select_related("authority", "integrator")
            .prefetch_related("suppliers", Prefetch("towers", queryset=Tower.objects.select_related("supplier")))
            .annotate(committed_total=Sum("contracts__committed_value"))
            .order_by("code")
        )


class TowerViewSet(ScopedReadOnlyViewSet):
    queryset = Tower.objects.all()
    serializer_class = TowerSerializer
    filterset_fields = ["framework__code", "code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("framework", "supplier")


class BandSerializer(serializers.Serializer[PriceBand]):
    start = serializers.IntegerField(min_value=0, help_text="Framework-wide quantity the band starts from")
    price = serializers.RegexField(r"^\d+(\.\d{1,2})?$", source="price_text", help_text='A price such as "89.00"')


class ServiceSerializer(serializers.ModelSerializer[Service]):
    framework: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    bands = serializers.SerializerMethodField(help_text="Price bands (commercial roles only)")

    class Meta:
        model = Service
        fields = [
            "id",
            "framework",
            "code",
            "name",
            "category",
            "unit",
            "classification",
            "pricing_model",
            "ratchet",
            "bands",
        ]

    def get_bands(self, service: Service) -> list[dict[str, Any]] | None:
        if self.context["request"].user.role not in COMMERCIAL_ROLES:
            return None
        return [{"start": b.start, "price": b.price_text} for b in service.bands.all()]


class ServiceWriteSerializer(serializers.Serializer[Service]):
    framework = VisibleRelatedField(slug_field="code", queryset=Framework.objects.all())
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    category = serializers.CharField()
    unit = serializers.CharField()
    classification = serializers.CharField(default="OFFICIAL")
    pricing_model = serializers.CharField()
    ratchet = serializers.BooleanField(default=False)
    bands = BandSerializer(many=True)


class ServiceViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The catalogue. Authority admins create and change services (POST with the whole service)."""

    queryset = Service.objects.all()
    serializer_class = ServiceSerializer
    filterset_fields = ["framework__code", "category", "code"]

    def refine(self, queryset: Any) -> Any:
        bands = PriceBand.objects.visible_to(self.request.user).order_by("start")
        return queryset.select_related("framework").prefetch_related(Prefetch("bands", queryset=bands))

    def get_serializer_class(self) -> Any:
        return ServiceWriteSerializer if self.action == "create" else ServiceSerializer

    @extend_schema(request=ServiceWriteSerializer, responses=ServiceSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        writer = ServiceWriteSerializer(data=request.data, context=self.get_serializer_context())
        writer.is_valid(raise_exception=True)
        data = writer.validated_data
        service = services.service_save(
            actor=self.actor(),
            framework=data["framework"],
            code=data["code"],
            name=data["name"],
            category=data["category"],
            unit=data["unit"],
            classification=data["classification"],
            pricing_model=data["pricing_model"],
            ratchet=data["ratchet"],
            bands=[(b["start"], b["price_text"]) for b in data["bands"]],
        )
        return Response(
            ServiceSerializer(service, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class ContractLineSerializer(serializers.Serializer[Any]):
    service = serializers.CharField(source="service.code")
    quantity = serializers.IntegerField(min_value=0)
    start = serializers.DateField(required=False, allow_null=True)
    end = serializers.DateField(required=False, allow_null=True)


class ContractChangeSerializer(serializers.Serializer[Any]):
    service = serializers.CharField(source="service.code")
    effective = serializers.DateField()
    quantity = serializers.IntegerField(min_value=0)


class ContractSerializer(serializers.ModelSerializer[CallOffContract]):
    framework = VisibleRelatedField(slug_field="code", queryset=Framework.objects.all())
    member = VisibleRelatedField(slug_field="code", queryset=Organisation.objects.all())
    lines = ContractLineSerializer(many=True)
    changes = ContractChangeSerializer(many=True, required=False)

    class Meta:
        model = CallOffContract
        fields = [
            "id",
            "framework",
            "ref",
            "member",
            "signed",
            "start",
            "end",
            "committed_value",
            "po_number",
            "lines",
            "changes",
        ]
        read_only_fields = ["committed_value"]


class ContractPurchaseOrderSerializer(serializers.Serializer[CallOffContract]):
    po_number = serializers.CharField(allow_blank=True, max_length=64)


class ContractViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,  # type: ignore[type-arg]
):
    """Call-off contracts. POST signs one, fixing its committed value under the ceiling guard;
    the authority may `PATCH` its purchase-order number."""

    allowed_roles = COMMERCIAL_ROLES
    queryset = CallOffContract.objects.all()
    serializer_class = ContractSerializer
    filterset_fields = ["framework__code", "member__code", "ref"]
    ordering_fields = ["signed", "ref", "committed_value"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=ContractPurchaseOrderSerializer, responses=ContractSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        contract = self.get_object()
        body = ContractPurchaseOrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.contract_po_number_set(
            actor=self.actor(), contract=contract, po_number=body.validated_data["po_number"]
        )
        return Response(self.get_serializer(self.refine(CallOffContract.objects.filter(pk=contract.pk)).get()).data)

    def refine(self, queryset: Any) -> Any:
        return (
            queryset.select_related("framework", "member")
            .prefetch_related("lines__service", "changes__service")
            .order_by("framework__code", "signed", "ref")
        )

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.contract_sign(
            actor=self.actor(),
            framework=data["framework"],
            ref=data["ref"],
            member=data["member"],
            signed=data["signed"],
            start=data["start"],
            end=data["end"],
            lines=[
                services.LineInput(line["service"]["code"], line["quantity"], line.get("start"), line.get("end"))
                for line in data["lines"]
            ],
            changes=[
                services.ChangeInput(c["service"]["code"], c["effective"], c["quantity"])
                for c in data.get("changes", [])
            ],
            po_number=data.get("po_number", ""),
        )


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    contract = VisibleRelatedField(slug_field="id", queryset=CallOffContract.objects.all())
    service = serializers.CharField(source="service.code")
    contract_ref = serializers.CharField(source="contract.ref", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "contract", "contract_ref", "service", "date", "quantity"]


class DeliveryViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Day-rate and fixed-price work delivered; the authority records it."""

    allowed_roles = COMMERCIAL_ROLES
    queryset = Delivery.objects.all()
    serializer_class = DeliverySerializer
    filterset_fields = ["contract__framework__code", "contract__member__code", "date"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("contract", "service").order_by("date", "pk")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        contract = data["contract"]
        service = contract.framework.services.filter(code=data["service"]["code"]).first()
        if service is None:
            raise RuleError(f"unknown service {data['service']['code']!r}", field="service")
        serializer.instance = services.delivery_record(
            actor=self.actor(),
            contract=contract,
            service=service,
            date=data["date"],
            quantity=data["quantity"],
        )


class SeatChangeSerializer(serializers.ModelSerializer[SeatChangeRequest]):
    contract = VisibleRelatedField(slug_field="id", queryset=CallOffContract.objects.all())
    service = serializers.CharField(source="service.code")
    requested_by: Any = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    decided_by: Any = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = SeatChangeRequest
        fields = [
            "id",
            "contract",
            "service",
            "effective",
            "quantity",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = ["status", "requested_at", "decided_at", "decision_note"]


class DecisionSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SeatChangeViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Member admins ask for seat changes; the authority approves or rejects them."""

    allowed_roles = COMMERCIAL_ROLES
    queryset = SeatChangeRequest.objects.all()
    serializer_class = SeatChangeSerializer
    filterset_fields = ["status", "contract__ref"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("contract", "service", "requested_by", "decided_by")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        contract = data["contract"]
        service = Service.objects.filter(lines__contract=contract, code=data["service"]["code"]).first()
        if service is None:
            raise RuleError(f"{contract.ref} has no line for {data['service']['code']}", field="service")
        serializer.instance = services.seat_change_request(
            actor=self.actor(),
            contract=contract,
            service=service,
            effective=data["effective"],
            quantity=data["quantity"],
            reason=data.get("reason", ""),
        )

    def _decide(self, request: Request, approve: bool) -> Response:
        seat_request = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = services.seat_change_decide(
            actor=self.actor(),
            request=seat_request,
            approve=approve,
            note=body.validated_data["note"],
        )
        return Response(SeatChangeSerializer(decided, context=self.get_serializer_context()).data)

    @extend_schema(request=DecisionSerializer, responses=SeatChangeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, True)

    @extend_schema(request=DecisionSerializer, responses=SeatChangeSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, False)


def framework_and_month(request: Request) -> tuple[Framework, Month | None]:
    """The framework (?framework=CODE, visible to the caller or 404) and month (?period=YYYY-MM) a report is for."""
    code = request.query_params.get("framework")
    if not code:
        raise RuleError("give ?framework=CODE", field="framework")
    framework = get_visible_or_404(Framework, request.user, code=code)
    period = request.query_params.get("period")
    try:
        return framework, Month.parse(period) if period else None
    except ValueError as exc:
        raise RuleError(f"period: {exc}", field="period") from exc
