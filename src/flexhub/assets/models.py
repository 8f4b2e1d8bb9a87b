"""The asset register: device models with power figures, assets, their history and disposal."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q

from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import ScopedQuerySet, TenancyRule, is_acting_user

ASSET_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN, Role.MEMBER_USER})


class DeviceKind(models.TextChoices):
    THIN_CLIENT = "thin-client", "Thin client"
    DESKTOP = "desktop", "Desktop"
    LAPTOP = "laptop", "Laptop"
    MONITOR = "monitor", "Monitor"
    PHONE = "phone", "Phone"
    SERVER = "server", "Server"


class DeviceModelQuerySet(models.QuerySet["DeviceModel"]):
    """Device models are reference data shared by everyone who may see assets."""

    def visible_to(self, user: Any) -> Self:
        if not is_acting_user(user) or user.role not in ASSET_ROLES:
            return self.none()
        return self.all()


class DeviceModel(models.Model):
    """A make and model of device with its power figures (for the carbon report)."""

    kind = models.CharField(max_length=12, choices=DeviceKind.choices)
    manufacturer = models.CharField(max_length=100)
    model = models.CharField(max_length=100)
    on_watts = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    sleep_watts = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    off_watts = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    tec_kwh = models.DecimalField(
        "typical energy consumption (kWh a year)", max_digits=8, decimal_places=2, null=True, blank=True
    )

    objects = DeviceModelQuerySet.as_manager()

    class Meta:
        ordering = ["manufacturer", "model"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "model"], name="device_model_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.model} ({self.get_kind_display().lower()})"


class AssetStatus(models.TextChoices):
    ORDERED = "ordered", "Ordered"
    IN_STOCK = "in-stock", "In stock"
    DEPLOYED = "deployed", "Deployed"
    IN_REPAIR = "in-repair", "In repair"
    RETIRED = "retired", "Retired"
    DISPOSED = "disposed", "Disposed"


class Asset(models.Model):
    """A device owned by a member, where it is, what state it is in and who has it.

    A tag is unique within its owner's register, as the staff email is within a directory: a
    rule across registers would have an import tell one member which tags another one uses.
    """

    asset_tag = models.CharField(max_length=64)
    serial = models.CharField(max_length=100)
    model = models.ForeignKey(DeviceModel, on_delete=models.PROTECT, related_name="assets")
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assets")
    site = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=AssetStatus.choices, default=AssetStatus.IN_STOCK)
    assigned_to = models.ForeignKey(
        "directory.StaffMember", on_delete=models.SET_NULL, null=True, blank=True, related_name="assets"
    )

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="owner", person="assigned_to__user", roles=ASSET_ROLES)

    class Meta:
        ordering = ["asset_tag"]
        indexes = [models.Index(fields=["owner", "status"])]
        constraints = [models.UniqueConstraint(fields=["owner", "asset_tag"], name="asset_tag_unique_per_owner")]

    def __str__(self) -> str:
        return f"{self.asset_tag} ({self.model.manufacturer} {self.model.model})"


class AssetEvent(models.Model):
    """A dated change of status, assignment, owner or site."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20)
    from_value = models.CharField(max_length=300, blank=True)
    to_value = models.CharField(max_length=300, blank=True)
    actor_label = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="asset__owner", person="asset__assigned_to__user", roles=ASSET_ROLES)

    class Meta:
        ordering = ["asset", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.asset.asset_tag} {self.kind}: {self.from_value} -> {self.to_value}"


class SanitisationMethod(models.TextChoices):
    OVERWRITE = "overwrite", "Overwrite (software)"
    CRYPTO_ERASE = "crypto-erase", "Cryptographic erase"
    DEGAUSS = "degauss", "Degauss"
    SHRED = "shred", "Physical destruction (shred)"


class DisposalRecord(models.Model):
    """The data-sanitisation record an asset needs before it can be marked disposed."""

    asset = models.OneToOneField(Asset, on_delete=models.PROTECT, related_name="disposal")
    method = models.CharField(max_length=20, choices=SanitisationMethod.choices)
    date = models.DateField()
    certificate_ref = models.CharField(max_length=100)
    recorded_by = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="asset__owner", roles=frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN}))

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(certificate_ref=""), name="disposal_needs_certificate")]

    def __str__(self) -> str:
        return f"{self.asset.asset_tag} sanitised by {self.get_method_display().lower()} on {self.date}"
