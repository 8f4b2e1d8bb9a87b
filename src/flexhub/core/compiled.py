"""Lookups a process runs on every request, compiled to SQL once.

Django compiles a queryset to SQL each time it runs: for the signed-in user with their
organisation, or an API token with its user and organisation, that is a third to half a
millisecond of Python on every request, before any of the page's own work; for a ticket with
the six things its page names, within what the user may see, over a millisecond. A
`CompiledLookup` compiles its lookup once per thread and database, and afterwards runs the same
SQL with the new values and builds the objects as Django's own iterator does (`Model.from_db`,
the database's converters, and the related-object populators of `select_related`). On
PostgreSQL the statement is also prepared, so the server plans it once per connection
(core.prepared).

A `ScopedLookup` does the same for a lookup within `visible_to(user)`, compiled once per role:
the scope is still written by `core.tenancy` alone, for a stand-in user of the same role, and
only the user's own ids are put in. It first checks that the scope's SQL depends on nothing
else (two stand-ins of different ids must give the same SQL with only their ids differing);
a scope that does not is never compiled, and runs through Django every time.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # (not in django-stubs)

from flexhub.core.prepared import prepared_cursor
from flexhub.core.tenancy import is_acting_user

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)

# Values no lookup is ever given, put where the values go so that their parameters can be found.
SENTINEL_TEXT = "\x1fflexhub-compiled-lookup\x1f"
SENTINEL_NUMBER = -7_364_529_183_274_119
SENTINEL_INSTANT = dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC)
# The ids of the two stand-in users a scope is compiled for: (pk, organisation_id).
STAND_INS = ((-4_102_937_561_002_113, -4_102_937_561_002_127), (-5_218_447_006_113_901, -5_218_447_006_113_919))
USER_IDS = ("pk", "organisation_id")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # where each looked-up value goes in `params`
    user_slots: tuple[tuple[int, ...], ...]  # where the user's pk and organisation id go
    model: type[models.Model] | None  # None: a values query, whose rows are tuples
    names: list[str]  # the model's own columns' attribute names, in select order
    start: int
    end: int
    converters: dict[int, Any]
    compiler: Any
    populators: list[Any]

    def run(self, alias: str, params: list[Any]) -> Any:
        """The first row's object, built as Django builds it, or None."""
        with prepared_cursor(alias) as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        return None if row is None else self._build(alias, [row])[0]

    def run_all(self, alias: str, params: list[Any]) -> list[Any]:
        """Every row's object, in the query's order."""
        with prepared_cursor(alias) as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return self._build(alias, rows) if rows else []

    def _build(self, alias: str, rows: list[Any]) -> list[Any]:
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        if self.model is None:
            return [tuple(row) for row in rows]
        built = []
        for row in rows:
            found = self.model.from_db(alias, self.names, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, found)
            built.append(found)
        return built


class _Lookups:
    """What both kinds share: the lookups, and compiled queries kept per thread."""

    first_only = True  # compiled with LIMIT 1

    def __init__(self, lookups: tuple[str, ...]) -> None:
        self._lookups = lookups
        self._local = threading.local()

    def _kept(self) -> dict[Any, Any]:
        kept: dict[Any, Any] = self._local.__dict__.setdefault("compiled", {})
        return kept

    def _params(self, compiled: _Compiled, model: type[models.Model], alias: str, values: tuple[Any, ...]) -> list[Any]:
        if len(values) != len(self._lookups):
            raise TypeError(f"{len(self._lookups)} values expected, for {', '.join(self._lookups)}")
        params = list(compiled.params)
        connection = connections[alias]
        for slot, name, value in zip(compiled.slots, self._lookups, values, strict=True):
            params[slot] = _prepare(_field(model, name), value, connection)
        return params

    def _compile(self, queryset: models.QuerySet[Any], user_ids: tuple[int, ...] = ()) -> _Compiled:
        connection = connections[queryset.db]
        model = queryset.model
        sentinels = [_sentinel(_field(model, name), i) for i, name in enumerate(self._lookups)]
        filtered = queryset.filter(**dict(zip(self._lookups, sentinels, strict=True)))
        query = (filtered[:1] if self.first_only else filtered).query
        compiler = query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        slots = []
        for name, sentinel in zip(self._lookups, sentinels, strict=True):
            sent = _prepare(_field(model, name), sentinel, connection)
            found = [i for i, param in enumerate(params) if param == sent]
            if len(found) != 1:
                raise ValueError(f"the lookup of {model.__name__} by {name} must take its value once")
            slots.append(found[0])
        select, klass_info = compiler.select, compiler.klass_info
        converters = compiler.get_converters([column[0] for column in select])
        user_slots = tuple(tuple(i for i, param in enumerate(params) if param == value) for value in user_ids)
        if query.values_select or klass_info is None:  # values() or values_list(): plain rows
            return _Compiled(
                sql=sql,
                params=tuple(params),
                slots=tuple(slots),
                user_slots=user_slots,
                model=None,
                names=[],
                start=0,
                end=0,
                converters=converters,
                compiler=compiler,
                populators=[],
            )
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            user_slots=user_slots,
            model=klass_info["model"],
            names=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            converters=converters,
            compiler=compiler,
            populators=get_related_populators(klass_info, select, queryset.db),
        )


class CompiledLookup(_Lookups, Generic[M]):
    """`queryset().filter(<lookup>=value, ...).first()`, compiled once: `queryset` must give the
    same query every time (no per-request filters), with `select_related` as needed; each lookup
    (`"pk"`, `"user"`, `"expire_date__gt"`) takes the value given for it, in order."""

    def __init__(self, queryset: Callable[[], models.QuerySet[M]], *lookups: str) -> None:
        super().__init__(lookups)
        self._queryset = queryset
        self._model: type[models.Model] | None = None

    def first(self, *values: Any) -> M | None:
        """The first object the lookups find with `values`, or None."""
        alias, compiled, params = self._ready(values)
        found: M | None = compiled.run(alias, params)
        return found

    def _ready(self, values: tuple[Any, ...]) -> tuple[str, _Compiled, list[Any]]:
        model = self._model or self._learn_model()
        alias = router.db_for_read(model)
        kept = self._kept()
        compiled: _Compiled = kept.get(alias) or kept.setdefault(alias, self._compile(self._queryset()))
        return alias, compiled, self._params(compiled, model, alias, values)

    def _learn_model(self) -> type[models.Model]:
        self._model = self._queryset().model
        return self._model


class CompiledList(CompiledLookup[M]):
    """`list(queryset().filter(<lookup>=value, ...))`, compiled once, like `CompiledLookup` (a
    policy's targets, an organisation's agents)."""

    first_only = False

    def all(self, *values: Any) -> list[M]:
        """Every object the lookups find with `values`, in the query's order."""
        alias, compiled, params = self._ready(values)
        every: list[M] = compiled.run_all(alias, params)
        return every


NOTHING = "nothing"  # the role sees no rows at all
THROUGH_DJANGO = "through django"  # the scope depends on more than the user's ids


class ScopedLookup(_Lookups, Generic[M]):
    """`queryset(user).filter(<lookup>=value, ...).first()` where `queryset(user)` applies
    `visible_to(user)` (and `select_related` as needed), compiled once per role (see the module)."""

    def __init__(self, queryset: Callable[[Any], models.QuerySet[M]], *lookups: str) -> None:
        super().__init__(lookups)
        self._queryset = queryset
        self._model: type[models.Model] | None = None

    def _learn_model(self, user: Any) -> type[models.Model]:
        self._model = self._queryset(user).model
        return self._model

    def first(self, user: Any, *values: Any) -> M | None:
        """The first object `user` may see that the lookups find with `values`, or None."""
        found = self._find(user, values)
        return found[0] if found else None

    def _find(self, user: Any, values: tuple[Any, ...]) -> list[M]:
        if not is_acting_user(user):
            return []
        # The scoped queryset itself is built only to compile it: building it costs about as
        # much as compiling it.
        model = self._model or self._learn_model(user)
        alias = router.db_for_read(model)
        kept = self._kept()
        key = (alias, user.role)
        if key not in kept:
            kept[key] = self._compile_scoped(user)
        compiled = kept[key]
        if compiled == NOTHING:
            return []
        if compiled == THROUGH_DJANGO:
            found = self._queryset(user).filter(**dict(zip(self._lookups, values, strict=True)))
            return list(found[:1] if self.first_only else found)
        params = self._params(compiled, model, alias, values)
        for slots, value in zip(compiled.user_slots, (user.pk, user.organisation_id), strict=True):
            for slot in slots:
                params[slot] = value
        if self.first_only:
            one = compiled.run(alias, params)
            return [] if one is None else [one]
        every: list[M] = compiled.run_all(alias, params)
        return every

    def _compile_scoped(self, user: Any) -> _Compiled | str:
        compiled = []
        for position, ids in enumerate(STAND_INS):
            stand_in = _stand_in(user.role, ids, position)
            try:
                compiled.append(self._compile(self._queryset(stand_in), ids))
            except EmptyResultSet:
                return NOTHING
            except Exception:  # a scope that reads more of the user than a stand-in has
                logger.warning("the scope of %s for %s cannot be compiled", self._lookups, user.role, exc_info=True)
                return THROUGH_DJANGO
        first, second = compiled
        theirs = [set(slots) for slots in first.user_slots]
        same_shape = (
            first.sql == second.sql
            and first.user_slots == second.user_slots
            and len(first.params) == len(second.params)
            and all(
                a == b
                for i, (a, b) in enumerate(zip(first.params, second.params, strict=True))
                if not any(i in s for s in theirs)
            )
        )
        if not same_shape:
            logger.warning(
                "the scope of %s for %s depends on more than the user's ids: not compiled", self._lookups, user.role
            )
            return THROUGH_DJANGO
        return first


def _stand_in(role: str, ids: tuple[int, ...], position: int) -> Any:
    """An unsaved active user of `role` with the given ids, every other attribute of its own (so
    that a scope reading any of them shows it in its SQL: the two stand-ins then differ)."""
    model = get_user_model()
    values: dict[str, Any] = {"is_active": True, "role": role, **dict(zip(USER_IDS, ids, strict=True))}
    for column in model._meta.concrete_fields:
        if column.attname in values or column.primary_key:
            continue
        if isinstance(column, models.BooleanField):
            values[column.attname] = bool(position)
        elif isinstance(column, models.DateTimeField):
            values[column.attname] = SENTINEL_INSTANT + dt.timedelta(days=position)
        elif isinstance(column, models.CharField | models.TextField):
            values[column.attname] = f"{SENTINEL_TEXT}stand-in {position}"
    return model(**values)


def _field(model: type[models.Model], lookup: str) -> Any:
    """The field whose values a lookup compares: a relation's target (a user's id for `user`)."""
    name = lookup.split("__")[0]
    found: Any = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return found.target_field if found.is_relation else found


def _prepare(field: Any, value: Any, connection: Any) -> Any:
    """What a filter sends for `value`: Django's own conversion, and its own error for a bad value."""
    return field.get_db_prep_value(value, connection, prepared=False)


def _sentinel(field: Any, position: int) -> Any:
    if isinstance(field, models.DateTimeField):
        return SENTINEL_INSTANT + dt.timedelta(seconds=position)
    if isinstance(field, models.IntegerField):
        return SENTINEL_NUMBER - position
    return f"{SENTINEL_TEXT}{position}"


class ScopedList(ScopedLookup[M]):
    """`list(queryset(user).filter(<lookup>=value, ...))`, compiled once per role, like
    `ScopedLookup` (a ticket's events within what the user may see of them, say)."""

    first_only = False

    def all(self, user: Any, *values: Any) -> list[M]:
        """Every object `user` may see that the lookups find with `values`, in the query's order."""
        return self._find(user, values)


class ScopedRows(ScopedList[Any]):
    """`ScopedList` over a `values_list()` queryset: its rows as tuples, compiled once per role."""
