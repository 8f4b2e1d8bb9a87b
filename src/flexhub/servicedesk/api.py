"""API of the service desk: tickets (queues, raising, every step), events, SLA reports, scorecards."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from flexhub.core.api_base import (
    MONTH_SCHEMA,
    ScopedReadOnlyViewSet,
    ScopedViewSetMixin,
    VisibleRelatedField,
    api_datetime,
)
from flexhub.core.compiled import ScopedRows
from flexhub.core.errors import RuleError
from flexhub.core.roles import Role
from flexhub.frameworks.api import framework_and_month
from flexhub.frameworks.models import Framework, Service, Tower
from flexhub.servicedesk import services
from flexhub.servicedesk.forms import QueueFilterForm
from flexhub.servicedesk.models import MEMBER_ROLES, Ticket, TicketEvent, TicketKind
from flexhub.servicedesk.queues import QUEUE_ROW_FIELDS, QUEUE_TIMES, QueueKey, QueueRow, queue_page
from flexhub.servicedesk.scorecards import framework_scorecards, month_range


class EventSerializer(serializers.ModelSerializer[TicketEvent]):
    tower: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    actor: Any = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    ticket: Any = serializers.SlugRelatedField(slug_field="ref", read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "ticket", "seq", "at", "type", "tower", "actor", "note", "internal"]


class TicketSerializer(serializers.ModelSerializer[Ticket]):
    framework: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    member: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    current_tower: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "ref",
            "framework",
            "member",
            "kind",
            "priority",
            "title",
            "status",
            "current_tower",
            "opened_at",
            "responded_at",
            "resolved_at",
            "respond_due_at",
            "resolve_due_at",
            "next_due_at",
            "response_breached_at",
            "resolution_breached_at",
        ]


def queue_row_json(row: QueueRow) -> dict[str, Any]:
    """A queue row as TicketSerializer writes a ticket, from plain values (lists are read often)."""
    data: dict[str, Any] = {
        "id": row.pk,
        "ref": row.ref,
        "framework": row.framework_code,
        "member": row.member_code,
        "kind": row.kind,
        "priority": row.priority,
        "title": row.title,
        "status": row.status,
        "current_tower": row.tower_code,
    }
    zone = timezone.get_current_timezone()
    for name in QUEUE_TIMES:
        data[name] = api_datetime(getattr(row, name), zone)
    return data


class TicketQueuePageSerializer(serializers.Serializer[Any]):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null at the end of the queue")
    results = TicketSerializer(many=True)


class TicketDetailSerializer(TicketSerializer):
    events = serializers.SerializerMethodField()
    category: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "description", "category", "events"]

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, ticket: Ticket) -> list[dict[str, Any]]:
        return ticket_events_json(ticket, self.context["request"].user)


# A ticket of the API as values, and its events, compiled once per role (core.compiled); the
# scope is Ticket.visible_to's, and the events' that of the ticket just read.
TICKET_ROW = ScopedRows(
    lambda user: Ticket.objects.visible_to(user).values_list(*QUEUE_ROW_FIELDS, "description", "category__code"), "pk"
)
EVENT_ROWS = ScopedRows(
    lambda user: (
        TicketEvent.objects.shown_to(user)
        .order_by("seq")
        .values_list("id", "seq", "at", "type", "tower__code", "actor__username", "note", "internal")
    ),
    "ticket",
)


def ticket_detail_json(pk: Any, user: Any) -> dict[str, Any]:
    """The ticket `pk`, if `user` may see it, as TicketDetailSerializer writes it, from two
    queries of plain values; Http404 otherwise."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    row = TICKET_ROW.first(user, number)
    if row is None:
        raise Http404
    ticket = QueueRow(*row[:-2])
    data = queue_row_json(ticket)
    data["description"], data["category"] = row[-2:]
    data["events"] = ticket_events_json(ticket, user)
    return data


def ticket_events_json(ticket: Ticket | QueueRow, user: Any) -> list[dict[str, Any]]:
    """A visible ticket's events as EventSerializer writes them, read in one query of plain
    values (the ticket is not joined again: its scope is theirs)."""
    zone = timezone.get_current_timezone()
    return [
        {
            "id": pk,
            "ticket": ticket.ref,
            "seq": seq,
            "at": api_datetime(at, zone),
            "type": kind,
            "tower": tower,
            "actor": actor,
            "note": note,
            "internal": internal,
        }
        for pk, seq, at, kind, tower, actor, note, internal in EVENT_ROWS.all(user, ticket.pk)
    ]


class TicketCreateSerializer(serializers.Serializer[Ticket]):
    framework = VisibleRelatedField(slug_field="code", queryset=Framework.objects.all())
    kind = serializers.ChoiceField(choices=TicketKind.choices, default=TicketKind.INCIDENT)
    priority = serializers.ChoiceField(choices=[(p, p) for p in ("P1", "P2", "P3", "P4")])
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(required=False, allow_blank=True, help_text="Service code")


class NoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    internal = serializers.BooleanField(required=False, default=False)


class ReassignSerializer(serializers.Serializer[Any]):
    tower = serializers.CharField(help_text="Tower code")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TicketLeftSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="The step is done, and the ticket has left the caller's queue")


# A step answers the ticket as it now is, or, when the step took it out of the caller's sight (an
# agent reassigning it to another supplier's tower), only that it is done.
TICKET_STEP_RESULT = PolymorphicProxySerializer(
    component_name="TicketStepResult",
    serializers=[TicketDetailSerializer, TicketLeftSerializer],
    resource_type_field_name=None,
)


def _queue_filter(name: str, field: forms.Field) -> OpenApiParameter:
    choices = cast(list[tuple[str, str]], field.choices) if isinstance(field, forms.ChoiceField) else []
    return OpenApiParameter(
        name, str, description=str(field.label or ""), enum=[value for value, _ in choices if value] or None
    )


# The queue's filters, as the page's filter form takes them.
QUEUE_FILTERS = [_queue_filter(name, field) for name, field in QueueFilterForm.base_fields.items()]


class TicketViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Tickets, soonest breach first. Filters: member, priority, state (open, awaiting_customer,
    resolved, closed, all), breached (yes/no), tower. Members POST to raise one; the steps of
    working a ticket are POST actions on it."""

    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    pagination_class = None
    keyset_paged = True  # the list answers {"next", "results"} (core.api_schema)
    filter_backends: list[Any] = []
    # Raising a ticket emails the desk: a tighter rate than other calls (core.throttling).
    create_throttle_scope = "tickets-raise"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("framework", "member", "current_tower", "category")

    @extend_schema(
        parameters=[*QUEUE_FILTERS, OpenApiParameter("after", str, description="The `next` key of the page before")],
        responses=TicketQueuePageSerializer,
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page of the queue, paged by key: `next` is the address of the next page (null at the
        end). There is no count: a queue of any length costs the same per page."""
        params = request.query_params.copy()
        token = params.pop("after", [""])[-1]
        filters: dict[str, Any] = {}
        if params:  # a form costs a copy of its fields: none for the plain queue
            form = QueueFilterForm(params)
            if not form.is_valid():
                raise RuleError("; ".join(f"{k}: {v[0]}" for k, v in form.errors.items()))
            filters = form.cleaned_data
        after = QueueKey.from_token(token) if token else None
        page = queue_page(request.user, filters, after=after)
        next_url = None
        if page.next_key is not None:
            params["after"] = page.next_key.token()
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response({"next": next_url, "results": [queue_row_json(row) for row in page.rows]})

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(ticket_detail_json(kwargs["pk"], request.user))

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return TicketDetailSerializer
        if self.action == "create":
            return TicketCreateSerializer
        return TicketSerializer

    @extend_schema(request=TicketCreateSerializer, responses=TicketDetailSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user: Any = request.user
        if user.role not in MEMBER_ROLES:
            return Response({"detail": "Only a member's people raise tickets."}, status=403)
        body = TicketCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        category = None
        if data.get("category"):
            category = (
                Service.objects.visible_to(user).filter(framework=data["framework"], code=data["category"]).first()
            )
            if category is None:
                raise RuleError(f"unknown service {data['category']!r}", field="category")
        ticket = services.ticket_raise(
            actor=self.actor(),
            framework=data["framework"],
            member=user.organisation,
            kind=data["kind"],
            priority=data["priority"],
            title=data["title"],
            description=data["description"],
            category=category,
        )
        return Response(ticket_detail_json(ticket.pk, user), status=status.HTTP_201_CREATED)

    def _step(self, request: Request, fn: Any, **extra: Any) -> Response:
        ticket = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fn(actor=self.actor(), ticket=ticket, **extra, **self._note_args(fn, body.validated_data))
        try:
            return Response(ticket_detail_json(ticket.pk, request.user))
        except Http404:
            return Response({"detail": "Done; the ticket has left your queue."})

    @staticmethod
    def _note_args(fn: Any, data: dict[str, Any]) -> dict[str, Any]:
        if fn is services.ticket_close:
            return {}
        if fn is services.ticket_comment:
            return {"note": data["note"], "internal": data["internal"]}
        return {"note": data["note"]}

    @extend_schema(request=NoteSerializer, responses=TICKET_STEP_RESULT)
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, services.ticket_respond)

    @extend_schema(request=NoteSerializer, responses=TICKET_STEP_RESULT)
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, services.ticket_comment)

    @extend_schema(request=NoteSerializer, responses=TICKET_STEP_RESULT)
    @action(detail=True, methods=["post"], url_path="await")
    def await_customer(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, services.ticket_await_customer)

    @extend_schema(request=NoteSerializer, responses=TICKET_STEP_RESULT)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, services.ticket_resume)

    @extend_schema(request=ReassignSerializer, responses=TICKET_STEP_RESULT)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        body = ReassignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tower = Tower.objects.filter(framework=ticket.framework, code=body.validated_data["tower"]).first()
        if tower is None:
            raise RuleError(f"unknown tower {body.validated_data['tower']!r}", field="tower")
        return self._step(request, services.ticket_reassign, tower=tower)

    @extend_schema(request=NoteSerializer, responses=TICKET_STEP_RESULT)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, services.ticket_resolve)

    @extend_schema(request=NoteSerializer, responses=TICKET_STEP_RESULT)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, services.ticket_reopen)

    @extend_schema(request=None, responses=TICKET_STEP_RESULT)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, services.ticket_close)


class TicketEventViewSet(ScopedReadOnlyViewSet):
    """Ticket events; internal notes are never shown to the member's people."""

    queryset = TicketEvent.objects.all()
    serializer_class = EventSerializer
    filterset_fields = ["ticket__ref", "type"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("ticket", "tower", "actor").order_by("ticket_id", "seq")


@extend_schema(
    parameters=[
        OpenApiParameter("framework", str, required=True),
        OpenApiParameter(
            "from",
            MONTH_SCHEMA,
            description="First month; with `to`, else the latest months with tickets in the term, up to twelve",
        ),
        OpenApiParameter("to", MONTH_SCHEMA, description="Last month, at most 36 after `from`"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def scorecards(request: Request) -> Response:
    """Supplier scorecards per tower and month (authority and integrator)."""
    user: Any = request.user
    if user.role not in (Role.AUTHORITY_ADMIN, Role.INTEGRATOR):
        return Response({"detail": "This role cannot see scorecards."}, status=403)
    framework, _ = framework_and_month(request)
    first, last, problem = month_range(request.query_params.get("from", ""), request.query_params.get("to", ""))
    if problem:
        raise RuleError(problem, field="from")
    card = framework_scorecards(framework, first, last)
    return Response(
        {
            "framework": framework.code,
            "from": card["first"],
            "to": card["last"],
            "default_window": card["default_window"],
            "towers": [
                {
                    "tower": r["tower"].code,
                    "supplier": r["tower"].supplier.code,
                    "month": r["month"],
                    "received": r["cell"].received,
                    "responded": r["cell"].responded,
                    "responded_in_target_percent": r["cell"].response_rate,
                    "resolved": r["cell"].resolved,
                    "resolved_in_target_percent": r["cell"].resolution_rate,
                    "held_hours": r["cell"].held_hours,
                    "reassigned_in": r["cell"].reassigned_in,
                    "reassigned_out": r["cell"].reassigned_out,
                }
                for r in card["rows"]
            ],
        }
    )
