"""core.bulk.insert_rows writes exactly what Django's own save would, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from flexhub.core.bulk import ROWS_PER_STATEMENT, insert_rows
from flexhub.core.models import AuditEntry

pytestmark = pytest.mark.django_db

INSTANTS = [
    dt.datetime(2024, 3, 31, 4, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),  # BST, as a file writes it
    dt.datetime(2024, 3, 30, 22, 45, 0, 123456, tzinfo=dt.UTC),  # with microseconds
    dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
]
COLUMNS = ("at", "actor_label", "channel", "action", "object_type", "object_id", "object_repr", "changes", "reason")


def _row(at: dt.datetime, label: str) -> tuple[object, ...]:
    return (at, label, "cli", "create", "test.thing", "1", "a thing", {"title": [None, "Ünïcode\ttab"]}, "")


def test_rows_inserted_in_bulk_read_back_and_compare_as_saved_ones():
    count = insert_rows(AuditEntry, COLUMNS, [_row(at, f"bulk-{i}") for i, at in enumerate(INSTANTS)])
    for i, at in enumerate(INSTANTS):
        AuditEntry.objects.create(**dict(zip(COLUMNS, _row(at, f"orm-{i}"), strict=True)))
    assert count == len(INSTANTS)
    for i, at in enumerate(INSTANTS):
        bulk = AuditEntry.objects.get(actor_label=f"bulk-{i}")
        orm = AuditEntry.objects.get(actor_label=f"orm-{i}")
        assert bulk.at == orm.at == at
        assert bulk.changes == orm.changes == {"title": [None, "Ünïcode\ttab"]}
        # Stored alike, so the database compares and sorts them alike (on SQLite, as text).
        assert AuditEntry.objects.filter(at=at).count() == 2
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT actor_label, at FROM {AuditEntry._meta.db_table} ORDER BY at, actor_label")
        stored = cursor.fetchall()
    assert [label for label, _ in stored] == ["bulk-2", "orm-2", "bulk-1", "orm-1", "bulk-0", "orm-0"]
    assert [at for label, at in stored if label.startswith("bulk")] == [
        at for label, at in stored if label.startswith("orm")
    ]
    if connection.vendor == "sqlite":  # the very text Django writes, which SQLite compares
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT actor_label, CAST(at AS TEXT) FROM {AuditEntry._meta.db_table}")
            text = dict(cursor.fetchall())
        assert [text[f"bulk-{i}"] for i in range(3)] == [text[f"orm-{i}"] for i in range(3)]
        assert text["bulk-1"] == "2024-03-30 22:45:00.123456"


def test_a_generator_of_no_rows_inserts_nothing():
    assert insert_rows(AuditEntry, COLUMNS, iter(())) == 0
    assert not AuditEntry.objects.exists()


def test_rows_beyond_one_statement_and_one_batch_are_all_written_once():
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    total = 2 * ROWS_PER_STATEMENT + 7
    rows = (_row(start + dt.timedelta(minutes=i), f"row-{i}") for i in range(total))
    assert insert_rows(AuditEntry, COLUMNS, rows, batch=ROWS_PER_STATEMENT + 3) == total
    stored = list(AuditEntry.objects.order_by("at").values_list("actor_label", "at"))
    assert stored == [(f"row-{i}", start + dt.timedelta(minutes=i)) for i in range(total)]
