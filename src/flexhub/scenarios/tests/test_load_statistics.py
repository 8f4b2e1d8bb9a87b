"""After `flexhub load` on PostgreSQL the planner sees the rows just written: the load ends with
ANALYZE. Before it did, the queue of a freshly loaded framework was read through a full sort of
each tower, planned for the empty tables autovacuum had last seen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytestmark = pytest.mark.django_db(transaction=True)


def _analysed_at(table: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s", [table])
        (when,) = cursor.fetchone()
    return when


def _owns(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner = current_user FROM pg_tables WHERE tablename = %s", [table])
        (owns,) = cursor.fetchone()
    return bool(owns)


def test_a_load_leaves_the_planner_statistics_of_what_it_wrote():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no planner statistics unless asked, and plans well without them")
    if not _owns("servicedesk_ticket"):
        pytest.skip("only a table's owner may ANALYZE it: a role that owns no table leaves it to autovacuum")
    before = {table: _analysed_at(table) for table in ("servicedesk_ticket", "core_organisation")}
    call_command("load", str(FIXTURES / "tower-framework.yaml"), stdout=io.StringIO())
    for table, earlier in before.items():
        after = _analysed_at(table)
        assert after is not None and (earlier is None or after > earlier), table
