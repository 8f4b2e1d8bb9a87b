"""The asset register's writes: import, status and assignment changes, secure disposal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from flexhub.assets.models import (
    Asset,
    AssetEvent,
    AssetStatus,
    DeviceKind,
    DeviceModel,
    DisposalRecord,
    SanitisationMethod,
)
from flexhub.core.audit import Actor, audit_insert_rows, audit_record, audit_row
from flexhub.core.bulk import insert_rows
from flexhub.core.csvimport import (
    FileRefused,
    ImportSummary,
    RowProblem,
    SeenKeys,
    chunked,
    field_problems,
    read_rows,
)
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import administers
from flexhub.directory.models import StaffMember

ASSET_COLUMNS = ("asset_tag", "serial", "kind", "manufacturer", "model", "site", "status", "assigned_email")
IMPORTABLE_STATUSES = tuple(s for s in AssetStatus.values if s != AssetStatus.DISPOSED)
# What the columns hold, from the models, so the check refuses what the write would; every
# value is checked for a NUL character, which PostgreSQL cannot store or even look up.
ASSET_LIMITS: dict[str, int | None] = {
    "asset_tag": Asset._meta.get_field("asset_tag").max_length,
    "serial": Asset._meta.get_field("serial").max_length,
    "kind": None,
    "manufacturer": DeviceModel._meta.get_field("manufacturer").max_length,
    "model": DeviceModel._meta.get_field("model").max_length,
    "site": Asset._meta.get_field("site").max_length,
    "status": None,
    "assigned_email": None,
}


def _require_admin(actor: Actor, organisation: Organisation) -> None:
    if actor.user is not None and not administers(actor.user, organisation):
        raise RuleError("you may change only your own organisation's assets")


@dataclass(frozen=True)
class AssetRow:
    line: int
    asset_tag: str
    serial: str
    kind: str
    manufacturer: str
    model: str
    site: str
    status: str
    assigned_email: str


def _parse(line: int, row: dict[str, str], problems: list[RowProblem]) -> AssetRow | None:
    """The row as it would be stored, or None with its every problem added to `problems`."""
    if "__width__" in row:
        problems.append(RowProblem(line, "", f"expected {len(ASSET_COLUMNS)} values, found {row['__width__']}"))
        return None
    values = tuple(row.get(c, "") for c in ASSET_COLUMNS)
    found: list[RowProblem] = []
    for column in ("asset_tag", "serial", "kind", "manufacturer", "model", "status"):
        if not row[column]:
            found.append(RowProblem(line, column, f"{column} is required", values))
    found.extend(field_problems(line, row, ASSET_LIMITS, values))
    if row["kind"] and row["kind"] not in DeviceKind.values:
        found.append(
            RowProblem(line, "kind", f"unknown kind {row['kind'][:40]!r} ({', '.join(DeviceKind.values)})", values)
        )
    if row["status"] == AssetStatus.DISPOSED:
        found.append(
            RowProblem(line, "status", "record the data sanitisation before marking an asset disposed", values)
        )
    elif row["status"] and row["status"] not in IMPORTABLE_STATUSES:
        found.append(
            RowProblem(
                line, "status", f"unknown status {row['status'][:40]!r} ({', '.join(IMPORTABLE_STATUSES)})", values
            )
        )
    if found:
        problems.extend(found)
        return None
    return AssetRow(
        line,
        row["asset_tag"],
        row["serial"],
        row["kind"],
        row["manufacturer"],
        row["model"],
        row["site"],
        row["status"],
        row["assigned_email"].lower(),
    )


def _rows(
    open_file: Callable[[], IO[bytes]], problems: list[RowProblem], summary: ImportSummary | None
) -> Iterator[AssetRow]:
    with open_file() as binary:
        for line, row in read_rows(binary, ASSET_COLUMNS):
            if summary is not None:
                summary.rows += 1
            parsed = _parse(line, row, problems)
            if parsed is not None:
                yield parsed


def _fields(
    row: AssetRow, models: Mapping[tuple[str, str], DeviceModel | None], staff: Mapping[str, int]
) -> dict[str, Any]:
    model = models.get((row.manufacturer, row.model))
    return {
        "serial": row.serial,
        "model_id": model.pk if model else None,
        "site": row.site,
        "status": row.status,
        "assigned_to_id": staff.get(row.assigned_email) if row.assigned_email else None,
    }


def asset_import(
    *,
    actor: Actor,
    organisation: Organisation,
    open_file: Callable[[], IO[bytes]],
    apply: bool = True,
    progress: Callable[[int], object] | None = None,
) -> ImportSummary:
    """Import an asset CSV (asset_tag,serial,kind,manufacturer,model,site,status,assigned_email): all or nothing.
    Unknown device models are added to the catalogue (power figures to be filled in).

    Only this organisation's register is consulted: a tag is unique within its owner's
    register, so other registers cannot refuse a row and the check says nothing of them."""
    _require_admin(actor, organisation)
    summary = ImportSummary()
    try:
        with SeenKeys() as seen:
            _check(organisation, open_file, summary, seen)
    except FileRefused as refused:
        summary.problems.append(refused.problem)
    if not summary.ok or not apply:
        return summary
    with transaction.atomic():
        _write(actor, organisation, open_file, progress)
    summary.applied = True
    return summary


def _check(
    organisation: Organisation, open_file: Callable[[], IO[bytes]], summary: ImportSummary, seen: SeenKeys
) -> None:
    """Check every row and count what would change, writing nothing."""
    for chunk in chunked(_rows(open_file, summary.problems, summary)):
        tags = [r.asset_tag for r in chunk]
        existing = {a.asset_tag: a for a in Asset.objects.filter(owner=organisation, asset_tag__in=tags)}
        staff = dict(
            StaffMember.objects.filter(
                organisation=organisation, email__in={r.assigned_email for r in chunk}
            ).values_list("email", "pk")
        )
        models = {
            (m.manufacturer, m.model): m
            for m in DeviceModel.objects.filter(
                manufacturer__in={r.manufacturer for r in chunk}, model__in={r.model for r in chunk}
            )
        }
        firsts = seen.first_rows([(r.asset_tag, r.line) for r in chunk])
        for row, first in zip(chunk, firsts, strict=True):
            values = (
                row.asset_tag,
                row.serial,
                row.kind,
                row.manufacturer,
                row.model,
                row.site,
                row.status,
                row.assigned_email,
            )
            if first is not None:
                summary.problems.append(
                    RowProblem(row.line, "asset_tag", f"{row.asset_tag} is also on row {first}", values)
                )
                continue
            if row.assigned_email and row.assigned_email not in staff:
                summary.problems.append(
                    RowProblem(
                        row.line,
                        "assigned_email",
                        f"{row.assigned_email} is not in this organisation's directory",
                        values,
                    )
                )
                continue
            current = existing.get(row.asset_tag)
            if current is not None and current.status == AssetStatus.DISPOSED:
                summary.problems.append(RowProblem(row.line, "status", f"{row.asset_tag} has been disposed of", values))
                continue
            wanted = _fields(row, models, staff)
            if current is None:
                summary.adds += 1
            elif any(getattr(current, k) != v for k, v in wanted.items() if k != "model_id" or v is not None):
                summary.changes += 1
            else:
                summary.unchanged += 1


def _write(
    actor: Actor,
    organisation: Organisation,
    open_file: Callable[[], IO[bytes]],
    progress: Callable[[int], object] | None,
) -> None:
    now = timezone.now()
    for chunk in chunked(_rows(open_file, [], None)):
        for row in chunk:
            DeviceModel.objects.get_or_create(
                manufacturer=row.manufacturer, model=row.model, defaults={"kind": row.kind}
            )
        models = {
            (m.manufacturer, m.model): m
            for m in DeviceModel.objects.filter(
                manufacturer__in={r.manufacturer for r in chunk}, model__in={r.model for r in chunk}
            )
        }
        staff = dict(
            StaffMember.objects.filter(
                organisation=organisation, email__in={r.assigned_email for r in chunk}
            ).values_list("email", "pk")
        )
        existing = {
            a.asset_tag: a for a in Asset.objects.filter(owner=organisation, asset_tag__in=[r.asset_tag for r in chunk])
        }
        new_rows = [r for r in chunk if r.asset_tag not in existing]
        created = Asset.objects.bulk_create(
            [Asset(asset_tag=r.asset_tag, owner=organisation, **_fields(r, models, staff)) for r in new_rows]
        )
        events: list[tuple[Any, ...]] = []
        audit: list[tuple[Any, ...]] = []
        asset: Asset | None
        for asset, row in zip(created, new_rows, strict=True):
            events.append((asset.pk, now, "registered", "", row.status, actor.label[:200], "imported"))
            audit.append(
                audit_row(
                    actor=actor,
                    at=now,
                    action=AuditAction.CREATE,
                    object_type="assets.asset",
                    object_id=asset.pk,
                    object_repr=row.asset_tag,
                    organisation_id=organisation.pk,
                    changes={"status": [None, row.status], "site": [None, row.site]},
                )
            )
        changed = []
        for row in chunk:
            asset = existing.get(row.asset_tag)
            if asset is None:
                continue
            wanted = _fields(row, models, staff)
            diffs = {k: [getattr(asset, k), v] for k, v in wanted.items() if getattr(asset, k) != v}
            if not diffs:
                continue
            for key, (old, new) in diffs.items():
                setattr(asset, key, new)
                events.append(
                    (
                        asset.pk,
                        now,
                        key.removesuffix("_id"),
                        "" if old is None else str(old),
                        "" if new is None else str(new),
                        actor.label[:200],
                        "imported",
                    )
                )
            changed.append(asset)
            audit.append(
                audit_row(
                    actor=actor,
                    at=now,
                    action=AuditAction.UPDATE,
                    object_type="assets.asset",
                    object_id=asset.pk,
                    object_repr=asset.asset_tag,
                    organisation_id=organisation.pk,
                    changes={
                        k.removesuffix("_id"): [None if o is None else str(o), None if n is None else str(n)]
                        for k, (o, n) in diffs.items()
                    },
                )
            )
        if changed:
            Asset.objects.bulk_update(changed, ["serial", "model_id", "site", "status", "assigned_to_id"])
        insert_rows(AssetEvent, ("asset_id", "at", "kind", "from_value", "to_value", "actor_label", "note"), events)
        audit_insert_rows(audit)
        if progress:
            progress(len(chunk))


DEVICE_FIELDS = ["kind", "on_watts", "sleep_watts", "off_watts", "tec_kwh"]


@transaction.atomic
def device_model_update(*, actor: Actor, device: DeviceModel, **values: Any) -> DeviceModel:
    """Set a device model's kind and power figures (shared reference data: the authority keeps it)."""
    user = actor.user
    if user is not None and user.role != Role.AUTHORITY_ADMIN:
        raise RuleError("the device catalogue is kept by the authority")
    for name in ("on_watts", "sleep_watts", "off_watts", "tec_kwh"):
        if values.get(name) is not None and values[name] < 0:
            raise RuleError("power figures cannot be negative", field=name)
    changes = {}
    for name in DEVICE_FIELDS:
        if name in values and getattr(device, name) != values[name]:
            changes[name] = [str(getattr(device, name)), str(values[name])]
            setattr(device, name, values[name])
    if changes:
        device.save()
        # Shared reference data: the change is filed under the authority that made it.
        owner = actor.user.organisation if actor.user else None
        audit_record(actor=actor, action=AuditAction.UPDATE, instance=device, changes=changes, organisation=owner)
    return device


@transaction.atomic
def asset_update(
    *, actor: Actor, asset: Asset, status: str, site: str, assigned_to: StaffMember | None, note: str = ""
) -> Asset:
    """Change an asset's status, site or holder; each change goes into its dated history."""
    _require_admin(actor, asset.owner)
    if status == AssetStatus.DISPOSED:
        raise RuleError("record the data sanitisation to dispose of an asset", field="status")
    if asset.status == AssetStatus.DISPOSED:
        raise RuleError("a disposed asset cannot change")
    if status not in AssetStatus.values:
        raise RuleError(f"unknown status {status!r}", field="status")
    if assigned_to is not None and assigned_to.organisation_id != asset.owner_id:
        raise RuleError("the person is not in this organisation's directory", field="assigned_to")
    now = timezone.now()
    changes: dict[str, list[Any]] = {}
    for field_name, new, shown in (
        ("status", status, status),
        ("site", site, site),
        ("assigned_to", assigned_to, str(assigned_to) if assigned_to else ""),
    ):
        old = getattr(asset, field_name)
        if old != new:
            old_shown = str(old) if old is not None else ""
            AssetEvent.objects.create(
                asset=asset,
                at=now,
                kind=field_name,
                from_value=old_shown,
                to_value=shown,
                actor_label=actor.label[:200],
                note=note,
            )
            changes[field_name] = [old_shown, shown]
            setattr(asset, field_name, new)
    if changes:
        asset.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, instance=asset, changes=changes, organisation=asset.owner)
    return asset


@transaction.atomic
def asset_dispose(*, actor: Actor, asset: Asset, method: str, date: dt.date, certificate_ref: str) -> DisposalRecord:
    """Record how the asset's data was destroyed, then mark it disposed: never the other way round."""
    _require_admin(actor, asset.owner)
    if asset.status == AssetStatus.DISPOSED:
        raise RuleError(f"{asset.asset_tag} is already disposed of")
    if method not in SanitisationMethod.values:
        raise RuleError(f"unknown sanitisation method {method!r}", field="method")
    if not certificate_ref.strip():
        raise RuleError("give the sanitisation certificate's reference", field="certificate_ref")
    if date > timezone.localdate():
        raise RuleError("the sanitisation date cannot be in the future", field="date")
    record = DisposalRecord.objects.create(
        asset=asset,
        method=method,
        date=date,
        certificate_ref=certificate_ref.strip(),
        recorded_by=actor.label[:200],
        recorded_at=timezone.now(),
    )
    AssetEvent.objects.create(
        asset=asset,
        at=timezone.now(),
        kind="status",
        from_value=asset.status,
        to_value="disposed",
        actor_label=actor.label[:200],
        note=f"sanitised: {record.get_method_display()}, certificate {record.certificate_ref}",
    )
    previous = asset.status
    asset.status = AssetStatus.DISPOSED
    asset.assigned_to = None
    asset.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=asset,
        changes={"status": [previous, "disposed"], "certificate": [None, record.certificate_ref]},
        organisation=asset.owner,
    )
    return record
