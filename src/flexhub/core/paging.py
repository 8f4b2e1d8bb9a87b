"""Keyset (cursor) paging for lists that grow without bound: the audit log, invoices, assets,
staff. A page is the rows after the key of the last row of the page before, read through the
list's own order; nothing is counted, so the hundredth page costs what the first does and a
list of a million rows costs what a list of a thousand does."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet

from flexhub.core.errors import RuleError

BROKEN_LINK = "the page link is broken or out of date: start again from the first page"


@dataclass
class KeysetPage:
    rows: list[Any]
    next_token: str | None  # the link to the next page; None on the last
    first: bool  # no key was given: this is the first page


def _field(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    """The model field a lookup path ends at ("member__code": the member's code)."""
    *through, last = path.split("__")
    for part in through:
        model = model._meta.get_field(part).related_model  # type: ignore[assignment]
    return model._meta.pk if last == "pk" else model._meta.get_field(last)  # type: ignore[return-value]


def _plain(value: Any) -> Any:
    """A key value as JSON holds it, exactly (times keep their microseconds)."""
    if isinstance(value, dt.date | Decimal):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return value


def _encode(values: Sequence[Any]) -> str:
    text = json.dumps([_plain(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str, fields: Sequence[models.Field[Any, Any]]) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
        if not isinstance(values, list) or len(values) != len(fields) or None in values:
            raise ValueError(token)
        typed = [field.to_python(value) for field, value in zip(fields, values, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError, ValidationError) as exc:
        raise RuleError(BROKEN_LINK) from exc
    if any(isinstance(v, dt.datetime) and v.tzinfo is None for v in typed):
        raise RuleError(BROKEN_LINK)
    return typed


def _after(keys: Sequence[tuple[str, bool]], values: Sequence[Any]) -> Q:
    """Rows after the key in the order (path, descending): the first key further on, or equal
    and the second further on, and so on."""
    condition = Q(pk__in=[])
    for i, ((path, descending), value) in enumerate(zip(keys, values, strict=True)):
        step = Q(**{f"{path}__{'lt' if descending else 'gt'}": value})
        for (earlier, _), earlier_value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{earlier: earlier_value})
        condition |= step
    return condition


def keyset_page(queryset: QuerySet[Any], ordering: Sequence[str], token: str | None, size: int) -> KeysetPage:
    """The page of `queryset` in `ordering` (lookup paths, "-" for descending, ending with a
    unique one such as "pk") after the key in `token`; a RuleError for a broken token. Every
    key must be a column that is never empty."""
    keys = [(name.lstrip("-"), name.startswith("-")) for name in ordering]
    aliases = {f"keyset_{i}": F(path) for i, (path, _) in enumerate(keys)}
    rows_query = queryset.annotate(**aliases).order_by(*ordering)
    if token:
        values = _decode(token, [_field(queryset.model, path) for path, _ in keys])
        rows_query = rows_query.filter(_after(keys, values))
    rows = list(rows_query[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_token = _encode([getattr(rows[-1], alias) for alias in aliases]) if more and rows else None
    return KeysetPage(rows=rows, next_token=next_token, first=not token)
