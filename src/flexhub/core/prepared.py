"""Statements PostgreSQL plans once per connection instead of once per request.

Django sends every statement to PostgreSQL as text with its values written in (psycopg's
client-side binding), so the server parses and plans it afresh each time. For the lookups every
request makes (the session, the signed-in user, a ticket) planning is most of the server's work,
and for the agent's queue (one statement of a run per tower and state) it is 1.5 ms against
under 1 ms of running it. A prepared statement is planned once and then only run.

`prepared_cursor(alias)` gives a cursor whose statements are prepared, for the statements a
process runs over and over (core.compiled's lookups, the first page of a queue). It is Django's
own cursor wrapper around a psycopg cursor that binds values on the server, so the statements
are counted, logged and turned into Django's errors like any other. Django's own cursors are
unchanged: statements run once (reports, imports) gain nothing from preparing, and client-side
binding has no limit on the number of values a statement carries.

Off with FLEXHUB_DB_PREPARED=0, for a connection pooler that cannot keep prepared statements
(PgBouncer in transaction mode before 1.21). Other databases: Django's cursor (SQLite already
keeps its compiled statements per connection).
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.conf import settings
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

# Prepared only when asked (every statement of a prepared cursor is): psycopg prepares nothing by
# itself unless the connection has a threshold, and Django's own cursors never prepare.
_ASK_ONLY = 1_000_000_000


class _PreparingCursor(psycopg.Cursor[Any]):
    """psycopg's server-side binding cursor, preparing every statement it runs."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        try:
            return super().execute(query, params, prepare=True, binary=binary)
        except psycopg.errors.FeatureNotSupported as error:
            # A migration run elsewhere changed a table under a statement prepared before it:
            # PostgreSQL refuses the old plan. Outside a transaction, forget every prepared
            # statement of this connection (psycopg forgets its own with DEALLOCATE ALL) and
            # prepare again, instead of failing each request until the connection is replaced.
            stale = "cached plan must not change result type" in str(error)
            if not stale or self.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                raise
            self.connection.execute("DEALLOCATE ALL")
            return super().execute(query, params, prepare=True, binary=binary)


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Django's query log (tests, DEBUG) for a prepared cursor: each statement with its values
    written in, as Django logs its own (psycopg keeps no text of a prepared statement's run)."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        try:
            shown = sql if params is None else _written_in(self.db, sql, params)
        except psycopg.Error:
            shown = sql
        with self.debug_sql(shown, params):
            return CursorWrapper.execute(self, sql, params)


def prepared_cursor(alias: str) -> Any:
    """A cursor of the database `alias` whose statements are prepared on PostgreSQL (see the
    module); Django's own cursor elsewhere, or when preparing is switched off."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or not settings.FLEXHUB_DB_PREPARED:
        return connection.cursor()
    connection.close_if_health_check_failed()  # as Django's own cursor() does, first
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _ASK_ONLY
    cursor = _PreparingCursor(raw)
    wrapper = _PreparedDebugWrapper if connection.queries_logged else CursorWrapper
    return wrapper(cursor, connection)


def literal_sql(alias: str, sql: str, params: list[Any]) -> tuple[str, list[Any]]:
    """`sql` with `params` written in by the database driver's own quoting, for a statement whose
    best plan depends on its values: prepared with its values, PostgreSQL would plan it once for
    any values (a generic plan, for the queue 20 times slower); prepared as text, its plan is the
    one for these values, and a later request with the same values reuses it. Unchanged where
    statements are not prepared."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or not settings.FLEXHUB_DB_PREPARED:
        return sql, params
    return _written_in(connection, sql, params).replace("%", "%%"), []


def _written_in(connection: Any, sql: str, params: Any) -> str:
    """`sql` with `params` written in as psycopg's client-side binding writes them (Django's way)."""
    with psycopg.ClientCursor(connection.connection) as cursor:
        return cursor.mogrify(sql, params)
