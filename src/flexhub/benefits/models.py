"""Benefits: the grid emission factors, usage profiles and data-centre shares the carbon report
reads; each member's baseline (its costs before joining and the device it replaced); each
framework's saving targets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from flexhub.assets.models import DeviceKind, DeviceModel
from flexhub.core.models import Organisation
from flexhub.core.tenancy import ScopedQuerySet, TenancyRule, is_acting_user
from flexhub.frameworks.models import COMMERCIAL_ROLES, Framework, Service

BENEFITS_ROLES = COMMERCIAL_ROLES  # the authority's and a member's administrators
# Device kinds that are a person's seat: what the baseline device is compared with.
SEAT_KINDS = (DeviceKind.THIN_CLIENT, DeviceKind.DESKTOP, DeviceKind.LAPTOP)


class ReferenceQuerySet(models.QuerySet[Any]):
    """Reference data with no organisation in it (factors, usage profiles), read by the roles
    that see benefits and kept by the authority."""

    def visible_to(self, user: Any) -> Self:
        if not is_acting_user(user) or user.role not in BENEFITS_ROLES:
            return self.none()
        return self.all()


class EmissionFactor(models.Model):
    """The UK grid's emission factor for a year (kg CO2e per kWh) and where it comes from (the
    DESNZ conversion factors); loaded by the authority, one per year, never a constant in code."""

    year = models.PositiveSmallIntegerField(unique=True)
    kg_co2e_per_kwh = models.DecimalField(max_digits=8, decimal_places=5)
    source = models.CharField(max_length=300)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.kg_co2e_per_kwh} kg CO2e/kWh ({self.source})"


class UsageProfile(models.Model):
    """Hours a year a kind of device is on and asleep (the rest is off): what turns a model's
    power in each mode into kWh a year when its typical energy consumption is not known."""

    kind = models.CharField(max_length=12, choices=DeviceKind.choices, unique=True)
    hours_on = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(0)])
    hours_sleep = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(0)])

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.hours_on} h on, {self.hours_sleep} h asleep a year"


class DataCentreShare(models.Model):
    """The share of a data centre behind each seat of a service (watts per seat, and the data
    centre's PUE), so that thin clients are not counted as if their desktops ran on nothing."""

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="data_centre_share")
    watts_per_seat = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    pue = models.DecimalField(
        "power usage effectiveness", max_digits=4, decimal_places=2, validators=[MinValueValidator(1)]
    )

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="service__framework", roles=BENEFITS_ROLES)

    def __str__(self) -> str:
        return f"{self.service.code}: {self.watts_per_seat} W a seat at PUE {self.pue}"


class SavingsTarget(models.Model):
    """A framework's saving targets, as percentages of its members' baseline costs (the CIO
    Council's 20% of IT cost and 40% of desktop cost by default)."""

    framework = models.OneToOneField(Framework, on_delete=models.CASCADE, related_name="savings_target")
    it_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(20), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    desktop_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(40), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework", roles=BENEFITS_ROLES)

    def __str__(self) -> str:
        return f"{self.framework.code}: {self.it_percent}% of IT cost, {self.desktop_percent}% of desktop cost"


class MemberBaseline(models.Model):
    """What a member declares of itself before it joined a framework: its annual IT and desktop
    costs and the year they are from, its own annual saving target, and the device model each
    seat had (the baseline the carbon report compares its estate with)."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="member_baselines")
    member = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="baselines")
    year = models.PositiveSmallIntegerField()
    annual_it_cost = models.DecimalField(max_digits=16, decimal_places=2, validators=[MinValueValidator(0)])
    annual_desktop_cost = models.DecimalField(max_digits=16, decimal_places=2, validators=[MinValueValidator(0)])
    annual_saving_target = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    baseline_device = models.ForeignKey(DeviceModel, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="member", framework="framework", roles=BENEFITS_ROLES)

    class Meta:
        ordering = ["framework", "member__name"]
        constraints = [models.UniqueConstraint(fields=["framework", "member"], name="one_baseline_per_membership")]

    def __str__(self) -> str:
        return f"{self.member.name} in {self.framework.code}: baseline {self.year}"
