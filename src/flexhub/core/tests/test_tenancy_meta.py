"""The isolation meta-tests: every model is scoped, every route is walked as every role.

They enumerate models and routes at run time, so a model or route added
later falls under them without anyone remembering to add a test.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from flexhub.core.testing.world import ACTING_LOGINS

# Models with no organisation data, or never exposed by a route; each says why.
UNSCOPED_ALLOWLIST = {
    "auth.permission": "Django's permission catalogue; global, holds no organisation data",
    "auth.group": "unused by flexhub; global",
    "contenttypes.contenttype": "Django's registry of model types; global",
    "sessions.session": "server-side session store; never exposed by a route",
    "authtoken.token": "API tokens; shown only to their owner (account page, `flexhub token`)",
    "authtoken.tokenproxy": "Django admin proxy of tokens; flexhub has no admin site",
}


# Scoped models whose rows are shared reference data, so no row is out of anyone's scope.
SHARED_REFERENCE = {
    "assets.devicemodel": "the catalogue of device makes and models; no organisation data",
}


def _flexhub_models() -> list[Any]:
    return [m for m in apps.get_models() if m._meta.label_lower not in UNSCOPED_ALLOWLIST]


def test_allowlist_names_real_models():
    labels = {m._meta.label_lower for m in apps.get_models()}
    assert set(UNSCOPED_ALLOWLIST) <= labels


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


def _route_model(pattern: URLPattern) -> Any:
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    model = getattr(view_class, "model", None)
    if model is None and getattr(view_class, "queryset", None) is not None:
        model = view_class.queryset.model
    return model


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _routes_with_kwargs() -> list[tuple[str, URLPattern, list[str]]]:
    result = []
    for name, pattern in _routes():
        kwargs = _kwarg_names(pattern)
        if kwargs and "format" not in kwargs:
            result.append((name, pattern, kwargs))
    return result


def test_every_route_with_an_object_names_its_model():
    nameless = [name for name, pattern, _ in _routes_with_kwargs() if _route_model(pattern) is None]
    assert nameless == [], f"routes whose object model the tenancy walk cannot find: {nameless}"


@pytest.mark.django_db
def test_every_list_route_as_every_role_shows_nothing_foreign(world):
    failures = []
    for username in ACTING_LOGINS:
        user = world.users[username]
        client = Client()
        client.force_login(user)
        markers = world.foreign_markers(user)
        for name, pattern in _routes():
            if _kwarg_names(pattern):
                continue
            response = client.get(reverse(name))
            # 400: an endpoint that needs query parameters says which, and shows nothing else.
            if response.status_code not in (200, 302, 400, 403, 405):
                failures.append(f"{username} {name}: status {response.status_code}")
                continue
            body = _body(response)
            leaked = [m for m in markers if m in body]
            if leaked:
                failures.append(f"{username} {name}: shows {leaked}")
    assert failures == []


@pytest.mark.django_db
def test_every_object_route_as_every_role_answers_404_for_foreign_ids(world):
    failures = []
    checked = 0
    for username in ACTING_LOGINS:
        user = world.users[username]
        client = Client()
        client.force_login(user)
        markers = world.foreign_markers(user)
        for name, pattern, kwarg_names in _routes_with_kwargs():
            model = _route_model(pattern)
            manager = model._default_manager
            visible = manager.visible_to(user)
            foreign = manager.exclude(pk__in=visible.values("pk"))[:3]
            for obj in foreign:
                url = reverse(name, kwargs={k: getattr(obj, k) for k in kwarg_names})
                response = client.get(url)
                if response.status_code == 405:  # an action route: try the write it accepts
                    response = client.post(url, {})
                checked += 1
                if response.status_code not in (403, 404):
                    failures.append(f"{username} GET {url}: {response.status_code}, not 404")
                body = _body(response)
                if any(m in body for m in markers):
                    failures.append(f"{username} GET {url}: error page names a foreign tenant")
            for obj in visible[:2]:
                url = reverse(name, kwargs={k: getattr(obj, k) for k in kwarg_names})
                response = client.get(url)
                if response.status_code not in (200, 403, 405):
                    failures.append(f"{username} GET {url} (own): {response.status_code}")
                elif any(m in _body(response) for m in markers):
                    failures.append(f"{username} GET {url} (own): shows a foreign tenant")
    assert checked > 0
    assert failures == []


@pytest.mark.django_db
def test_anonymous_requests_see_nothing(world):
    client = Client()
    for name, pattern in _routes():
        kwarg_names = _kwarg_names(pattern)
        if "format" in kwarg_names:
            continue
        if kwarg_names:
            model = _route_model(pattern)
            obj = model._default_manager.first()
            url = reverse(name, kwargs={k: getattr(obj, k) for k in kwarg_names})
        else:
            url = reverse(name)
        response = client.get(url)
        body = _body(response)
        assert "Ashcombe" not in body and "Bramblewick" not in body, url
