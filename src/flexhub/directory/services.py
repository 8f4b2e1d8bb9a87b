"""The staff directory's writes: the all-or-nothing CSV import, single changes, and TUPE transfers
(several people at once, chosen or named in a CSV, all or none)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from flexhub.core.audit import Actor, audit_build, audit_bulk, audit_insert_rows, audit_row
from flexhub.core.bulk import insert_rows
from flexhub.core.csvimport import (
    FileRefused,
    ImportSummary,
    ProblemLog,
    RowProblem,
    SeenKeys,
    chunked,
    field_problems,
    read_rows,
)
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, Organisation, User
from flexhub.core.tenancy import administers
from flexhub.directory.imports import importer_for
from flexhub.directory.models import (
    StaffEvent,
    StaffMember,
    StaffStatus,
    StagedImport,
    StagedImportPart,
    TupeTransfer,
)
from flexhub.directory.selectors import transfer_suppliers

STAFF_COLUMNS = ("name", "email", "unit", "site", "grade", "start_date", "leave_date", "predecessor")
STAFF_FIELDS = ("name", "unit", "site", "grade", "start_date", "leave_date", "predecessor_id", "status")
# What the columns hold, from the model, so the check refuses what the write would.
STAFF_LIMITS = {
    c: StaffMember._meta.get_field(c).max_length  # type: ignore[union-attr]
    for c in ("name", "email", "unit", "site", "grade")
}
_email = EmailValidator()


@dataclass(frozen=True)
class StaffRow:
    line: int
    name: str
    email: str
    unit: str
    site: str
    grade: str
    start_date: dt.date | None
    leave_date: dt.date | None
    predecessor_id: int | None

    @property
    def status(self) -> str:
        left = self.leave_date is not None and self.leave_date <= timezone.localdate()
        return StaffStatus.LEFT if left else StaffStatus.ACTIVE

    def values(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in STAFF_FIELDS}


def _date(value: str, column: str, line: int, values: tuple[str, ...], problems: list[RowProblem]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(RowProblem(line, column, f"{value!r} is not a date written YYYY-MM-DD that exists", values))
        return None


def _parse(line: int, row: dict[str, str], predecessors: dict[str, int], problems: list[RowProblem]) -> StaffRow | None:
    """The row as it would be stored, or None with its every problem added to `problems`."""
    if "__width__" in row:
        problems.append(RowProblem(line, "", f"expected {len(STAFF_COLUMNS)} values, found {row['__width__']}"))
        return None
    values = tuple(row.get(c, "") for c in STAFF_COLUMNS)
    found: list[RowProblem] = []
    for column in ("name", "email", "unit", "site"):
        if not row[column]:
            found.append(RowProblem(line, column, f"{column} is required", values))
    email = row["email"].lower()
    found.extend(field_problems(line, {**row, "email": email}, STAFF_LIMITS, values))
    if email and not any(p.column == "email" for p in found):
        try:
            _email(email)
        except ValidationError:
            found.append(RowProblem(line, "email", f"{row['email']!r} is not a valid email address", values))
    start = _date(row["start_date"], "start_date", line, values, found)
    leave = _date(row["leave_date"], "leave_date", line, values, found)
    if start and leave and leave < start:
        found.append(RowProblem(line, "leave_date", f"leaves ({leave}) before starting ({start})", values))
    predecessor = None
    if row["predecessor"]:
        code = row["predecessor"].upper()
        if code not in predecessors:
            known = ", ".join(sorted(predecessors)) or "none"
            found.append(
                RowProblem(
                    line,
                    "predecessor",
                    f"{row['predecessor'][:40]!r} is not a predecessor of this organisation "
                    f"(its predecessors: {known})",
                    values,
                )
            )
        else:
            predecessor = predecessors[code]
    if found:
        problems.extend(found)
        return None
    return StaffRow(line, row["name"], email, row["unit"], row["site"], row["grade"], start, leave, predecessor)


def _staff_rows(
    open_file: Callable[[], IO[bytes]],
    organisation: Organisation,
    problems: list[RowProblem],
    summary: ImportSummary | None = None,
) -> Iterator[StaffRow]:
    predecessors = dict(organisation.predecessors.values_list("code", "pk"))
    with open_file() as binary:
        for line, row in read_rows(binary, STAFF_COLUMNS):
            if summary is not None:
                summary.rows += 1
            parsed = _parse(line, row, predecessors, problems)
            if parsed is not None:
                yield parsed


def _check(open_file: Callable[[], IO[bytes]], organisation: Organisation) -> ImportSummary:
    """Check every row and work out what would change, writing nothing.

    Only this organisation's directory is consulted: an email is unique within a directory
    (StaffMember's constraint), so whatever other directories hold cannot refuse a row, and
    the check says nothing about them.
    """
    summary = ImportSummary()
    try:
        with SeenKeys() as seen:
            rows = _staff_rows(open_file, organisation, summary.problems, summary)
            for chunk in chunked(rows):
                fresh = []
                for row, first in zip(chunk, seen.first_rows([(r.email, r.line) for r in chunk]), strict=True):
                    if first is not None:
                        summary.problems.append(RowProblem(row.line, "email", f"{row.email} is also on row {first}"))
                        continue
                    fresh.append(row)
                emails = [r.email for r in fresh]
                existing = {s.email: s for s in StaffMember.objects.filter(organisation=organisation, email__in=emails)}
                for row in fresh:
                    _count(summary, row, existing.get(row.email))
    except FileRefused as refused:
        summary.problems.append(refused.problem)
    return summary


def _changes(row: StaffRow, current: StaffMember) -> dict[str, list[Any]]:
    changes = {}
    for name, value in row.values().items():
        old = getattr(current, name)
        if old != value:
            changes[name.removesuffix("_id")] = [_plain(old), _plain(value)]
    return changes


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _count(summary: ImportSummary, row: StaffRow, current: StaffMember | None) -> str:
    if current is None:
        summary.adds += 1
        kind = "add"
    else:
        changes = _changes(row, current)
        if not changes:
            summary.unchanged += 1
            return "unchanged"
        if row.status == StaffStatus.LEFT and current.status != StaffStatus.LEFT:
            summary.leavers += 1
            kind = "leaver"
        else:
            summary.changes += 1
            kind = "change"
        if len(summary.examples) < 25:
            summary.examples.append({"email": row.email, "action": kind, "changes": changes})
        return kind
    if len(summary.examples) < 25:
        summary.examples.append({"email": row.email, "action": kind, "changes": {}})
    return kind


def staff_import(
    *,
    actor: Actor,
    organisation: Organisation,
    open_file: Callable[[], IO[bytes]],
    apply: bool = True,
    progress: Callable[[int], object] | None = None,
) -> ImportSummary:
    """Import a directory CSV for one organisation: all rows or none.

    `open_file` opens the file afresh (it is read twice and never held in memory whole).
    Without `apply` it only reports what would change (the preview).
    """
    if actor.user is not None and not administers(actor.user, organisation):
        raise RuleError(f"you do not administer {organisation.code}, so you may not import its directory")
    if not organisation.is_member:
        raise RuleError(f"{organisation.code} is not a member: it has no staff directory")
    summary = _check(open_file, organisation)
    if not summary.ok or not apply:
        return summary
    with transaction.atomic():
        _write(actor, organisation, open_file, progress)
    summary.applied = True
    return summary


def _write(
    actor: Actor,
    organisation: Organisation,
    open_file: Callable[[], IO[bytes]],
    progress: Callable[[int], object] | None,
) -> None:
    now = timezone.now()
    problems: list[RowProblem] = []
    for chunk in chunked(_staff_rows(open_file, organisation, problems)):
        emails = [r.email for r in chunk]
        existing = {s.email: s for s in StaffMember.objects.filter(organisation=organisation, email__in=emails)}
        users = dict(User.objects.filter(organisation=organisation, email__in=emails).values_list("email", "pk"))
        new = [r for r in chunk if r.email not in existing]
        created = StaffMember.objects.bulk_create(
            [
                StaffMember(organisation=organisation, email=r.email, user_id=users.get(r.email), **r.values())
                for r in new
            ]
        )
        changed: list[StaffMember] = []
        events: list[tuple[Any, ...]] = []
        audit: list[tuple[Any, ...]] = []
        for staff, row in zip(created, new, strict=True):
            events.append((staff.pk, now, row.start_date, "joined", None, organisation.pk, "imported"))
            audit.append(
                _audit_row(
                    actor,
                    now,
                    AuditAction.CREATE,
                    staff,
                    organisation,
                    {k.removesuffix("_id"): [None, _plain(v)] for k, v in row.values().items()},
                )
            )
        for row in chunk:
            current = existing.get(row.email)
            if current is None:
                continue
            changes = _changes(row, current)
            if not changes:
                continue
            kind = "left" if row.status == StaffStatus.LEFT and current.status != StaffStatus.LEFT else "changed"
            for name, value in row.values().items():
                setattr(current, name, value)
            current.user_id = current.user_id or users.get(row.email)
            changed.append(current)
            events.append((current.pk, now, row.leave_date if kind == "left" else None, kind, None, None, "imported"))
            audit.append(_audit_row(actor, now, AuditAction.UPDATE, current, organisation, changes))
        if changed:
            StaffMember.objects.bulk_update(changed, [*STAFF_FIELDS, "user_id"])
        insert_rows(
            StaffEvent,
            ("staff_id", "at", "effective", "kind", "from_organisation_id", "to_organisation_id", "note"),
            events,
        )
        audit_insert_rows(audit)
        if progress:
            progress(len(chunk))


def _audit_row(
    actor: Actor, now: dt.datetime, action: str, staff: StaffMember, organisation: Organisation, changes: dict[str, Any]
) -> tuple[Any, ...]:
    return audit_row(
        actor=actor,
        at=now,
        action=action,
        object_type="directory.staffmember",
        object_id=staff.pk,
        object_repr=str(staff),
        organisation_id=organisation.pk,
        changes=changes,
    )


# TUPE transfers: several of a member's staff to one supplier at once, all or none.

TRANSFER_COLUMNS = ("email",)
EMAIL_LIMIT = {"email": StaffMember._meta.get_field("email").max_length}


@dataclass
class TransferCheck:
    """What a transfer named by emails (a CSV, an API call) did or would do: each row's problem,
    or the people it moves and, once applied, their transfers. A row is a line of the file (the
    header is line 1) or a place in the API's list (from 0)."""

    rows: int = 0
    people: list[StaffMember] = field(default_factory=list)
    problems: ProblemLog = field(default_factory=ProblemLog)
    transfers: list[TupeTransfer] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def applied(self) -> bool:
        return bool(self.transfers)


def _transfer_allowed(actor: Actor, member: Organisation, to_supplier: Organisation) -> None:
    """What must hold whoever is transferred: the actor administers the member, and the supplier
    supplies a framework the member takes part in."""
    if actor.user is not None and not administers(actor.user, member):
        raise RuleError("only the member's admins or the authority register a transfer")
    if not member.is_member:
        raise RuleError(f"{member.code} is not a member: it has no staff to transfer", field="member")
    if not to_supplier.is_supplier:
        raise RuleError(f"{to_supplier.code} is not a supplier", field="to_supplier")
    if not transfer_suppliers([member]).filter(pk=to_supplier.pk).exists():
        raise RuleError(f"{to_supplier.code} supplies no framework {member.code} takes part in", field="to_supplier")


def _refusals(
    member: Organisation, people: Sequence[StaffMember], to_supplier: Organisation, transfer_date: dt.date
) -> dict[int, str]:
    """Why each person who cannot transfer cannot, by their record's key: transferred already,
    not in the member's directory, not in post, starting after the transfer, or already on the
    supplier's records (an email is unique within an organisation's records)."""
    refusals: dict[int, str] = {}
    for chunk in chunked(people):
        earlier = {
            t.staff_id: t
            for t in TupeTransfer.objects.filter(staff__in=[p.pk for p in chunk]).select_related("to_supplier")
        }
        at_supplier = set(
            StaffMember.objects.filter(organisation=to_supplier, email__in=[p.email for p in chunk]).values_list(
                "email", flat=True
            )
        )
        for person in chunk:
            transfer = earlier.get(person.pk)
            if transfer is not None and transfer.from_organisation_id == member.pk:
                refusals[person.pk] = (
                    f"{person.name} was transferred to {transfer.to_supplier.code} on {transfer.transfer_date} already"
                )
            elif person.organisation_id != member.pk:
                refusals[person.pk] = f"{person.name} is not in {member.code}'s directory"
            elif person.status != StaffStatus.ACTIVE:
                refusals[person.pk] = f"{person.name} is not in post at {member.code}"
            elif person.start_date and person.start_date > transfer_date:
                refusals[person.pk] = f"{person.name} starts on {person.start_date}, after the transfer date"
            elif person.email in at_supplier:
                refusals[person.pk] = f"{person.email} is already recorded at {to_supplier.code}"
    return refusals


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@transaction.atomic
def tupe_transfer_many(
    *,
    actor: Actor,
    member: Organisation,
    staff: Sequence[StaffMember],
    to_supplier: Organisation,
    transfer_date: dt.date,
    terms_protected: bool,
    note: str = "",
) -> list[TupeTransfer]:
    """Register the TUPE transfer of several of a member's staff to one supplier on one date, all
    or none: each person's record moves to the supplier with its history, their kit stays with
    the member, and each transfer has its own audit entry. If anyone cannot transfer, nobody
    does, and the refusal names every one of them and why."""
    _transfer_allowed(actor, member, to_supplier)
    if not staff:
        raise RuleError("choose the people to transfer", field="staff")
    ids = [person.pk for person in staff]
    chosen = Counter(ids)
    if len(chosen) != len(ids):
        twice = sorted({p.name for p in staff if chosen[p.pk] > 1})
        raise RuleError(f"{_listing(twice)} chosen twice", field="staff")
    # Locked, so that two admins transferring the same person cannot both succeed.
    people = list(
        StaffMember.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("name", "pk")
        .select_related("organisation")
    )
    refusals = _refusals(member, people, to_supplier, transfer_date)
    if refusals:
        reasons = list(refusals.values())
        more = f" (and {len(reasons) - 20} more)" if len(reasons) > 20 else ""
        raise RuleError("nobody was transferred: " + "; ".join(reasons[:20]) + more, field="staff")
    now = timezone.now()
    transfers = TupeTransfer.objects.bulk_create(
        [
            TupeTransfer(
                staff=person,
                from_organisation=member,
                to_supplier=to_supplier,
                transfer_date=transfer_date,
                terms_protected=terms_protected,
                note=note.strip(),
                recorded_by=actor.label[:200],
                recorded_at=now,
            )
            for person in people
        ],
        batch_size=2000,
    )
    terms = "terms protected" if terms_protected else "terms not protected"
    StaffEvent.objects.bulk_create(
        [
            StaffEvent(
                staff=person,
                at=now,
                effective=transfer_date,
                kind="transferred",
                from_organisation=member,
                to_organisation=to_supplier,
                note=terms,
            )
            for person in people
        ],
        batch_size=2000,
    )
    # Kit stays with the member: the asset register (which builds on the directory) holds it by this relation.
    holder = StaffMember._meta.get_field("assets")
    kit: Any = holder.related_model
    for chunk in chunked(ids):
        kit._default_manager.filter(**{f"{holder.field.name}__in": chunk}).update(**{holder.field.name: None})
        StaffMember.objects.filter(pk__in=chunk).update(organisation=to_supplier, status=StaffStatus.TRANSFERRED)
    for person in people:
        person.organisation, person.status = to_supplier, StaffStatus.TRANSFERRED
    audit_bulk(
        [
            audit_build(
                actor=actor,
                action=AuditAction.CREATE,
                instance=transfer,
                changes={"organisation": [member.code, to_supplier.code], "terms_protected": [None, terms_protected]},
                organisation_id=member.pk,
            )
            for transfer in transfers
        ]
    )
    return transfers


def tupe_transfer(
    *,
    actor: Actor,
    staff: StaffMember,
    to_supplier: Organisation,
    transfer_date: dt.date,
    terms_protected: bool,
    note: str = "",
) -> TupeTransfer:
    """Register one person's TUPE transfer: `tupe_transfer_many` of one."""
    (transfer,) = tupe_transfer_many(
        actor=actor,
        member=staff.organisation,
        staff=[staff],
        to_supplier=to_supplier,
        transfer_date=transfer_date,
        terms_protected=terms_protected,
        note=note,
    )
    return transfer


def _check_emails(
    check: TransferCheck,
    member: Organisation,
    rows: Iterable[tuple[int, str, tuple[str, ...]]],
    to_supplier: Organisation,
    transfer_date: dt.date,
) -> None:
    """Find the person each (row, email, values) names in the member's directory, adding every
    row's problem to `check.problems` and the people found to `check.people`.

    Only this member's directory and its own transfers are consulted, so a problem never tells
    of anyone elsewhere."""
    first_row: dict[str, int] = {}
    found: list[tuple[int, str, tuple[str, ...]]] = []
    for row, raw, values in rows:
        check.rows += 1
        email = raw.strip().lower()
        problems = field_problems(row, {"email": email}, EMAIL_LIMIT, values)
        if problems:
            check.problems.extend(problems)
            continue
        if not email:
            check.problems.append(RowProblem(row, "email", "email is required", values))
            continue
        try:
            _email(email)
        except ValidationError:
            check.problems.append(RowProblem(row, "email", f"{raw[:80]!r} is not a valid email address", values))
            continue
        if email in first_row:
            check.problems.append(RowProblem(row, "email", f"{email} is also on row {first_row[email]}", values))
            continue
        first_row[email] = row
        found.append((row, email, values))
    for chunk in chunked(found):
        emails = [email for _, email, _ in chunk]
        directory = {
            s.email: s
            for s in StaffMember.objects.filter(organisation=member, email__in=emails).select_related("organisation")
        }
        earlier = {
            t.staff.email: t
            for t in TupeTransfer.objects.filter(from_organisation=member, staff__email__in=emails).select_related(
                "staff", "to_supplier"
            )
        }
        people = [directory[email] for email in emails if email in directory]
        refusals = _refusals(member, people, to_supplier, transfer_date)
        for row, email, values in chunk:
            person = directory.get(email)
            if person is None and email in earlier:
                transfer = earlier[email]
                message = (
                    f"{transfer.staff.name} was transferred to {transfer.to_supplier.code} "
                    f"on {transfer.transfer_date} already"
                )
                check.problems.append(RowProblem(row, "email", message, values))
            elif person is None:
                check.problems.append(RowProblem(row, "email", f"{email} is not in {member.code}'s directory", values))
            elif person.pk in refusals:
                check.problems.append(RowProblem(row, "email", refusals[person.pk], values))
            else:
                check.people.append(person)
    check.problems.sort(key=lambda problem: problem.line)  # in the order of the rows, however found


@transaction.atomic
def tupe_transfer_by_email(
    *,
    actor: Actor,
    member: Organisation,
    emails: Sequence[str],
    to_supplier: Organisation,
    transfer_date: dt.date,
    terms_protected: bool,
    note: str = "",
    apply: bool = True,
) -> TransferCheck:
    """Transfer the member's people named by email (the API's list; row i is the i-th, from 0),
    all or none: every problem is reported with its place, and nothing is written if there is
    any. Without `apply` it only checks."""
    _transfer_allowed(actor, member, to_supplier)
    if not emails:
        raise RuleError("name at least one person to transfer", field="staff")
    check = TransferCheck()
    _check_emails(check, member, ((i, e, (e,)) for i, e in enumerate(emails)), to_supplier, transfer_date)
    return _apply(check, actor, member, to_supplier, transfer_date, terms_protected, note, apply)


@transaction.atomic
def tupe_transfer_import(
    *,
    actor: Actor,
    member: Organisation,
    open_file: Callable[[], IO[bytes]],
    to_supplier: Organisation,
    transfer_date: dt.date,
    terms_protected: bool,
    note: str = "",
    apply: bool = True,
) -> TransferCheck:
    """Transfer the member's people listed in a CSV with one column, `email`, all or none, as the
    staff import is: every row is checked first and each problem named by its row and column;
    if there is any, nothing is written. Without `apply` it only checks (a dry run)."""
    _transfer_allowed(actor, member, to_supplier)
    check = TransferCheck()

    def rows() -> Iterator[tuple[int, str, tuple[str, ...]]]:
        with open_file() as binary:
            for line, row in read_rows(binary, TRANSFER_COLUMNS):
                if "__width__" in row:
                    check.rows += 1
                    check.problems.append(
                        RowProblem(line, "", f"expected {len(TRANSFER_COLUMNS)} value, found {row['__width__']}")
                    )
                    continue
                yield line, row["email"], (row["email"],)

    try:
        _check_emails(check, member, rows(), to_supplier, transfer_date)
    except FileRefused as refused:
        check.problems.append(refused.problem)
    if check.ok and not check.rows:
        check.problems.append(RowProblem(2, "email", "the file lists nobody to transfer"))
    return _apply(check, actor, member, to_supplier, transfer_date, terms_protected, note, apply)


def _apply(
    check: TransferCheck,
    actor: Actor,
    member: Organisation,
    to_supplier: Organisation,
    transfer_date: dt.date,
    terms_protected: bool,
    note: str,
    apply: bool,
) -> TransferCheck:
    if check.ok and apply:
        check.transfers = tupe_transfer_many(
            actor=actor,
            member=member,
            staff=check.people,
            to_supplier=to_supplier,
            transfer_date=transfer_date,
            terms_protected=terms_protected,
            note=note,
        )
    return check


# Staged uploads: the web import keeps the file between its preview and its apply.

PART_BYTES = 1 << 20


@transaction.atomic
def staged_import_store(
    *, actor: Actor, organisation: Organisation, kind: str, filename: str, chunks: Iterable[bytes]
) -> StagedImport:
    """Keep an uploaded file for its preview, once and in parts of PART_BYTES.

    `chunks` is read as it comes (an upload's `chunks()`), so a large file is never held whole
    in memory, and kept in the database so that whichever app server answers the apply can read it.
    """
    if actor.user is not None and not administers(actor.user, organisation):
        raise RuleError(f"you do not administer {organisation.code}, so you may not import for it")
    importer_for(kind)  # an unknown kind fails here, not at the preview
    staged = StagedImport.objects.create(
        organisation=organisation,
        kind=kind,
        filename=filename[:200],
        uploaded_by=actor.user,
        uploaded_at=timezone.now(),
    )
    seq = size = 0
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        while len(pending) >= PART_BYTES:
            StagedImportPart.objects.create(staged=staged, seq=seq, data=bytes(pending[:PART_BYTES]))
            del pending[:PART_BYTES]
            seq += 1
        size += len(chunk)
    if pending:
        StagedImportPart.objects.create(staged=staged, seq=seq, data=bytes(pending))
    staged.size = size
    staged.save(update_fields=["size"])
    return staged


class _StagedFile(io.RawIOBase):
    """A staged file read part by part (one query each), as the importers read any file."""

    def __init__(self, staged: StagedImport) -> None:
        super().__init__()
        self._parts = list(staged.parts.order_by("seq").values_list("pk", flat=True))
        self._data = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._data and self._parts:
            part = StagedImportPart.objects.filter(pk=self._parts.pop(0)).values_list("data", flat=True).get()
            self._data = memoryview(bytes(part))
        count = min(len(buffer), len(self._data))
        buffer[:count] = self._data[:count]
        self._data = self._data[count:]
        return count


def _staged_open(staged: StagedImport) -> IO[bytes]:
    """The staged file, opened afresh for each read (the importers read it twice)."""
    return io.BufferedReader(_StagedFile(staged), buffer_size=1 << 16)


def staged_import_check(*, actor: Actor, staged: StagedImport) -> ImportSummary:
    """Check the staged file and keep what the check found (problems capped, each with its
    row), from which the preview and the rejects file are made without reading the file again."""
    summary = importer_for(staged.kind).run(
        actor=actor, organisation=staged.organisation, open_file=lambda: _staged_open(staged), apply=False
    )
    staged.summary = summary.as_dict()
    staged.save(update_fields=["summary"])
    return summary


def staged_import_apply(*, actor: Actor, staged: StagedImport) -> ImportSummary:
    """Import the staged file (all or nothing, checked again against the directory as it is
    now); once imported, the file is dropped and only its summary kept."""
    if staged.applied_at:
        raise RuleError("this file has been imported already")
    summary = importer_for(staged.kind).run(
        actor=actor, organisation=staged.organisation, open_file=lambda: _staged_open(staged), apply=True
    )
    staged.summary = summary.as_dict()
    if summary.applied:
        staged.applied_at = timezone.now()
        staged.parts.all().delete()
    staged.save(update_fields=["summary", "applied_at"])
    return summary
