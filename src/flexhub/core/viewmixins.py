"""Base views: role checks and tenancy scoping that a view cannot forget."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponseBase
from django.views.generic import DetailView, ListView

from flexhub.core.audit import Actor
from flexhub.core.roles import Role
from flexhub.core.tenancy import ALL_ROLES


class RoleRequiredMixin(LoginRequiredMixin):
    """Signed-in users whose role is in `allowed_roles`; others get a plain 403 page."""

    allowed_roles: frozenset[str] = ALL_ROLES

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user: Any = request.user
        if user.is_authenticated and user.role not in self.allowed_roles:
            raise PermissionDenied(f"A {Role(user.role).label.lower()} cannot use this page.")
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    def actor(self) -> Actor:
        return Actor.for_request(self.request)  # type: ignore[attr-defined]


class ScopedQuerysetMixin(RoleRequiredMixin):
    """The model's rows the user may see; anything else is a 404."""

    model: Any

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.visible_to(self.request.user)  # type: ignore[attr-defined, no-any-return]


class ScopedListView(ScopedQuerysetMixin, ListView):  # type: ignore[type-arg]
    paginate_by = 50


class ScopedDetailView(ScopedQuerysetMixin, DetailView):  # type: ignore[type-arg]
    pass
