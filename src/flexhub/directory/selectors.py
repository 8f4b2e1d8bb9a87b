"""Read-only queries of the directory for TUPE transfers: whose staff a user may transfer, to
which suppliers, and the register of transfers made, per member and per supplier."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from flexhub.core.models import Organisation
from flexhub.core.tenancy import get_visible_or_404
from flexhub.directory.models import StaffMember, StaffStatus, TupeTransfer
from flexhub.frameworks.models import Framework


def transfer_members(user: Any) -> QuerySet[Organisation]:
    """The members whose staff `user` may transfer: those it administers (core.tenancy's one
    rule), so a member admin its own and an authority admin the members wholly in its frameworks."""
    return Organisation.objects.administered_by(user).filter(is_member=True).order_by("code")


def transfer_suppliers(members: QuerySet[Organisation] | Sequence[Organisation]) -> QuerySet[Organisation]:
    """The suppliers of the frameworks `members` take part in: where their staff may transfer."""
    return (
        Organisation.objects.filter(is_supplier=True, supplied_frameworks__participants__in=members)
        .distinct()
        .order_by("name")
    )


def staff_in_post(member: Organisation, *, unit: str = "", site: str = "") -> QuerySet[StaffMember]:
    """The member's people in post, by name, narrowed to a unit and a site when given."""
    staff = StaffMember.objects.filter(organisation=member, status=StaffStatus.ACTIVE)
    if unit:
        staff = staff.filter(unit=unit)
    if site:
        staff = staff.filter(site=site)
    return staff.order_by("name", "pk")


def staff_to_name(user: Any, member: Organisation) -> QuerySet[StaffMember]:
    """The people `user` may name in a transfer from `member`: its directory as the user sees it,
    and those transferred from it already, so that naming one again is refused saying so rather
    than as a stranger."""
    directory = StaffMember.objects.visible_to(user).filter(organisation=member).values("pk")
    transferred = TupeTransfer.objects.visible_to(user).filter(from_organisation=member).values("staff_id")
    return StaffMember.objects.filter(Q(pk__in=directory) | Q(pk__in=transferred)).select_related("organisation")


@dataclass(frozen=True)
class TupeRegister:
    """The transfers a user may see, of one member and of one supplier when chosen."""

    transfers: QuerySet[TupeTransfer]
    member: Organisation | None
    supplier: Organisation | None

    @property
    def filename(self) -> str:
        parts = ["tupe"]
        if self.member:
            parts.append(self.member.code)
        if self.supplier:
            parts.append(f"to-{self.supplier.code}")
        if len(parts) == 1:
            parts.append("all")
        return "-".join(parts) + f"-{timezone.localdate():%Y-%m-%d}.csv"


def tupe_register(user: Any, *, member_code: str | None = None, supplier_code: str | None = None) -> TupeRegister:
    """The TUPE register `user` may see, of one member and one supplier when their codes are
    given: a member the user does not administer, or a supplier of none of its frameworks,
    answers 404 (never an empty register that would say the code exists)."""
    transfers = TupeTransfer.objects.visible_to(user).select_related("staff", "from_organisation", "to_supplier")
    member = supplier = None
    if member_code:
        member = get_visible_or_404(Organisation, user, scope="administered_by", code=member_code)
        transfers = transfers.filter(from_organisation=member)
    if supplier_code:
        if "\x00" in supplier_code:
            raise Http404("No organisation found.")
        suppliers = Organisation.objects.filter(
            is_supplier=True, supplied_frameworks__in=Framework.objects.visible_to(user)
        )
        supplier = suppliers.filter(code=supplier_code).first()
        if supplier is None:
            raise Http404("No organisation found.")
        transfers = transfers.filter(to_supplier=supplier)
    return TupeRegister(transfers, member, supplier)


TUPE_CSV_COLUMNS = [
    "person",
    "email",
    "unit",
    "site",
    "grade",
    "start_date",
    "member",
    "member_name",
    "supplier",
    "supplier_name",
    "transfer_date",
    "terms_protected",
    "note",
    "recorded_by",
    "recorded_at",
]


def tupe_csv_rows(transfers: QuerySet[TupeTransfer]) -> Iterator[list[Any]]:
    """One row per transfer, in TUPE_CSV_COLUMNS order: who (with the start date their
    continuous service runs from), from which member, to which supplier, when and on what terms."""
    for t in transfers.select_related("staff", "from_organisation", "to_supplier").order_by(
        "from_organisation__code", "transfer_date", "staff__name", "pk"
    ):
        yield [
            t.staff.name,
            t.staff.email,
            t.staff.unit,
            t.staff.site,
            t.staff.grade,
            t.staff.start_date,
            t.from_organisation.code,
            t.from_organisation.name,
            t.to_supplier.code,
            t.to_supplier.name,
            t.transfer_date,
            t.terms_protected,
            t.note,
            t.recorded_by,
            timezone.localtime(t.recorded_at).isoformat(timespec="seconds"),
        ]
