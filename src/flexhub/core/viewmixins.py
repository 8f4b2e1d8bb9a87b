"""Base views: role checks and tenancy scoping that a view cannot forget."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView, ListView

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.forms import apply_rule_error
from flexhub.core.paging import KeysetPage, keyset_page
from flexhub.core.roles import Role
from flexhub.core.tenancy import ALL_ROLES, get_visible_or_404


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


class ObjectFormView(RoleRequiredMixin, FormView):  # type: ignore[type-arg]
    """A form that acts on one object the user may see: loaded in `dispatch` (404 when out of
    scope); `act` calls the service and says what happened; a `RuleError` becomes a form error."""

    model: Any
    lookup_field = "pk"
    url_kwarg = "pk"
    context_object_name = "object"
    # The manager method that scopes the object: what the user may see, or (for a form that
    # changes an organisation's particulars) what it administers.
    scope = "visible_to"
    object: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user: Any = request.user
        if user.is_authenticated and user.role in self.allowed_roles:
            self.object = get_visible_or_404(
                self.model, user, scope=self.scope, **{self.lookup_field: kwargs[self.url_kwarg]}
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**{self.context_object_name: self.object}, **kwargs)

    def act(self, form: Any) -> tuple[str, str]:
        """Do the work; return the success message and where to go next."""
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            message, next_url = self.act(form)
        except RuleError as error:
            apply_rule_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(next_url)


class ScopedListView(ScopedQuerysetMixin, ListView):  # type: ignore[type-arg]
    """A list of what the user may see, fifty to a page. A list that grows without bound names
    its order in `keyset_ordering` (ending with a unique key) and is paged by key (`?after=`)
    instead of by number: no count, and a deep page costs what the first does."""

    paginate_by: int | None = 50
    keyset_ordering: tuple[str, ...] = ()
    keyset: KeysetPage | None = None

    def paginate_queryset(self, queryset: Any, page_size: int) -> tuple[Any, Any, Any, bool]:
        if not self.keyset_ordering:
            return super().paginate_queryset(queryset, page_size)
        token = self.request.GET.get("after") or None
        try:
            self.keyset = keyset_page(queryset, self.keyset_ordering, token, page_size)
        except RuleError as error:
            messages.error(self.request, error.sentence)
            self.keyset = keyset_page(queryset, self.keyset_ordering, None, page_size)
        return None, None, self.keyset.rows, not (self.keyset.first and self.keyset.next_token is None)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("after", None)
        context["query_string"] = query.urlencode()
        context["keyset"] = self.keyset
        return context


class ScopedDetailView(ScopedQuerysetMixin, DetailView):  # type: ignore[type-arg]
    pass
