"""core.prepared: on PostgreSQL the statements run on every request are prepared once per
connection, give what Django's own cursor gives, and still show in Django's query log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from flexhub.core.compiled import CompiledLookup
from flexhub.core.models import Organisation, User
from flexhub.core.prepared import literal_sql, prepared_cursor

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_prepared_cursor_reads_what_django_reads_and_logs_it_with_its_values(world):
    organisation = Organisation.objects.order_by("pk").first()
    sql = "SELECT code, name FROM core_organisation WHERE id = %s AND name LIKE %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [organisation.pk, "%"])
        expected = cursor.fetchall()

    with CaptureQueriesContext(connection) as queries, prepared_cursor("default") as cursor:
        cursor.execute(sql, [organisation.pk, "%"])
        found = cursor.fetchall()

    assert found == expected == [(organisation.code, organisation.name)]
    assert len(queries) == 1
    assert str(organisation.pk) in queries[0]["sql"]  # written in, as Django logs its own


def test_literal_sql_writes_the_values_in_and_keeps_a_percent_sign(world):
    sql, params = literal_sql("default", "SELECT %s, %s", ["50%", "it's"])
    with prepared_cursor("default") as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchone() == ("50%", "it's")


@on_postgresql
def test_a_compiled_lookup_is_prepared_once_on_postgresql(world):
    user = User.objects.order_by("pk").first()
    lookup = CompiledLookup(lambda: User.objects.select_related("organisation"), "pk")
    before = len(_prepared_statements())

    for _ in range(3):
        assert lookup.first(user.pk).organisation_id == user.organisation_id

    prepared = _prepared_statements()
    assert len(prepared) == before + 1  # three runs, one statement
    assert any('"core_user"."id" = $1' in statement for statement in prepared)


@on_postgresql
def test_literal_sql_on_postgresql_is_one_statement_per_set_of_values(world):
    first, second = Organisation.objects.order_by("pk")[:2]
    before = len(_prepared_statements())
    for pk in (first.pk, first.pk, second.pk):
        with prepared_cursor("default") as cursor:
            cursor.execute(*literal_sql("default", "SELECT code FROM core_organisation WHERE id = %s", [pk]))
    prepared = _prepared_statements()

    assert len(prepared) == before + 2
    assert any(f"WHERE id = {first.pk}" in statement for statement in prepared)


@on_postgresql
@override_settings(FLEXHUB_DB_PREPARED=False)
def test_nothing_is_prepared_when_switched_off_for_a_pooler(world):
    user = User.objects.order_by("pk").first()
    lookup = CompiledLookup(lambda: User.objects.all(), "username")
    before = len(_prepared_statements())

    for _ in range(3):
        assert lookup.first(user.username).pk == user.pk
    sql, params = literal_sql("default", "SELECT %s", [1])

    assert (sql, params) == ("SELECT %s", [1])
    assert len(_prepared_statements()) == before


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_before_a_migration_elsewhere_is_prepared_again():
    # A temporary table (the suite's role may own no table) changed by a DO block: psycopg sees
    # no ALTER, exactly as when another process migrates, and the server refuses the old plan.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE flexhub_prepared_probe (id integer PRIMARY KEY, label varchar(10))")
        cursor.execute("INSERT INTO flexhub_prepared_probe VALUES (1, 'before')")
    try:
        sql = "SELECT id, label FROM flexhub_prepared_probe WHERE id = %s"
        with prepared_cursor("default") as cursor:
            cursor.execute(sql, [1])
            assert cursor.fetchall() == [(1, "before")]
        with connection.cursor() as cursor:
            cursor.execute(
                "DO $$ BEGIN EXECUTE 'ALTER TABLE flexhub_prepared_probe ALTER COLUMN label TYPE text'; "
                "UPDATE flexhub_prepared_probe SET label = 'after'; END $$"
            )
        with prepared_cursor("default") as cursor:
            cursor.execute(sql, [1])
            assert cursor.fetchall() == [(1, "after")]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS flexhub_prepared_probe")
