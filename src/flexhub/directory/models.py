"""The staff directory of each member and TUPE transfers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import ScopedQuerySet, TenancyRule

DIRECTORY_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN, Role.MEMBER_USER})
ADMIN_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN})


class StaffStatus(models.TextChoices):
    ACTIVE = "active", "In post"
    LEFT = "left", "Left"
    TRANSFERRED = "transferred", "Transferred to a supplier"


class StaffMember(models.Model):
    """A person in a member's directory, matched across imports by work email.

    An email is unique within an organisation's directory, not across flexhub: a rule across
    directories would have an import refuse a row because some other organisation, which the
    importer cannot see, holds the address, and so tell them who works there.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="staff")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    unit = models.CharField(max_length=200)
    site = models.CharField(max_length=200)
    grade = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=StaffStatus.choices, default=StaffStatus.ACTIVE)
    start_date = models.DateField(null=True, blank=True)
    leave_date = models.DateField(null=True, blank=True)
    predecessor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The predecessor department the person came from",
    )
    user = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="staff")

    objects = ScopedQuerySet.as_manager()
    # Member users see their organisation's directory, like any staff directory.
    tenancy = TenancyRule(organisation="organisation", roles=DIRECTORY_ROLES)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["organisation", "name"]),
            models.Index(fields=["organisation", "unit"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(leave_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(leave_date__gte=models.F("start_date")),
                name="staff_leaves_after_starting",
            ),
            models.UniqueConstraint(fields=["organisation", "email"], name="staff_email_unique_in_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class StaffEvent(models.Model):
    """A dated step in a person's history: joined, changed, left, moved by a change of
    government, transferred to a supplier."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    effective = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=20)
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="staff__organisation", roles=ADMIN_ROLES)

    class Meta:
        ordering = ["staff", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.staff.email} {self.kind} {self.at:%Y-%m-%d}"


class TupeTransfer(models.Model):
    """A member's staff transferring to a supplier under TUPE; the person's record moves with them."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="transfers")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tupe_out")
    to_supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tupe_in")
    transfer_date = models.DateField()
    terms_protected = models.BooleanField(default=True, help_text="Terms and conditions protected")
    note = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="from_organisation", roles=ADMIN_ROLES)

    class Meta:
        ordering = ["-transfer_date", "staff__name"]

    def __str__(self) -> str:
        return f"{self.staff.name}: {self.from_organisation.code} to {self.to_supplier.code} on {self.transfer_date}"


class StagedImport(models.Model):
    """An uploaded CSV kept (in the database, so any app server can apply it) between its
    preview and the admin's decision to apply it.

    The file is stored once, in parts (StagedImportPart), so neither keeping it nor reading
    it holds it whole in memory; `summary` is what the check found, its problems capped,
    and the rejects file is made from it.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)  # staff | assets
    filename = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes uploaded")
    summary = models.JSONField(default=dict)
    uploaded_by = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="organisation", roles=ADMIN_ROLES)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.filename} for {self.organisation.code}"


class StagedImportPart(models.Model):
    """One part, in upload order, of a staged file (at most a mebibyte each)."""

    staged = models.ForeignKey(StagedImport, on_delete=models.CASCADE, related_name="parts")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="staged__organisation", roles=ADMIN_ROLES)

    class Meta:
        ordering = ["staged", "seq"]
        constraints = [models.UniqueConstraint(fields=["staged", "seq"], name="staged_part_once")]

    def __str__(self) -> str:
        return f"part {self.seq} of upload {self.staged_id}"
