"""Fast inserts for loads of hundreds of thousands of rows.

Django's `bulk_create` builds a model instance per row and prepares every
value through its field; for plain integers and strings that is wasted work.
`insert_rows` adapts only the columns that need it and hands the rows to the
database's bulk path, inside the caller's transaction: on PostgreSQL `COPY ... FROM
STDIN`, where psycopg turns dates, timestamps and numbers into the wire format in C (no
adaptation in Python at all); on SQLite the driver's `executemany` of statements that each
insert up to a hundred rows, with timestamps written as Django writes them (UTC,
`YYYY-MM-DD HH:MM:SS[.ffffff]`) by one cheap conversion rather than Django's general one.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models


def _sqlite_datetime() -> Callable[[Any], Any]:
    """What SQLite's `adapt_datetimefield_value` makes of a datetime (naive in the connection's
    zone, as text), in one step instead of its checks and calls."""
    zone = connection.timezone
    if zone is None or zone.utcoffset(None) != dt.timedelta(0):  # not the UTC of flexhub's settings
        return connection.ops.adapt_datetimefield_value

    def adapt_to_utc(value: dt.datetime) -> str:
        if value.utcoffset() is None:
            return str(value)
        return value.astimezone(zone).isoformat(" ")[:-6]  # less its "+00:00": str() of the naive time

    return adapt_to_utc


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    vendor = connection.vendor
    if isinstance(field, models.DateTimeField):
        if vendor == "postgresql":  # psycopg sends datetimes as they are
            return None
        return _sqlite_datetime() if vendor == "sqlite" else connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        if vendor == "postgresql":
            return None
        return dt.date.isoformat if vendor == "sqlite" else connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField) and vendor in ("sqlite", "postgresql"):
        return functools.partial(json.dumps, cls=field.encoder)  # the text Django would send (jsonb parses it)
    if isinstance(field, models.DecimalField):
        return _decimal_adapter(field)
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _decimal_adapter(field: models.DecimalField[Any, Any]) -> Callable[[Any], Any]:
    """A finite Decimal as it is (Django's preparation of one is two `to_python` calls that give
    it back unchanged, some 8 µs a value); anything else through the field, which converts it or
    refuses it with Django's own error."""

    def adapt(value: Any) -> Any:
        if type(value) is Decimal and value.is_finite():
            return value
        return field.get_db_prep_save(value, connection)

    return adapt


def _field(meta: Any, name: str) -> Any:
    try:
        return meta.get_field(name)
    except FieldDoesNotExist:
        return meta.get_field(name.removesuffix("_id"))


def datetime_to_db() -> Callable[[dt.datetime | None], Any]:
    """What `insert_rows(..., adapted=True)` takes for a timestamp column: the datetime itself on
    PostgreSQL, Django's text on SQLite (None stays None). A caller that writes the same instant
    in several rows (a ticket's opening and its `opened` event) converts it once."""
    adapt = _adapter(models.DateTimeField())
    if adapt is None:
        return lambda value: value
    return lambda value: None if value is None else adapt(value)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    batch: int = 5000,
    *,
    adapted: bool = False,
) -> int:
    """Insert `rows` (tuples in `columns` order, foreign keys as `<name>_id`); returns the count.
    With `adapted`, the rows already hold what the database takes (`datetime_to_db`)."""
    meta = model._meta
    fields = [_field(meta, name) for name in columns]
    db_columns = [f.column for f in fields]
    adapters = [_adapter(f) for f in fields]
    quote = connection.ops.quote_name
    # Table and column names come from the model's metadata; values go as parameters.
    names = ", ".join(quote(c) for c in db_columns)
    slots = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({slots})"  # noqa: S608
    adapting = [] if adapted else [(i, a) for i, a in enumerate(adapters) if a is not None]
    if connection.vendor == "postgresql":
        return _copy_rows(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN", rows, adapting)
    count = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        # Several rows per statement: the database then runs one statement per group, not per row.
        per_statement = max(1, min(ROWS_PER_STATEMENT, _max_parameters() // len(columns)))
        many = sql + f", ({slots})" * (per_statement - 1)
        while chunk := list(islice(iterator, batch)):
            prepared: list[Sequence[Any]] = chunk
            if adapting:
                prepared = []
                for row in chunk:
                    values = list(row)
                    for index, adapt in adapting:
                        if values[index] is not None:
                            values[index] = adapt(values[index])
                    prepared.append(values)
            whole = len(prepared) - len(prepared) % per_statement
            if whole:
                groups = range(0, whole, per_statement)
                cursor.executemany(many, [[v for row in prepared[i : i + per_statement] for v in row] for i in groups])
            if whole < len(prepared):
                rest = prepared[whole:]
                cursor.execute(sql + f", ({slots})" * (len(rest) - 1), [v for row in rest for v in row])
            count += len(chunk)
    return count


ROWS_PER_STATEMENT = 100


def _max_parameters() -> int:
    """How many parameters one statement may have: SQLite's own limit where the driver tells it."""
    getlimit = getattr(connection.connection, "getlimit", None)  # sqlite3 from Python 3.11
    if getlimit is not None:
        return int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return int(connection.features.max_query_params or 999)


def _copy_rows(sql: str, rows: Iterable[Sequence[Any]], adapting: list[tuple[int, Callable[[Any], Any]]]) -> int:
    """Stream rows to PostgreSQL's COPY (psycopg writes each value's text form in C)."""
    count = 0
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        write = copy.write_row
        if not adapting:
            for row in rows:
                write(row)
                count += 1
            return count
        for row in rows:
            values = list(row)
            for index, adapt in adapting:
                if values[index] is not None:
                    values[index] = adapt(values[index])
            write(values)
            count += 1
    return count


SQLITE_LOAD_CACHE_KIB = 256 * 1024


@contextmanager
def bulk_page_cache() -> Iterator[None]:
    """On SQLite, let a bulk write keep up to 256 MiB of the database's pages in memory (the
    default is 2 MiB), then go back to what it was. Rows added to indexes in no particular order
    (a ticket's member, its due time; an audit entry's object) would otherwise have pages
    written out and read back again and again: a third of the time of a large load."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def refresh_planner_statistics() -> None:
    """After a bulk load, let the database's planner see the new rows. PostgreSQL's autovacuum
    would analyse the tables in its own time; until then it plans for the empty tables it last
    saw (a queue read through a full sort instead of its index). Only a table's owner may
    analyse it: a role that owns none (docs/operations.md) leaves it to autovacuum. SQLite keeps
    no statistics unless asked, and plans well without them."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tableowner = current_user"
        )
        owned = [name for (name,) in cursor.fetchall()]
        if owned:
            cursor.execute(f"ANALYZE {', '.join(owned)}")


@dataclass
class LoadCounts:
    """What a bulk load did, counted by kind of record (`created["tickets"]`)."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
