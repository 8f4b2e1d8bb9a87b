"""The OpenAPI schema tells the truth about the API: it generates without a warning, names each
serializer once, writes periods as YYYY-MM, marks what can be null, and documents the errors
every operation can answer with the body the exception handler writes."""

from __future__ import annotations

import re
from io import StringIO

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import models
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

import flexhub.api_urls  # noqa: F401  (imports every app's api module, so every serializer is defined)

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_schema_generates_valid_without_warnings(tmp_path):
    """`flexhub spectacular --validate --fail-on-warn`: no guessed serializer, no enum or component
    name collisions, and the result is valid OpenAPI."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=StringIO())
    assert yaml.safe_load(out.read_text())["paths"]


def test_every_serializer_has_its_own_component_name(schema):
    """Two serializers of the same name (a contract's `Line` and another app's) would silently
    share, or fight over, one component; each serializer class is named for what it is."""
    names: dict[str, type] = {}
    for cls in _flexhub_serializers():
        name = cls.__name__.removesuffix("Serializer")
        assert name not in names, f"{cls.__module__}.{cls.__name__} and {names[name].__module__} share {name!r}"
        names[name] = cls
    components = schema["components"]["schemas"]
    assert "ContractLine" in components and "ContractChange" in components
    assert "Line" not in components and "Change" not in components


def test_periods_are_months_not_dates(schema):
    components = schema["components"]["schemas"]
    for name in ("BillingRun", "Invoice"):
        period = components[name]["properties"]["period"]
        assert period.get("format") != "date"
        assert period["pattern"] == MONTH.pattern
    assert components["BillMonthRequest"]["properties"]["period"]["pattern"] == MONTH.pattern
    invoice_filters = {p["name"]: p for p in dict(operations(schema))["GET /api/v1/invoices/"]["parameters"]}
    assert invoice_filters["period"]["schema"]["pattern"] == MONTH.pattern


def test_nullable_relations_are_marked_nullable():
    """A declared field that reads through a nullable model field (an event's actor, an asset's
    holder, a framework's integrator) can answer null, so it must say allow_null: the schema
    marks it nullable from that."""
    wrong = []
    for cls in _flexhub_serializers():
        if not issubclass(cls, serializers.ModelSerializer):
            continue
        model = cls.Meta.model
        for name, field in cls().fields.items():
            if isinstance(field, serializers.ManyRelatedField | serializers.BaseSerializer):
                continue
            if field.source != "*" and not field.allow_null and _nullable(model, field.source):
                wrong.append(f"{cls.__name__}.{name}")
    assert not wrong, f"nullable but not allow_null: {wrong}"


def test_nullable_fields_in_the_schema(schema):
    components = schema["components"]["schemas"]
    for component, prop in [
        ("Framework", "integrator"),
        ("Asset", "assigned_to"),
        ("Event", "actor"),
        ("Event", "tower"),
        ("TicketDetail", "category"),
        ("AuditEntry", "framework"),
        ("Staff", "predecessor"),
        ("SeatChange", "decided_by"),
    ]:
        assert components[component]["properties"][prop].get("nullable") is True, (component, prop)


def test_every_operation_documents_its_errors(schema):
    responses = schema["components"]["responses"]
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert set(error["properties"]) == {"detail", "field"}
    for code, name in [("400", "BadRequest"), ("401", "Unauthorized"), ("403", "Forbidden"), ("404", "NotFound")]:
        assert responses[name]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, code
    for label, operation in operations(schema):
        documented = set(operation["responses"])
        assert {"400", "401", "403"} <= documented, label
        if operation.get("parameters"):
            assert "404" in documented, label
        if "requestBody" in operation:
            assert "413" in documented, label
    if settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_CLASSES"):
        assert "Retry-After" in responses["TooManyRequests"]["headers"]
        for label, operation in operations(schema):
            assert "429" in operation["responses"], label
    ops = dict(operations(schema))
    assert "404" not in ops["GET /api/v1/me/"]["responses"]
    assert ops["POST /api/v1/billing-runs/"]["responses"]["409"] == {"$ref": "#/components/responses/Conflict"}
    assert "409" in ops["POST /api/v1/billing-runs/{id}/issue/"]["responses"]
    assert "409" not in ops["POST /api/v1/tickets/"]["responses"]


def test_responses_name_what_is_returned(schema):
    ops = dict(operations(schema))
    assert _ref(ops["PATCH /api/v1/people/{id}/"]["responses"]["200"]) == "Person"
    assert _ref(ops["GET /api/v1/me/"]["responses"]["200"]) == "Me"
    assert _ref(ops["POST /api/v1/billing-runs/{id}/issue/"]["responses"]["200"]) == "IssuedInvoices"
    ticket_filters = {p["name"] for p in ops["GET /api/v1/tickets/"]["parameters"]}
    assert {"member", "priority", "state", "breached", "tower", "after"} <= ticket_filters
    assert "page" not in ticket_filters  # the queue is paged by key, not by number
    queue = ops["GET /api/v1/tickets/"]["responses"]["200"]
    assert _ref(queue) == "TicketQueuePage"
    assert ops["GET /api/v1/tickets/"]["operationId"] == "v1_tickets_list"
    scorecard_params = {p["name"] for p in ops["GET /api/v1/scorecards/"]["parameters"]}
    assert {"framework", "from", "to"} <= scorecard_params
    assert "q" in {p["name"] for p in ops["GET /api/v1/staff/"]["parameters"]}
    # A step on a ticket answers the ticket, or only `detail` once the ticket has left the caller's sight.
    step = schema["components"]["schemas"][_ref(ops["POST /api/v1/tickets/{id}/reassign/"]["responses"]["200"])]
    assert step["oneOf"] == [{"$ref": "#/components/schemas/TicketDetail"}, {"$ref": "#/components/schemas/TicketLeft"}]
    sla = {p["name"]: p for p in ops["GET /api/v1/sla/"]["parameters"]}
    assert sla["period"]["schema"]["pattern"] == MONTH.pattern


def _ref(response):
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def _flexhub_serializers():
    seen, todo = [], [serializers.Serializer]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("flexhub.") and ".tests." not in sub.__module__ and sub not in seen:
                seen.append(sub)
    return seen


def _nullable(model, source):
    """Whether following `source` (`contract.ref`) from `model` passes a nullable model field."""
    for part in source.split("."):
        try:
            field = model._meta.get_field(part)
        except Exception:
            return False  # a property or method: not a column
        if getattr(field, "null", False):
            return True
        if not isinstance(field, models.ForeignKey | models.OneToOneField):
            return False
        model = field.related_model
    return False
