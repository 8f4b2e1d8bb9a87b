"""Rollout API: templates (the authority keeps them), programmes (a member admin starts them from
a template; each carries its stages, waves, measured progress and state), their stages (which a
member admin re-plans, checks off and completes), and waves."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from flexhub.core.api_base import ScopedViewSetMixin, VisibleRelatedField
from flexhub.core.errors import RuleError
from flexhub.frameworks.models import CallOffContract, Framework, Service
from flexhub.rollout import selectors, services
from flexhub.rollout.models import ROLLOUT_ROLES, Programme, ProgrammeStage, RolloutTemplate, TemplateStage, Wave


class TemplateStageSerializer(serializers.ModelSerializer[TemplateStage]):
    depends_on = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    checklist = serializers.ListField(child=serializers.CharField(max_length=300), required=False, default=list)

    class Meta:
        model = TemplateStage
        fields = ["key", "name", "duration_days", "depends_on", "checklist", "is_waves"]
        extra_kwargs: dict[str, Any] = {"key": {"validators": []}}


class RolloutTemplateSerializer(serializers.ModelSerializer[RolloutTemplate]):
    framework: Any = VisibleRelatedField(slug_field="code", queryset=Framework.objects.all())
    stages = TemplateStageSerializer(many=True)

    class Meta:
        model = RolloutTemplate
        fields = ["id", "framework", "code", "name", "description", "updated_at", "stages"]
        read_only_fields = ["updated_at"]
        validators: list[Any] = []


class RolloutTemplateViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Templates of the frameworks you take part in. POST (authority admins) creates a template or
    replaces one of the same code: programmes already started keep their copy."""

    allowed_roles = ROLLOUT_ROLES
    queryset = RolloutTemplate.objects.all()
    serializer_class = RolloutTemplateSerializer
    filterset_fields = ["framework__code", "code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("framework").prefetch_related("stages")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.template_save(
            actor=self.actor(),
            framework=data["framework"],
            code=data["code"],
            name=data["name"],
            description=data.get("description", ""),
            stages=[
                services.StageInput(
                    key=s["key"],
                    name=s["name"],
                    duration_days=s["duration_days"],
                    depends_on=tuple(s.get("depends_on", ())),
                    checklist=tuple(s.get("checklist", ())),
                    is_waves=s.get("is_waves", False),
                )
                for s in data["stages"]
            ],
        )


class ProgrammeStageSerializer(serializers.ModelSerializer[ProgrammeStage]):
    slippage_days = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProgrammeStage
        fields = list(selectors.STAGE_FIELDS)  # what stage_json writes, so the schema and the answers agree


class StageWithProgrammeSerializer(ProgrammeStageSerializer):
    """A stage on its own, with the programme it belongs to."""

    programme = serializers.CharField(read_only=True, help_text="The programme's code")
    member = serializers.CharField(read_only=True, help_text="The member's code")

    class Meta(ProgrammeStageSerializer.Meta):
        fields = ["programme", "member", *selectors.STAGE_FIELDS]


class StageChecklistSerializer(serializers.Serializer[Any]):
    checked = serializers.ListField(
        child=serializers.CharField(max_length=300), help_text="The checklist's items done so far (the rest are not)"
    )


class StageCompleteSerializer(serializers.Serializer[Any]):
    completed_on = serializers.DateField()
    checked = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        help_text="The checklist's items, checked as the stage completes (default: those already checked)",
    )


class StageReplanSerializer(serializers.Serializer[Any]):
    duration_days = serializers.IntegerField(min_value=1, max_value=3650)
    not_before = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class WaveSerializer(serializers.Serializer[Any]):
    """A wave with its progress, measured from the asset register and the directory."""

    id = serializers.IntegerField()
    programme = serializers.CharField()
    number = serializers.IntegerField()
    site = serializers.CharField()
    seats = serializers.IntegerField()
    baseline_date = serializers.DateField()
    planned_date = serializers.DateField()
    deployed = serializers.IntegerField()
    staff = serializers.IntegerField()
    moved = serializers.IntegerField()
    complete = serializers.BooleanField()
    seat_request = serializers.IntegerField(allow_null=True)


class ProgrammeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    member = serializers.CharField(read_only=True)
    framework = serializers.CharField(read_only=True)
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    template = serializers.IntegerField(write_only=True, help_text="The template's id")
    template_name = serializers.CharField(read_only=True)
    start = serializers.DateField()
    sites = serializers.ListField(
        child=serializers.CharField(max_length=200), write_only=True, required=False, default=list
    )
    contract = serializers.CharField(required=False, allow_null=True, default=None, help_text="Contract ref")
    service = serializers.CharField(required=False, allow_null=True, default=None, help_text="Service code")
    state = serializers.CharField(read_only=True)
    seats = serializers.IntegerField(read_only=True)
    seats_to_move = serializers.IntegerField(read_only=True)
    baseline_finish = serializers.DateField(read_only=True)
    planned_finish = serializers.DateField(read_only=True)
    slippage_days = serializers.IntegerField(read_only=True)
    stages = ProgrammeStageSerializer(many=True, read_only=True)
    waves = WaveSerializer(many=True, read_only=True)


class ProgrammeViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Programmes with their stages, waves (measured) and state: the authority's members' or your
    own. POST (member admins) starts one from a template with its sites."""

    allowed_roles = ROLLOUT_ROLES
    queryset = Programme.objects.all()
    serializer_class = ProgrammeSerializer
    pagination_class = None  # the list answers every programme as one array (the schema says so)
    filterset_fields = ["member__code", "code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("contract", "service").order_by("member__code", "code")

    def list(self, request: Request) -> Response:
        rows = selectors.programme_rows(self.filter_queryset(self.get_queryset()))
        return Response([selectors.programme_json(r) for r in rows])

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(selectors.programme_json(selectors.programme_row(self.get_object())))

    def create(self, request: Request) -> Response:
        body = ProgrammeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user: Any = request.user
        template = RolloutTemplate.objects.visible_to(user).filter(pk=data["template"]).first()
        if template is None:
            raise RuleError("no such template", field="template")
        contract = service = None
        if data["contract"]:
            contract = CallOffContract.objects.visible_to(user).filter(ref=data["contract"]).first()
            if contract is None:
                raise RuleError(f"no contract {data['contract']!r}", field="contract")
        if data["service"]:
            service = Service.objects.filter(framework=template.framework, code=data["service"]).first()
            if service is None:
                raise RuleError(f"no service {data['service']!r} in {template.framework.code}", field="service")
        programme = services.programme_start(
            actor=self.actor(),
            template=template,
            member=user.organisation,
            programme=services.ProgrammeInput(
                code=data["code"],
                name=data["name"],
                start=data["start"],
                waves=[services.WaveInput(site) for site in data["sites"]],
                contract=contract,
                service=service,
            ),
        )
        return Response(selectors.programme_json(selectors.programme_row(programme)), status=status.HTTP_201_CREATED)


class ProgrammeStageViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Programme stages. A member admin POSTs {id}/checklist/ with the items done so far,
    {id}/complete/ once every item is checked, and {id}/replan/ to move a stage still open."""

    allowed_roles = ROLLOUT_ROLES
    queryset = ProgrammeStage.objects.all()
    serializer_class = StageWithProgrammeSerializer
    pagination_class = None  # a programme's stages are few; the list answers them as one array
    filterset_fields = ["programme__member__code", "programme__code"]

    def refine(self, queryset: Any) -> Any:
        return queryset.select_related("programme__member").order_by(
            "programme__member__code", "programme__code", "position"
        )

    def list(self, request: Request) -> Response:
        return Response([_stage_json(s) for s in self.filter_queryset(self.get_queryset())])

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(_stage_json(self.get_object()))

    def _step(self, request: Request, body_class: type[serializers.Serializer[Any]], step: Any) -> Response:
        """A member admin's step on a stage: the stage first (out of scope: 404, whatever the
        body), then the body, then the service; the answer is the stage as it now is."""
        stage = self.get_object()
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(_stage_json(step(actor=self.actor(), stage=stage, **body.validated_data)))

    @extend_schema(request=StageChecklistSerializer, responses=StageWithProgrammeSerializer)
    @action(detail=True, methods=["post"])
    def checklist(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, StageChecklistSerializer, services.stage_checklist)

    @extend_schema(request=StageCompleteSerializer, responses=StageWithProgrammeSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, StageCompleteSerializer, services.stage_complete)

    @extend_schema(request=StageReplanSerializer, responses=StageWithProgrammeSerializer)
    @action(detail=True, methods=["post"])
    def replan(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, StageReplanSerializer, services.stage_replan)


def _stage_json(stage: ProgrammeStage) -> dict[str, Any]:
    return {"programme": stage.programme.code, "member": stage.programme.member.code, **selectors.stage_json(stage)}


class WaveViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Waves with their measured progress. POST {id}/seat-change/ asks for the seat change a
    completed wave calls for, filled in from the contract unless given."""

    allowed_roles = ROLLOUT_ROLES
    queryset = Wave.objects.all()
    serializer_class = WaveSerializer
    pagination_class = None  # the list answers every wave as one array (the schema says so)
    filterset_fields = ["programme__code", "site"]

    def _rows(self, waves: Any) -> dict[int, selectors.WaveRow]:
        programmes = Programme.objects.filter(pk__in=waves.values("programme_id"))
        return {w.wave.pk: w for row in selectors.programme_rows(programmes) for w in row.waves}

    def list(self, request: Request) -> Response:
        waves = self.filter_queryset(self.get_queryset()).order_by("programme_id", "number")
        measured = self._rows(waves)
        return Response([selectors.wave_json(measured[w.pk]) for w in waves])

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        wave = self.get_object()
        return Response(selectors.wave_json(self._rows(Wave.objects.filter(pk=wave.pk))[wave.pk]))

    @extend_schema(request=None, responses=WaveSerializer)
    @action(detail=True, methods=["post"], url_path="seat-change")
    def seat_change(self, request: Request, pk: str | None = None) -> Response:
        wave = self.get_object()
        row = self._rows(Wave.objects.filter(pk=wave.pk))[wave.pk]
        suggestion = services.wave_seat_change_suggestion(wave, row.moved)
        if suggestion is None:
            raise RuleError("the programme names no contract and service to change", field="contract")
        services.wave_seat_change(actor=self.actor(), wave=wave, **suggestion)
        wave.refresh_from_db()
        return Response(selectors.wave_json(self._rows(Wave.objects.filter(pk=wave.pk))[wave.pk]))
