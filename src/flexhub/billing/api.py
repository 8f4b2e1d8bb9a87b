"""API for billing runs, invoices with their lines, credit notes and the what-if simulator."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from flexhub.billing import services
from flexhub.billing.documents import pdf_response
from flexhub.billing.models import BillingRun, CreditNote, CreditNotePdf, Invoice, InvoiceLine, InvoicePdf, Payment
from flexhub.billing.selectors import aged_debt_for, invoice_balance, with_balances
from flexhub.billing.sla_report import sla_month_report
from flexhub.billing.whatif import parse_joiners, whatif_for_member, whatif_report
from flexhub.core.api_base import (
    MONTH_SCHEMA,
    KeysetPagination,
    MonthField,
    MonthFilter,
    ScopedReadOnlyViewSet,
    ScopedViewSetMixin,
    VisibleRelatedField,
)
from flexhub.core.errors import RuleError
from flexhub.core.roles import Role
from flexhub.core.tenancy import get_visible_or_404, is_authority_of
from flexhub.frameworks.api import framework_and_month
from flexhub.frameworks.models import COMMERCIAL_ROLES, Framework
from flexhub.rules.money import money_text
from flexhub.rules.periods import Month

JSONRenderer = renderers.JSONRenderer


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for `application/pdf`; the document itself is returned as it was stored."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


def _month(text: str, field: str = "period") -> Month:
    try:
        return Month.parse(text)
    except (ValueError, TypeError) as exc:
        raise RuleError(f"{field}: {exc}", field=field) from exc


class BillingRunSerializer(serializers.ModelSerializer[BillingRun]):
    framework: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period = MonthField(read_only=True)

    class Meta:
        model = BillingRun
        fields = ["id", "framework", "period", "pools", "ran_at", "ran_by"]


class BillMonthSerializer(serializers.Serializer[Any]):
    framework = VisibleRelatedField(slug_field="code", queryset=Framework.objects.all())
    period = MonthField()


class BillingRunViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Billing runs (authority only). POST bills a month; POST {id}/issue/ issues its drafts."""

    allowed_roles = frozenset({Role.AUTHORITY_ADMIN})
    conflict_actions = frozenset({"create", "issue"})  # the month's billing run is locked NOWAIT: 409 when busy
    queryset = BillingRun.objects.all()
    serializer_class = BillingRunSerializer
    filterset_fields = ["framework__code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("framework").order_by("framework__code", "-period")

    @extend_schema(request=BillMonthSerializer, responses=BillingRunSerializer)
    def create(self, request: Request) -> Response:
        body = BillMonthSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        run = services.billing_run(
            actor=self.actor(),
            framework=body.validated_data["framework"],
            month=Month.of(body.validated_data["period"]),
        )
        return Response(BillingRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "IssuedInvoices", {"issued": serializers.ListField(child=serializers.CharField(), help_text="Numbers")}
        ),
    )
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        issued = services.billing_issue(actor=self.actor(), framework=run.framework, month=Month.of(run.period))
        return Response({"issued": [i.number for i in issued]})

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def bill(self, request: Request, pk: str | None = None) -> Response:
        """The month in the `flexhub bill --json` format."""
        return Response(services.bill_json(self.get_object()))


class InvoiceLineSerializer(serializers.ModelSerializer[InvoiceLine]):
    service = serializers.CharField(source="service_code")

    class Meta:
        model = InvoiceLine
        fields = [
            "seq",
            "kind",
            "service",
            "contract_ref",
            "priority",
            "quantity",
            "days",
            "first_day",
            "last_day",
            "unit_price",
            "amount",
            "explanation",
        ]


class InvoiceSupplierSerializer(serializers.Serializer[Invoice]):
    """Who supplies and invoices, as fixed on the invoice when it was issued (empty on a draft)."""

    name = serializers.CharField(source="supplier_name", read_only=True)
    address = serializers.CharField(source="supplier_address", read_only=True)
    vat_number = serializers.CharField(source="supplier_vat_number", read_only=True)


class InvoiceCustomerSerializer(serializers.Serializer[Invoice]):
    """The member invoiced, as fixed on the invoice when it was issued (empty on a draft)."""

    name = serializers.CharField(source="customer_name", read_only=True)
    address = serializers.CharField(source="customer_address", read_only=True)


class BalanceSerializer(serializers.Serializer[Any]):
    owed = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Total less credit notes and payments")
    status = serializers.ChoiceField(choices=["open", "part paid", "paid", "overdue"])


class InvoiceSerializer(serializers.ModelSerializer[Invoice]):
    framework: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    member: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period = MonthField(read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    supplier = InvoiceSupplierSerializer(source="*", read_only=True)
    customer = InvoiceCustomerSerializer(source="*", read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "framework",
            "member",
            "period",
            "number",
            "status",
            "issued_at",
            "vat_rate",
            "net",
            "vat",
            "total",
            "pooling_saving",
            "issued_on",
            "tax_point",
            "due_on",
            "po_number",
            "supplier",
            "customer",
            "balance",
            "pdf_sha256",
            "lines",
        ]

    balance = serializers.SerializerMethodField()
    pdf_sha256 = serializers.CharField(
        source="pdf_document.sha256", read_only=True, allow_null=True, default=None, help_text="Null on a draft"
    )

    @extend_schema_field(BalanceSerializer(allow_null=True))
    def get_balance(self, invoice: Invoice) -> dict[str, Any] | None:
        """What is still owed and the payment status; null on a draft."""
        if not invoice.is_issued:
            return None
        balance = invoice_balance(invoice, timezone.localdate())
        return {"owed": money_text(balance.owed), "status": balance.status}


class InvoiceFilter(django_filters.FilterSet):  # type: ignore[misc]
    period = MonthFilter()

    class Meta:
        model = Invoice
        fields = ["framework__code", "member__code", "status", "period", "number"]


class InvoiceViewSet(ScopedReadOnlyViewSet):
    """Invoices: the authority's frameworks' or the member's own. Agents and integrators: none."""

    allowed_roles = COMMERCIAL_ROLES
    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    pagination_class = KeysetPagination
    keyset_ordering = ("-period", "member__code", "pk")

    def refine(self, queryset: Any) -> Any:
        return with_balances(
            queryset.select_related("framework", "member", "pdf_document")
            .defer("pdf_document__pdf")
            .prefetch_related("lines")
            .order_by("-period", "member__code")
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The issued invoice's PDF as it was made and sent at issue; 404 for a draft."""
        invoice = self.get_object()
        document = InvoicePdf.objects.filter(invoice=invoice).first()
        if document is None:
            raise exceptions.NotFound("A draft has no PDF: it is made when the invoice is issued.")
        return pdf_response(document.pdf, f"{invoice.number}.pdf", document.sha256)


class CreditNoteSerializer(serializers.ModelSerializer[CreditNote]):
    invoice = VisibleRelatedField(slug_field="id", queryset=Invoice.objects.all())
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, allow_null=True)
    net = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Omit to credit the whole remaining amount",
    )

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "number",
            "reason",
            "net",
            "vat",
            "total",
            "issued_at",
            "issued_by",
        ]
        read_only_fields = ["number", "vat", "total", "issued_at", "issued_by"]


class CreditNoteViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Credit notes; the authority issues one against an issued invoice (full or partial, with a reason)."""

    allowed_roles = COMMERCIAL_ROLES
    queryset = CreditNote.objects.all()
    serializer_class = CreditNoteSerializer
    filterset_fields = ["invoice", "framework__code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("invoice")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.credit_note_issue(
            actor=self.actor(), invoice=data["invoice"], net=data.get("net"), reason=data["reason"]
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The credit note's PDF as it was made and sent when issued."""
        note = self.get_object()
        document = CreditNotePdf.objects.get(credit_note=note)
        return pdf_response(document.pdf, f"{note.number}.pdf", document.sha256)


class PaymentSerializer(serializers.ModelSerializer[Payment]):
    invoice = VisibleRelatedField(slug_field="id", queryset=Invoice.objects.all())
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "invoice", "invoice_number", "received_on", "amount", "reference", "recorded_at", "recorded_by"]
        read_only_fields = ["recorded_at", "recorded_by"]


class PaymentViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Payments received against issued invoices; the authority records one (part payments add up)."""

    allowed_roles = COMMERCIAL_ROLES
    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    filterset_fields = ["invoice", "invoice__framework__code", "invoice__member__code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("invoice").order_by("-received_on", "-pk")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.payment_record(
            actor=self.actor(),
            invoice=data["invoice"],
            received_on=data["received_on"],
            amount=data["amount"],
            reference=data["reference"],
        )


class AgedDebtMemberSerializer(serializers.Serializer[Any]):
    member = serializers.CharField()
    name = serializers.CharField()
    current = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Owed, not yet due")
    days_1_30 = serializers.DecimalField(max_digits=16, decimal_places=2)
    days_31_60 = serializers.DecimalField(max_digits=16, decimal_places=2)
    days_61_90 = serializers.DecimalField(max_digits=16, decimal_places=2)
    days_over_90 = serializers.DecimalField(max_digits=16, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


AGED_DEBT_KEYS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_over_90")


@extend_schema(
    parameters=[OpenApiParameter("framework", str, required=False, description="A framework's code; all when omitted")],
    responses={
        200: inline_serializer(
            "AgedDebt",
            {"as_of": serializers.DateField(), "members": AgedDebtMemberSerializer(many=True)},
        )
    },
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def aged_debt_report(request: Request) -> Response:
    """What each member owes on issued invoices by days past due; a member admin sees its own row."""
    user: Any = request.user
    if user.role not in COMMERCIAL_ROLES:
        raise exceptions.PermissionDenied(f"A {Role(user.role).label.lower()} cannot see what members owe.")
    today = timezone.localdate()
    rows, _ = aged_debt_for(user, request.query_params.get("framework"), today)
    members = [
        {
            "member": row.member,
            "name": row.name,
            **{key: money_text(amount) for key, amount in zip(AGED_DEBT_KEYS, row.amounts, strict=True)},
            "total": money_text(row.total),
        }
        for row in rows
    ]
    return Response({"as_of": today.isoformat(), "members": members})


@extend_schema(
    parameters=[
        OpenApiParameter("framework", str, required=True),
        OpenApiParameter("period", MONTH_SCHEMA, required=True),
        OpenApiParameter("join", str, required=True, many=True, description="NAME=SEATS, repeatable"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def whatif(request: Request) -> Response:
    """The what-if simulator; a member admin gets the pools, the prices and its own charge only."""
    user: Any = request.user
    if user.role not in COMMERCIAL_ROLES:
        return Response({"detail": "This role cannot use the what-if simulator."}, status=403)
    code = request.query_params.get("framework")
    if not code:
        raise RuleError("give ?framework=CODE&period=YYYY-MM&join=NAME=SEATS", field="framework")
    framework = get_visible_or_404(Framework, user, code=code)
    report = whatif_report(
        framework,
        _month(request.query_params.get("period", "")),
        parse_joiners(request.query_params.getlist("join")),
    )
    if not is_authority_of(user, framework):
        report = whatif_for_member(report, user.organisation.code)
    return Response(report)


@extend_schema(
    parameters=[
        OpenApiParameter("framework", str, required=True),
        OpenApiParameter("period", MONTH_SCHEMA, required=True),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def sla_report(request: Request) -> Response:
    """The month's SLA report, as `flexhub sla --json` prints it (authority and integrator)."""
    user: Any = request.user
    if user.role not in (Role.AUTHORITY_ADMIN, Role.INTEGRATOR):
        return Response({"detail": "This role cannot see SLA reports."}, status=403)
    framework, month = framework_and_month(request)
    if month is None:
        raise RuleError("give ?period=YYYY-MM", field="period")
    report = sla_month_report(framework, month)
    if user.role == Role.INTEGRATOR:
        report.pop("credits")  # credits are money: the integrator sees no invoices
    return Response(report)
