"""Base API pieces: scoped viewsets, scoped related fields and JSON errors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.http import Http404
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from flexhub.core.audit import Actor
from flexhub.core.errors import Conflict, RuleError
from flexhub.core.roles import Role
from flexhub.core.tenancy import ALL_ROLES


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus a service's `RuleError` as a 400 naming the field at fault (a
    `Conflict` with the work in progress as a 409)."""
    if isinstance(exc, RuleError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=409 if isinstance(exc, Conflict) else 400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


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
