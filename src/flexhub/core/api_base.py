"""Base API pieces: scoped viewsets, scoped related fields and JSON errors."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import models
from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, renderers, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from flexhub.core.audit import Actor
from flexhub.core.errors import Conflict, RuleError
from flexhub.core.roles import Role
from flexhub.core.tenancy import ALL_ROLES
from flexhub.rules.periods import Month


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus a service's `RuleError` as a 400 naming the field at fault (a
    `Conflict` with the work in progress as a 409), and a request Django refuses to read (a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE: 413; too many fields or files: 400) as JSON too.

    Every error body has `detail`, and `field` where one input is at fault (the schema's `Error`,
    core.api_schema); a serializer's messages also stay under each input's name. It is JSON even
    where the client asked for another format (a PDF): the error is not that document."""
    _answer_in_json(context.get("request"))
    if isinstance(exc, RuleError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=409 if isinstance(exc, Conflict) else 400)
    if isinstance(exc, SuspiciousOperation):
        return _refused_request(exc, context)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = _led_by_detail(response.data)
    return response


def _answer_in_json(request: Any) -> None:
    """Render the error with JSON unless the client chose JSON or the browsable API already."""
    chosen = getattr(request, "accepted_renderer", None)
    if chosen is not None and not isinstance(chosen, renderers.JSONRenderer | renderers.BrowsableAPIRenderer):
        request.accepted_renderer = renderers.JSONRenderer()
        request.accepted_media_type = renderers.JSONRenderer.media_type


def _refused_request(exc: SuspiciousOperation, context: dict[str, Any]) -> Response:
    """What Django would answer with its HTML 400 page, as a JSON error; logged like Django does."""
    status, detail = 400, "The request is malformed."
    if isinstance(exc, RequestDataTooBig):
        status, detail = 413, f"The request body is over the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes accepted."
    elif isinstance(exc, TooManyFieldsSent):
        detail = f"The request has more than the {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields accepted."
    request = context.get("request")
    logging.getLogger(f"django.security.{type(exc).__name__}").warning(
        str(exc), extra={"status_code": status, "request": getattr(request, "_request", request)}
    )
    return Response({"detail": detail}, status=status)


def _first_message(errors: Any, path: str) -> tuple[str, str] | None:
    """The first message in a serializer's errors, with where it sits (`lines[1].service`)."""
    if isinstance(errors, dict):  # a serializer's fields, or a list serializer's items by index
        for key, value in errors.items():
            found = _first_message(value, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}".lstrip("."))
            if found:
                return found
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            found = _first_message(value, f"{path}[{index}]" if isinstance(value, dict | list) else path)
            if found:
                return found
    elif errors:
        return path, str(errors)
    return None


def _led_by_detail(errors: Any) -> dict[str, Any]:
    """A serializer's errors led by `detail` (the first message, saying where) and `field` (its input)."""
    found = _first_message(errors, "")
    body: dict[str, Any] = {"detail": "The input is invalid."}
    if found:
        where, message = found
        top = where.split(".")[0].split("[")[0]
        body["detail"] = f"{where}: {message}" if top and top != api_settings.NON_FIELD_ERRORS_KEY else message
        if top and top != api_settings.NON_FIELD_ERRORS_KEY:
            body["field"] = top
    if isinstance(errors, dict):
        body.update({key: value for key, value in errors.items() if key not in body})
    return body


def api_datetime(value: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """A time as DRF's DateTimeField writes it (ISO 8601 in `zone`, "Z" for UTC), for lists
    written from plain values: DRF looks the current time zone up again for every value."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class KeysetPagination(pagination.CursorPagination):
    """For lists that grow without bound (the audit log, invoices, assets, staff): pages by key
    in the view's `keyset_ordering`, with `next` and `previous` links and no count, so a deep
    page costs what the first does."""

    page_size = 50

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "keyset_ordering", ())
        return tuple(ordering) if ordering else tuple(super().get_ordering(request, queryset, view))


class ScopedViewSetMixin:
    """Every queryset starts from `visible_to(request.user)`; roles outside
    `allowed_roles` are refused before anything is read."""

    allowed_roles: frozenset[str] = ALL_ROLES
    queryset: Any
    request: Any

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        user: Any = request.user
        if user.is_authenticated and user.role not in self.allowed_roles:
            raise exceptions.PermissionDenied(f"A {Role(user.role).label.lower()} cannot use this endpoint.")

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.refine(self.queryset.model._default_manager.visible_to(self.request.user))

    def refine(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """Add joins, annotations or ordering to the scoped rows; never widen them."""
        return queryset

    def actor(self) -> Actor:
        return Actor.for_request(self.request._request, channel="api")


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    pass


class VisibleRelatedField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A related object named by its natural key, chosen only among those the caller may see.

    An object outside the caller's scope is reported exactly like one that
    does not exist, so a write cannot probe another member's data. `scope="administered_by"`
    narrows the choice to the organisations the caller administers.
    """

    def __init__(self, *args: Any, scope: str = "visible_to", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope

    def get_queryset(self) -> models.QuerySet[Any]:
        request = self.context["request"]
        manager = self.queryset.model._default_manager  # type: ignore[union-attr]
        return getattr(manager, self.scope)(request.user)  # type: ignore[no-any-return]

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:  # PostgreSQL cannot compare a key with one
            raise serializers.ValidationError("Null characters are not allowed.")
        return super().to_internal_value(data)


# A month as the API writes and reads it (a billing period): YYYY-MM.
MONTH_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\d{4}-(0[1-9]|1[0-2])$",
    "example": "2025-04",
    "description": "A month, written YYYY-MM",
}


def _month_start(text: Any) -> dt.date:
    """The first day of the month `text` (YYYY-MM) names; ValueError saying why for anything else."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a month written YYYY-MM")
    return Month.parse(text).first


@extend_schema_field(MONTH_SCHEMA)
class MonthField(serializers.Field[dt.date, str, str, Any]):
    """A month written YYYY-MM, held as the date of its first day (how periods are stored)."""

    def to_representation(self, value: dt.date) -> str:
        return str(Month.of(value))

    def to_internal_value(self, data: str) -> dt.date:
        try:
            return _month_start(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class MonthFormField(forms.Field):
    """A filter's month, YYYY-MM, as the date of its first day."""

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        try:
            return _month_start(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


@extend_schema_field(MONTH_SCHEMA)
class MonthFilter(django_filters.Filter):  # type: ignore[misc]
    """Filter a period (a DateField holding a month's first day) by a month written YYYY-MM."""

    field_class = MonthFormField
