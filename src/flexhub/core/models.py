"""Organisations, their people, and the append-only audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from flexhub.core.roles import ORGANISATION_ROLE_FOR, OrganisationRole, Role
from flexhub.core.tenancy import (
    AuditEntryQuerySet,
    OrganisationQuerySet,
    UserQuerySet,
)


class Region(models.TextChoices):
    """The UK bank-holiday calendar an organisation works to."""

    ENG = "ENG", "England and Wales"
    SCT = "SCT", "Scotland"
    NIR = "NIR", "Northern Ireland"


class Organisation(models.Model):
    """A public body, supplier, integrator or authority, known by a short code.

    The role flags are independent because the same body can be several
    things at once (the Cabinet Office runs Public Sector Flex and is a member).
    """

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    is_authority = models.BooleanField("authority", default=False)
    is_member = models.BooleanField("member", default=False)
    is_supplier = models.BooleanField("supplier", default=False)
    is_integrator = models.BooleanField("integrator", default=False)
    region = models.CharField(max_length=3, choices=Region.choices, default=Region.ENG)
    jurisdictions = models.JSONField(default=list, blank=True)
    foreign_law_exposure = models.TextField(blank=True)
    # What a UK VAT invoice needs of the two parties: a postal address each, and the
    # supplier's VAT registration number; invoices go to the finance contact by email.
    address = models.TextField(blank=True, help_text="Postal address, one line per line")
    vat_number = models.CharField("VAT registration number", max_length=16, blank=True)
    finance_email = models.EmailField("finance contact email", blank=True)
    predecessors = models.ManyToManyField("self", symmetrical=False, related_name="successors", blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def roles(self) -> list[str]:
        """The organisation's roles in a fixed order, as the scenario format writes them."""
        flags = {
            OrganisationRole.AUTHORITY: self.is_authority,
            OrganisationRole.MEMBER: self.is_member,
            OrganisationRole.SUPPLIER: self.is_supplier,
            OrganisationRole.INTEGRATOR: self.is_integrator,
        }
        return [str(role) for role, held in flags.items() if held]

    def allows_login_role(self, role: str) -> bool:
        """Whether a login with `role` may belong here (an agent only to a supplier, ...)."""
        return ORGANISATION_ROLE_FOR.get(role) in self.roles


class FlexhubUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Django's user manager with the tenancy queryset methods."""


class User(AbstractUser):
    """A login: one person in one organisation with one role."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=20, choices=Role.choices)

    objects = FlexhubUserManager()  # type: ignore[misc]

    REQUIRED_FIELDS: ClassVar[list[str]] = ["email"]

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    # Something attempted and refused: a failed sign-in, a wrong two-factor code.
    REFUSED = "refused", "Refused"


class AuditEntryImmutable(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditEntry(models.Model):
    """One change made through the service layer: who, when, what, before and after.

    Entries are written once and never changed; `organisation` and
    `framework` say whose change it was, so tenancy can scope the log.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200)
    channel = models.CharField(max_length=10)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=300)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    framework = models.ForeignKey(
        "frameworks.Framework", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(default=dict)
    reason = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditEntryImmutable("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditEntryImmutable("audit entries cannot be deleted")
