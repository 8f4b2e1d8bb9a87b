"""Lookups a process runs on every request, compiled to SQL once.

Django compiles a queryset to SQL each time it runs: for the signed-in user with their
organisation, or an API token with its user and organisation, that is a third to half a
millisecond of Python on every request, before any of the page's own work. A `CompiledLookup`
compiles its lookup once per thread and database, and afterwards runs the same SQL with the new
value and builds the objects as Django's own iterator does (`Model.from_db`, the database's
converters, and the related-object populators of `select_related`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # (not in django-stubs)

M = TypeVar("M", bound=models.Model)

# A value no lookup is ever given, put where the value goes so that its parameter can be found.
SENTINEL_TEXT = "\x1fflexhub-compiled-lookup\x1f"
SENTINEL_NUMBER = -7_364_529_183_274_119


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slot: int  # where the looked-up value goes in `params`
    model: type[models.Model]
    names: list[str]  # the model's own columns' attribute names, in select order
    start: int
    end: int
    converters: dict[int, Any]
    compiler: Any
    populators: list[Any]


class CompiledLookup(Generic[M]):
    """`queryset().filter(<field>=value).first()`, compiled once: `queryset` must give the same
    query every time (no per-request filters), with `select_related` as needed."""

    def __init__(self, queryset: Callable[[], models.QuerySet[M]], field: str) -> None:
        self._queryset = queryset
        self._field = field
        self._local = threading.local()

    def first(self, value: Any) -> M | None:
        """The first object whose `field` is `value`, or None."""
        queryset = self._queryset()
        alias = queryset.db
        compiled: dict[str, _Compiled] = self._local.__dict__.setdefault("compiled", {})
        lookup = compiled.get(alias) or compiled.setdefault(alias, self._compile(queryset))
        params = list(lookup.params)
        params[lookup.slot] = self._prepare(queryset, value)
        with connections[alias].cursor() as cursor:
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

    def _model_field(self, model: type[models.Model]) -> Any:
        return model._meta.pk if self._field == "pk" else model._meta.get_field(self._field)

    def _prepare(self, queryset: models.QuerySet[M], value: Any) -> Any:
        # What the filter would send: Django's own conversion, and its own error for a bad value.
        field = self._model_field(queryset.model)
        return field.get_db_prep_value(value, connections[queryset.db], prepared=False)

    def _compile(self, queryset: models.QuerySet[M]) -> _Compiled:
        field = self._model_field(queryset.model)
        sentinel = SENTINEL_NUMBER if isinstance(field, models.IntegerField) else SENTINEL_TEXT
        query = queryset.filter(**{self._field: sentinel})[:1].query
        compiler = query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        slots = [i for i, param in enumerate(params) if param == sentinel]
        if len(slots) != 1:
            raise ValueError(f"the lookup of {queryset.model.__name__} by {self._field} must take it once")
        select, klass_info = compiler.select, compiler.klass_info
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slot=slots[0],
            model=klass_info["model"],
            names=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            converters=compiler.get_converters([column[0] for column in select]),
            compiler=compiler,
            populators=get_related_populators(klass_info, select, queryset.db),
        )
