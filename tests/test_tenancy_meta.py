"""The isolation meta-tests: every model is scoped, every route is walked as every role.

They enumerate models and routes at run time, so a model or route added
later falls under them without anyone remembering to add a test.

What each answer must be is decided from declarations, never from the response:
a view's `allowed_roles` (RoleRequiredMixin for pages, ScopedViewSetMixin for API
viewsets), the roles per ticket step in `servicedesk.views.ACTIONS`, the table
below for the few views that check the role in code, and the OpenAPI schema for
the query parameters an endpoint requires. A role the route declares answers 200
for its own objects and exactly 404 for another tenant's (never 403, which would
say that the object exists); a role the route does not declare answers 403 with a
plain explanation, whatever the object.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import QueryDict
from django.shortcuts import resolve_url
from django.templatetags.static import static
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from flexhub.core.api_base import ScopedViewSetMixin
from flexhub.core.roles import Role
from flexhub.core.tenancy import ALL_ROLES
from flexhub.core.testing.world import ACTING_LOGINS, MEMBER_B_MARKERS, OTHER_FRAMEWORK_MARKERS
from flexhub.core.viewmixins import RoleRequiredMixin

# Models with no organisation data, or never exposed by a route; each says why.
UNSCOPED_ALLOWLIST = {
    "auth.permission": "Django's permission catalogue; global, holds no organisation data",
    "auth.group": "unused by flexhub; global",
    "contenttypes.contenttype": "Django's registry of model types; global",
    "sessions.session": "server-side session store; never exposed by a route",
    "authtoken.token": "API tokens; shown only to their owner (account page, `flexhub token`)",
    "authtoken.tokenproxy": "Django admin proxy of tokens; flexhub has no admin site",
    "otp_totp.totpdevice": "a login's authenticator secret; only its owner's own two-factor pages use it",
    "otp_static.staticdevice": "a login's recovery codes; only its owner's own two-factor pages use them",
    "otp_static.statictoken": "one recovery code; shown once, to its owner only",
    "axes.accessattempt": "failed sign-ins counted by django-axes; never exposed by a route",
    "axes.accessattemptexpiration": "when django-axes forgets a failed sign-in; never exposed by a route",
    "axes.accessfailurelog": "django-axes's log of failures (off); never exposed by a route",
    "axes.accesslog": "django-axes's log of sign-ins; never exposed by a route",
}


# Scoped models whose rows are shared reference data, so no row is out of anyone's scope.
SHARED_REFERENCE = {
    "assets.devicemodel": "the catalogue of device makes and models; no organisation data",
    "benefits.emissionfactor": "the grid's emission factor for each year; no organisation data",
    "benefits.usageprofile": "hours a year a kind of device is on and asleep; no organisation data",
}


@dataclass(frozen=True)
class Public:
    """A route anyone may open without signing in: what it answers to a GET, and why it is public."""

    anonymous: int
    signed_in: int
    redirect_to: str | None
    reason: str
    kwargs: dict[str, str] | None = None  # for a route that takes arguments: a sample of them


PUBLIC_ROUTES = {
    "login": Public(200, 302, settings.LOGIN_REDIRECT_URL, "the sign-in page; a signed-in user is sent home"),
    "logout": Public(405, 405, None, "signing out, which Django's LogoutView does only on POST"),
    "password-reset": Public(
        200, 200, None, "asking for a password-reset link by email; the same answer for any address"
    ),
    "password-reset-done": Public(200, 200, None, "says a link was sent if the address is a login's"),
    "password-reset-confirm": Public(
        200,
        200,
        None,
        "the emailed link; without a valid token it only says the link does not work",
        kwargs={"uidb64": "MQ", "token": "not-a-token"},
    ),
    "password-reset-complete": Public(200, 200, None, "says the password was changed"),
    "api-schema": Public(200, 200, None, "the OpenAPI description of the endpoints; it names no organisation"),
    "api-docs": Public(200, 200, None, "Swagger UI over that description"),
}

COMMERCIAL = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN})
DESK_OVERSIGHT = frozenset({Role.AUTHORITY_ADMIN, Role.INTEGRATOR})
AUTHORITY = frozenset({Role.AUTHORITY_ADMIN})

# Views with no `allowed_roles` attribute: the roles that may use each, and where the code says so.
ROLES_CHECKED_IN_CODE = {
    "password-change": (ALL_ROLES, "Django's PasswordChangeView: login_required, any role"),
    "api:api-root": (ALL_ROLES, "DRF's index of the endpoints: IsAuthenticated, any role"),
    "api:me": (ALL_ROLES, "core.api.me: every login may read itself"),
    "api:whatif": (COMMERCIAL, "billing.api.whatif: refuses roles outside COMMERCIAL_ROLES"),
    "api:aged-debt": (COMMERCIAL, "billing.api.aged_debt_report: refuses roles outside COMMERCIAL_ROLES"),
    "api:sla": (DESK_OVERSIGHT, "servicedesk.api.sla_report: authority admin and integrator"),
    "api:scorecards": (DESK_OVERSIGHT, "servicedesk.api.scorecards: authority admin and integrator"),
    "api:benefits-carbon": (AUTHORITY, "benefits.api.framework_carbon: the framework's authority only"),
    "api:benefits-savings": (AUTHORITY, "benefits.api.framework_savings: the framework's authority only"),
}

# Views that set `allowed_roles` per request from a URL argument: (argument, the table in the
# view's module that maps its value to (roles, ...)). Read through the module, as core's code
# reaches the apps, so core imports no feature app.
ROLES_PER_URL_ARGUMENT = {"TicketActionView": ("action", "ACTIONS")}

# A role that may use a page which, for that role, is only a redirect elsewhere.
SIGNED_IN_REDIRECTS = {
    ("billing-home", Role.MEMBER_ADMIN): ("invoice-list", "a member's billing is its invoices (BillingHomeView.get)"),
}


def _flexhub_models() -> list[Any]:
    return [m for m in apps.get_models() if m._meta.label_lower not in UNSCOPED_ALLOWLIST]


def test_allowlist_names_real_models():
    labels = {m._meta.label_lower for m in apps.get_models()}
    assert set(UNSCOPED_ALLOWLIST) <= labels
    assert set(SHARED_REFERENCE) <= labels


def test_every_model_is_scoped():
    unscoped = [
        m._meta.label_lower for m in _flexhub_models() if not callable(getattr(m._default_manager, "visible_to", None))
    ]
    assert unscoped == [], f"models without visible_to(user): {unscoped}"


@pytest.mark.django_db
def test_world_has_rows_in_and_out_of_every_scope(world):
    """Each scoped model has rows, and rows a member admin of MBRA must not see,
    so the route walk below meets a real foreign object for every model."""
    member_admin = world.users["mbra-admin"]
    missing = []
    for model in _flexhub_models():
        if model._meta.label_lower in SHARED_REFERENCE:
            continue
        manager = model._default_manager
        visible = manager.visible_to(member_admin).values("pk")
        if not manager.exclude(pk__in=visible).exists():
            missing.append(model._meta.label_lower)
    assert missing == [], f"the test world has no out-of-scope rows of {missing}"


@pytest.mark.django_db
def test_visible_rows_never_name_foreign_tenants(world):
    for username in ACTING_LOGINS:
        user = world.users[username]
        markers = world.foreign_markers(user)
        for model in _flexhub_models():
            for obj in model._default_manager.visible_to(user):
                text = str(obj)
                assert not any(m in text for m in markers), (username, model, text)


# Routes ---------------------------------------------------------------------


def _routes(resolver: URLResolver | None = None, namespace: str = "") -> list[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_routes(entry, ns))
        elif entry.name:
            found.append((namespace + entry.name, entry))
    return found


def _kwarg_names(pattern: URLPattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


def _walked_routes() -> list[tuple[str, URLPattern]]:
    """Every route, less DRF's `.json`-suffix twins of the API routes."""
    return [(name, pattern) for name, pattern in _routes() if "format" not in _kwarg_names(pattern)]


def _view_class(pattern: URLPattern) -> Any:
    callback = pattern.callback
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def _route_model(pattern: URLPattern) -> Any:
    view_class = _view_class(pattern)
    model = getattr(view_class, "model", None)
    if model is None and getattr(view_class, "queryset", None) is not None:
        model = view_class.queryset.model
    return model


def _is_api(name: str) -> bool:
    return name.startswith("api:")


def _accepts_get(pattern: URLPattern) -> bool:
    """Whether the route has a GET handler (an action route is POST only)."""
    actions = getattr(pattern.callback, "actions", None)  # a DRF viewset route: method -> action
    if actions is not None:
        return "get" in actions
    view_class = _view_class(pattern)
    return "get" in view_class.http_method_names and hasattr(view_class, "get")


def _declared_roles(name: str, pattern: URLPattern) -> frozenset[str]:
    """The roles that may use the route, as the code declares them."""
    if name in ROLES_CHECKED_IN_CODE:
        return frozenset(ROLES_CHECKED_IN_CODE[name][0])
    view_class = _view_class(pattern)
    if view_class.__name__ in ROLES_PER_URL_ARGUMENT:
        argument, table = ROLES_PER_URL_ARGUMENT[view_class.__name__]
        roles_by_value = getattr(sys.modules[view_class.__module__], table)
        return frozenset(roles_by_value[pattern.default_args[argument]][0])
    if issubclass(view_class, (RoleRequiredMixin, ScopedViewSetMixin)):
        return frozenset(view_class.allowed_roles)
    if issubclass(view_class, LoginRequiredMixin):
        return ALL_ROLES
    raise LookupError(f"{name}: {view_class.__name__} declares no roles")


@functools.cache
def _required_query_parameters() -> dict[str, frozenset[str]]:
    """Per API path, the query parameters its GET documents as required (from the OpenAPI schema)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    required = {}
    for path, operations in schema["paths"].items():
        names = {
            p["name"]
            for p in operations.get("get", {}).get("parameters", [])
            if p.get("in") == "query" and p.get("required")
        }
        if names:
            required[path] = frozenset(names)
    return required


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _routes_with_kwargs() -> list[tuple[str, URLPattern, list[str]]]:
    """Routes of one object (public routes with arguments, such as an emailed link, name none)."""
    return [
        (name, pattern, kwargs)
        for name, pattern in _walked_routes()
        if (kwargs := _kwarg_names(pattern)) and name not in PUBLIC_ROUTES
    ]


def _url(name: str, kwarg_names: list[str], obj: Any) -> str:
    return reverse(name, kwargs={k: getattr(obj, k) for k in kwarg_names})


def _refusal_problem(response: Any, body: str) -> str | None:
    """Why a 403 is not a plain refusal of the role, or None if it is one."""
    if response.status_code != 403:
        return f"{response.status_code}, not 403"
    if "cannot" not in body:
        return "403 without a plain explanation"
    return None


def test_every_route_declares_who_may_use_it():
    names = {name for name, _ in _walked_routes()}
    assert set(PUBLIC_ROUTES) <= names
    assert set(ROLES_CHECKED_IN_CODE) <= names
    assert {name for name, _ in SIGNED_IN_REDIRECTS} <= names
    assert set(ROLES_PER_URL_ARGUMENT) <= {_view_class(pattern).__name__ for _, pattern in _walked_routes()}
    undeclared, shadowed = [], []
    for name, pattern in _walked_routes():
        if name in PUBLIC_ROUTES:
            continue
        try:
            roles = _declared_roles(name, pattern)
        except LookupError as error:
            undeclared.append(str(error))
            continue
        assert roles <= ALL_ROLES and roles, name
        # The table is only for views that have no declaration of their own.
        if name in ROLES_CHECKED_IN_CODE and hasattr(_view_class(pattern), "allowed_roles"):
            shadowed.append(name)
    assert undeclared == [], "routes that say nothing about who may use them"
    assert shadowed == [], "ROLES_CHECKED_IN_CODE entries for views that declare allowed_roles"


def test_every_route_with_an_object_names_its_model():
    nameless = [name for name, pattern, _ in _routes_with_kwargs() if _route_model(pattern) is None]
    assert nameless == [], f"routes whose object model the tenancy walk cannot find: {nameless}"


@pytest.mark.django_db
def test_every_list_route_as_every_role_answers_as_declared_and_shows_nothing_foreign(world):
    required_query = _required_query_parameters()
    failures = []
    for username in ACTING_LOGINS:
        user = world.users[username]
        client = Client()
        client.force_login(user)
        markers = world.foreign_markers(user)
        for name, pattern in _walked_routes():
            if _kwarg_names(pattern):
                continue
            url = reverse(name)
            response = client.get(url)
            body = _body(response)
            where = f"{username} GET {url}"
            location = None
            if name in PUBLIC_ROUTES:
                public = PUBLIC_ROUTES[name]
                expected = public.signed_in
                location = resolve_url(public.redirect_to) if public.redirect_to else None
            elif user.role not in _declared_roles(name, pattern):
                expected = 403
                if response.status_code == 403 and "cannot" not in body:
                    failures.append(f"{where}: 403 without a plain explanation")
            elif (name, user.role) in SIGNED_IN_REDIRECTS:
                expected, location = 302, reverse(SIGNED_IN_REDIRECTS[name, user.role][0])
            elif url in required_query:
                # It says which parameter is missing, and shows nothing else.
                expected = 400
                if response.status_code == 400 and response.json().get("field") not in required_query[url]:
                    failures.append(f"{where}: 400 names {response.json()} not a required parameter")
            else:
                expected = 200
            if response.status_code != expected:
                failures.append(f"{where}: {response.status_code}, expected {expected}")
            elif location is not None and response["Location"] != location:
                failures.append(f"{where}: redirects to {response['Location']}, expected {location}")
            leaked = [m for m in markers if m in body]
            if leaked:
                failures.append(f"{where}: shows {leaked}")
    assert failures == []


def _foreign_sample(manager: Any, visible: Any) -> list[Any]:
    """A few rows the user may not see: the lowest and the highest keys, so both
    another member of the same framework and the other framework are met."""
    foreign = manager.exclude(pk__in=visible.values("pk")).order_by("pk")
    rows = {obj.pk: obj for obj in [*foreign[:2], *foreign.reverse()[:1]]}
    return list(rows.values())


def _action_outcome_problem(name: str, response: Any) -> str | None:
    """Why a POST to an action route on the user's own object was not taken up, or None.

    The walk posts an empty form: a page answers with a redirect back (the step done,
    or refused in a message); the API answers 200, or 400 with the rule that refuses
    the empty or ill-timed step. Never 403, 404 or 405, and never the sign-in page.
    """
    if _is_api(name):
        if response.status_code == 200:
            return None
        if response.status_code == 400 and response.json():
            return None
        return f"POST {response.status_code}, expected 200 or a 400 naming the rule"
    if response.status_code != 302:
        return f"POST {response.status_code}, expected a redirect"
    if response["Location"].startswith(resolve_url(settings.LOGIN_URL)):
        return "POST redirects to the sign-in page"
    return None


@pytest.mark.django_db
def test_every_object_route_as_every_role_answers_404_for_foreign_ids(world):
    failures = []
    met_foreign: set[str] = set()  # routes a role that may use them met another tenant's object on
    met_own: set[str] = set()  # ... and its own object on
    for username in ACTING_LOGINS:
        user = world.users[username]
        client = Client()
        client.force_login(user)
        markers = world.foreign_markers(user)
        for name, pattern, kwarg_names in _routes_with_kwargs():
            usable = user.role in _declared_roles(name, pattern)
            accepts_get = _accepts_get(pattern)
            manager = _route_model(pattern)._default_manager
            # A form that changes an organisation's particulars is scoped to what the user
            # administers, not to all it may see (core.tenancy.administered_organisation_ids).
            visible = getattr(manager, getattr(_view_class(pattern), "scope", "visible_to"))(user)
            for obj in _foreign_sample(manager, visible):
                url = _url(name, kwarg_names, obj)
                response = client.get(url)
                where = f"{username} {url} (foreign)"
                if usable and not accepts_get and response.status_code == 405:
                    response = client.post(url, {})  # an action route: try the write it takes
                body = _body(response)
                if not usable:
                    if problem := _refusal_problem(response, body):
                        failures.append(f"{where}: {problem} (role may never use this route)")
                elif response.status_code != 404:
                    failures.append(f"{where}: {response.status_code}, not 404")
                else:
                    met_foreign.add(name)
                if any(m in body for m in markers):
                    failures.append(f"{where}: the answer names a foreign tenant")
            for obj in visible.order_by("pk")[:2]:
                url = _url(name, kwarg_names, obj)
                response = client.get(url)
                where = f"{username} {url} (own)"
                if not usable:
                    problem = _refusal_problem(response, _body(response))
                    if problem:
                        failures.append(f"{where}: {problem} (role may never use this route)")
                    continue
                if accepts_get:
                    problem = None if response.status_code == 200 else f"{response.status_code}, not 200"
                elif response.status_code != 405:
                    problem = f"GET {response.status_code} on a POST-only route, not 405"
                else:
                    response = client.post(url, {})
                    problem = _action_outcome_problem(name, response)
                if problem:
                    failures.append(f"{where}: {problem}")
                    continue
                met_own.add(name)
                if any(m in _body(response) for m in markers):
                    failures.append(f"{where}: shows a foreign tenant")
    assert failures == []
    # Every object route really met a foreign and an own object as a role that may use it,
    # so a 404 (and a 200) was checked somewhere, not only refusals of the role.
    shared = {
        name
        for name, pattern, _ in _routes_with_kwargs()
        if _route_model(pattern)._meta.label_lower in SHARED_REFERENCE
    }
    routes = {name for name, _, _ in _routes_with_kwargs()}
    assert sorted(routes - shared - met_foreign) == [], "routes never checked against a foreign object"
    assert sorted(routes - met_own) == [], "routes never opened on an own object"


@pytest.mark.django_db
def test_anonymous_requests_see_nothing(world):
    """Signed out: the public routes answer as listed; every page sends you to sign in
    (GET and POST alike) and every API endpoint answers 401 with the token challenge."""
    client = Client()
    login = resolve_url(settings.LOGIN_URL)
    markers = (
        *MEMBER_B_MARKERS,
        *OTHER_FRAMEWORK_MARKERS,
        *(org.name for org in world.orgs.values()),
        *(org.code for org in world.orgs.values()),
    )
    failures = []
    for name, pattern in _walked_routes():
        kwarg_names = _kwarg_names(pattern)
        if name in PUBLIC_ROUTES and PUBLIC_ROUTES[name].kwargs:
            url = reverse(name, kwargs=PUBLIC_ROUTES[name].kwargs)
        elif kwarg_names:
            obj = _route_model(pattern)._default_manager.order_by("pk").first()
            assert obj is not None, name
            url = _url(name, kwarg_names, obj)
        else:
            url = reverse(name)
        if name in PUBLIC_ROUTES:
            response = client.get(url)
            if response.status_code != PUBLIC_ROUTES[name].anonymous:
                failures.append(f"GET {url}: {response.status_code}, expected {PUBLIC_ROUTES[name].anonymous}")
            responses = [response]
        else:
            responses = [client.get(url), client.post(url, {})]
            for response in responses:
                method = response.request["REQUEST_METHOD"]
                if _is_api(name):
                    if response.status_code != 401 or response.get("WWW-Authenticate") != "Token":
                        failures.append(f"{method} {url}: {response.status_code}, expected 401 asking for a token")
                else:
                    next_ = QueryDict(mutable=True)
                    next_["next"] = url
                    expected = f"{login}?{next_.urlencode(safe='/')}"
                    if response.status_code != 302 or response.get("Location") != expected:
                        failures.append(f"{method} {url}: {response.status_code}, expected 302 to {expected}")
        for response in responses:
            body = _body(response)
            if any(m in body for m in markers):
                failures.append(f"{url}: an anonymous answer names an organisation")
    assert failures == []


def test_static_files_are_public(client):
    """Stylesheets and scripts are served to anyone: the sign-in page needs them."""
    for path in ("flexhub/flexhub.css", "flexhub/flexhub.js"):
        response = client.get(static(path))
        assert response.status_code == 200, path
