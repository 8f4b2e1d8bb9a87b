"""core.compiled.CompiledLookup gives what Django's own lookup gives, in one query, compiled once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from flexhub.core import compiled
from flexhub.core.compiled import CompiledList, CompiledLookup
from flexhub.core.models import Organisation, User

pytestmark = pytest.mark.django_db


def _columns(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_token_with_its_user_and_organisation_is_what_django_reads(world):
    user = next(iter(world.users.values()))
    user.last_login = dt.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=dt.UTC)
    user.save(update_fields=["last_login"])
    Organisation.objects.filter(pk=user.organisation_id).update(jurisdictions=["UK", "US"])
    token = Token.objects.create(user=user)
    lookup = CompiledLookup(lambda: Token.objects.select_related("user__organisation"), "key")
    expected = Token.objects.select_related("user__organisation").get(key=token.key)

    for _ in range(2):  # compiled on the first call, reused on the second
        with CaptureQueriesContext(connection) as queries:
            found = lookup.first(token.key)
            organisation = found.user.organisation
        assert len(queries) == 1
        assert _columns(found) == _columns(expected)
        assert _columns(found.user) == _columns(expected.user)
        assert _columns(organisation) == _columns(expected.user.organisation)
    # Converted as Django converts: an aware instant, a list from JSON.
    assert found.user.last_login == dt.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=dt.UTC)
    assert organisation.jurisdictions == ["UK", "US"]


def test_a_user_by_primary_key_and_no_such_user(world):
    user = next(iter(world.users.values()))
    lookup = CompiledLookup(lambda: User.objects.select_related("organisation"), "pk")

    assert lookup.first(user.pk).organisation.code == user.organisation.code
    assert lookup.first(str(user.pk)).pk == user.pk  # converted as a filter converts it
    assert lookup.first(10**12) is None
    with pytest.raises(ValueError, match="expected a number but got 'x'"):
        lookup.first("x")


def test_several_lookups_each_take_their_own_value(world):
    user = next(iter(world.users.values()))
    lookup = CompiledLookup(lambda: User.objects.all(), "organisation", "date_joined__lt", "username")
    later = user.date_joined + dt.timedelta(seconds=1)

    assert lookup.first(user.organisation_id, later, user.username).pk == user.pk
    assert lookup.first(user.organisation_id, user.date_joined, user.username) is None  # not before itself
    assert lookup.first(user.organisation_id, later, user.username + "x") is None
    with pytest.raises(TypeError, match="3 values expected"):
        lookup.first(user.organisation_id)


def test_the_sql_is_compiled_once_per_database_and_thread(world, monkeypatch):
    user = next(iter(world.users.values()))
    lookup = CompiledLookup(lambda: User.objects.select_related("organisation"), "pk")
    compiled_for = []
    original = CompiledLookup._compile

    def counting(self, queryset):
        compiled_for.append(queryset.db)
        return original(self, queryset)

    monkeypatch.setattr(CompiledLookup, "_compile", counting)
    for _ in range(3):
        assert lookup.first(user.pk) is not None
    assert compiled_for == ["default"]


def test_a_lookup_that_does_not_take_its_value_exactly_once_is_refused(world):
    # A query that already holds the value the lookup is compiled with could not tell them apart.
    sentinel = compiled._sentinel(User._meta.get_field("username"), 0)
    lookup = CompiledLookup(lambda: User.objects.filter(username=sentinel), "username")
    with pytest.raises(ValueError, match="must take its value once"):
        lookup.first("anyone")


def test_a_compiled_list_gives_django_s_rows_in_its_order_in_one_query(world):
    lookup = CompiledList(lambda: User.objects.order_by("-pk"), "organisation", "role")
    for user in world.users.values():
        expected = list(User.objects.filter(organisation=user.organisation_id, role=user.role).order_by("-pk"))
        with CaptureQueriesContext(connection) as queries:
            found = lookup.all(user.organisation_id, user.role)
        assert len(queries) == 1
        assert [_columns(u) for u in found] == [_columns(u) for u in expected]
        assert user.pk in [u.pk for u in found]
    assert lookup.all(10**12, "agent") == []
