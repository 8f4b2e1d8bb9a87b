"""Row locks that answer "busy" instead of queueing behind a long piece of work."""

from __future__ import annotations

from typing import TypeVar

from django.db import OperationalError, models

from flexhub.core.errors import Conflict

M = TypeVar("M", bound=models.Model)

# PostgreSQL's SQLSTATE for "could not obtain lock on row" under NOWAIT.
LOCK_NOT_AVAILABLE = "55P03"


def lock_or_conflict(queryset: models.QuerySet[M], *, busy: str) -> M | None:
    """Lock the one row of `queryset` for this transaction, or raise `Conflict(busy)` at once if
    another transaction holds it; None when there is no such row.

    Billing a month and issuing it each take seconds; a second request for the same month
    should hear why it cannot go on now, not wait behind the first and then trip over what it
    changed. SQLite has no row locks: there the write lock, taken when the transaction begins,
    already makes the second request wait its turn.
    """
    try:
        # Only this table's row (a model's default ordering may join others), and not its key:
        # rows that merely point at it, such as new invoices of the run, may still be written.
        return queryset.order_by("pk").select_for_update(nowait=True, no_key=True, of=("self",)).first()
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise Conflict(busy) from exc
        raise
