"""Writing the audit log: who did what, through which channel, before and after."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db import models

from flexhub.core.bulk import insert_rows
from flexhub.core.models import AuditEntry, Organisation, User

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    """Who is making a change: a login (web or API) or an operating-system user (CLI)."""

    user: User | None
    label: str
    channel: str

    @classmethod
    def for_request(cls, request: HttpRequest, *, channel: str = "web") -> Actor:
        user = request.user
        return cls(user=user, label=user.get_username(), channel=channel)  # type: ignore[arg-type]

    @classmethod
    def for_cli(cls, user: User | None = None) -> Actor:
        """The CLI records the operating-system user, and the login it acts for if any."""
        try:
            os_user = getpass.getuser()
        except (KeyError, OSError):
            os_user = "unknown"
        label = f"{os_user} (cli)" if user is None else f"{user.get_username()} via {os_user} (cli)"
        return cls(user=user, label=label, channel="cli")

    @classmethod
    def system(cls, label: str = "flexhub") -> Actor:
        return cls(user=None, label=label, channel="system")


def audit_value(value: Any) -> Any:
    """A JSON-safe form of a field value, readable in the log and in CSV."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [audit_value(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The audited fields' current values, for a before/after comparison."""
    return {name: audit_value(getattr(instance, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose values differ, as {field: [before, after]}."""
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def audit_build(
    *,
    actor: Actor,
    action: str,
    instance: models.Model,
    changes: dict[str, list[Any]],
    organisation_id: int | None,
    framework_id: int | None = None,
    reason: str = "",
) -> AuditEntry:
    """An unsaved audit entry, for services that write many rows and save entries in bulk."""
    return AuditEntry(
        actor=actor.user,
        actor_label=actor.label[:200],
        channel=actor.channel,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        organisation_id=organisation_id,
        framework_id=framework_id,
        changes=changes,
        reason=reason,
    )


AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "organisation_id",
    "framework_id",
    "changes",
    "reason",
)


def audit_row(
    *,
    actor: Actor,
    at: dt.datetime,
    action: str,
    object_type: str,
    object_id: Any,
    object_repr: str,
    organisation_id: int | None,
    changes: dict[str, Any],
    framework_id: int | None = None,
    reason: str = "",
) -> tuple[Any, ...]:
    """An audit entry as a plain row, for loads too large to build model instances for."""
    return (
        at,
        actor.user.pk if actor.user else None,
        actor.label[:200],
        actor.channel,
        action,
        object_type,
        str(object_id),
        object_repr[:300],
        organisation_id,
        framework_id,
        changes,
        reason,
    )


def audit_insert_rows(rows: Iterable[tuple[Any, ...]]) -> None:
    """Append rows made by `audit_row`, streamed in batches (inside the caller's transaction)."""
    insert_rows(AuditEntry, AUDIT_COLUMNS, rows)


def audit_bulk(entries: list[AuditEntry]) -> None:
    """Append many entries at once (inside the caller's transaction)."""
    AuditEntry.objects.bulk_create(entries, batch_size=2000)


def audit_record(
    *,
    actor: Actor,
    action: str,
    instance: models.Model,
    changes: dict[str, list[Any]],
    organisation: Organisation | None,
    framework: models.Model | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry to the audit log; called by services inside their transaction."""
    return AuditEntry.objects.create(
        actor=actor.user,
        actor_label=actor.label[:200],
        channel=actor.channel,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        organisation=organisation,
        framework=cast(Any, framework),  # a frameworks.Framework, a type core may not import
        changes=changes,
        reason=reason,
    )


def audit_record_event(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    object_repr: str,
    organisation: Organisation | None,
    changes: dict[str, list[Any]] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append an entry about something that may have no row to point at, such as a sign-in
    attempted as a username that does not exist; called by services inside their transaction."""
    return AuditEntry.objects.create(
        actor=actor.user,
        actor_label=actor.label[:200],
        channel=actor.channel,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_repr=object_repr[:300],
        organisation=organisation,
        changes=changes or {},
        reason=reason,
    )
