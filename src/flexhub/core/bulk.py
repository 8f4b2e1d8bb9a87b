"""Fast inserts for loads of hundreds of thousands of rows.

Django's `bulk_create` builds a model instance per row and prepares every
value through its field; for plain integers and strings that is wasted work.
`insert_rows` adapts only the columns that need it (timestamps, JSON) and
hands the rows to the driver's `executemany` in batches, inside the caller's
transaction, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField | models.DecimalField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _field(meta: Any, name: str) -> Any:
    try:
        return meta.get_field(name)
    except FieldDoesNotExist:
        return meta.get_field(name.removesuffix("_id"))


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    batch: int = 5000,
) -> int:
    """Insert `rows` (tuples in `columns` order, foreign keys as `<name>_id`); returns the count."""
    meta = model._meta
    fields = [_field(meta, name) for name in columns]
    db_columns = [f.column for f in fields]
    adapters = [_adapter(f) for f in fields]
    quote = connection.ops.quote_name
    # Table and column names come from the model's metadata; values go as parameters.
    names = ", ".join(quote(c) for c in db_columns)
    slots = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({slots})"  # noqa: S608
    adapting = [(i, a) for i, a in enumerate(adapters) if a is not None]
    count = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(iterator, batch)):
            if adapting:
                prepared = []
                for row in chunk:
                    values = list(row)
                    for index, adapt in adapting:
                        if values[index] is not None:
                            values[index] = adapt(values[index])
                    prepared.append(values)
                cursor.executemany(sql, prepared)
            else:
                cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


@dataclass
class LoadCounts:
    """What a bulk load did, counted by kind of record (`created["tickets"]`)."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
