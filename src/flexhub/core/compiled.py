"""Lookups a process runs on every request, compiled to SQL once.

Django compiles a queryset to SQL each time it runs: for the signed-in user with their
organisation, or an API token with its user and organisation, that is a third to half a
millisecond of Python on every request, before any of the page's own work. A `CompiledLookup`
compiles its lookup once per thread and database, and afterwards runs the same SQL with the new
value and builds the objects as Django's own iterator does (`Model.from_db`, the database's
converters, and the related-object populators of `select_related`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # (not in django-stubs)

M = TypeVar("M", bound=models.Model)

# Values no lookup is ever given, put where the values go so that their parameters can be found.
SENTINEL_TEXT = "\x1fflexhub-compiled-lookup\x1f"
SENTINEL_NUMBER = -7_364_529_183_274_119
SENTINEL_INSTANT = dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # where each looked-up value goes in `params`
    model: type[models.Model]
    names: list[str]  # the model's own columns' attribute names, in select order
    start: int
    end: int
    converters: dict[int, Any]
    compiler: Any
    populators: list[Any]


class CompiledLookup(Generic[M]):
    """`queryset().filter(<lookup>=value, ...).first()`, compiled once: `queryset` must give the
    same query every time (no per-request filters), with `select_related` as needed; each lookup
    (`"pk"`, `"user"`, `"expire_date__gt"`) takes the value given for it, in order."""

    def __init__(self, queryset: Callable[[], models.QuerySet[M]], *lookups: str) -> None:
        self._queryset = queryset
        self._lookups = lookups
        self._local = threading.local()

    def first(self, *values: Any) -> M | None:
        """The first object the lookups find with `values`, or None."""
        if len(values) != len(self._lookups):
            raise TypeError(f"{len(self._lookups)} values expected, for {', '.join(self._lookups)}")
        queryset = self._queryset()
        alias = queryset.db
        compiled: dict[str, _Compiled] = self._local.__dict__.setdefault("compiled", {})
        lookup = compiled.get(alias) or compiled.setdefault(alias, self._compile(queryset))
        params = list(lookup.params)
        connection = connections[alias]
        for slot, name, value in zip(lookup.slots, self._lookups, values, strict=True):
            params[slot] = _prepare(_field(queryset.model, name), value, connection)
        with connection.cursor() as cursor:
            cursor.execute(lookup.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if lookup.converters:
            row = next(iter(lookup.compiler.apply_converters([list(row)], lookup.converters)))
        found = lookup.model.from_db(alias, lookup.names, row[lookup.start : lookup.end])
        for populator in lookup.populators:
            populator.populate(row, found)
        return found  # type: ignore[return-value]

    def _compile(self, queryset: models.QuerySet[M]) -> _Compiled:
        connection = connections[queryset.db]
        sentinels = [_sentinel(_field(queryset.model, name), i) for i, name in enumerate(self._lookups)]
        query = queryset.filter(**dict(zip(self._lookups, sentinels, strict=True)))[:1].query
        compiler = query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        slots = []
        for name, sentinel in zip(self._lookups, sentinels, strict=True):
            sent = _prepare(_field(queryset.model, name), sentinel, connection)
            found = [i for i, param in enumerate(params) if param == sent]
            if len(found) != 1:
                raise ValueError(f"the lookup of {queryset.model.__name__} by {name} must take its value once")
            slots.append(found[0])
        select, klass_info = compiler.select, compiler.klass_info
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            model=klass_info["model"],
            names=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            converters=compiler.get_converters([column[0] for column in select]),
            compiler=compiler,
            populators=get_related_populators(klass_info, select, queryset.db),
        )


def _field(model: type[models.Model], lookup: str) -> Any:
    """The field whose values a lookup compares: a relation's target (a user's id for `user`)."""
    name = lookup.split("__")[0]
    field: Any = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return field.target_field if field.is_relation else field


def _prepare(field: Any, value: Any, connection: Any) -> Any:
    """What a filter sends for `value`: Django's own conversion, and its own error for a bad value."""
    return field.get_db_prep_value(value, connection, prepared=False)


def _sentinel(field: Any, position: int) -> Any:
    if isinstance(field, models.DateTimeField):
        return SENTINEL_INSTANT + dt.timedelta(seconds=position)
    if isinstance(field, models.IntegerField):
        return SENTINEL_NUMBER - position
    return f"{SENTINEL_TEXT}{position}"
