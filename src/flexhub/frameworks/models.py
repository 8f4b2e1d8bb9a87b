"""Frameworks: the agreement an authority lets, and who takes part in it."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q

from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import ScopedQuerySet, TenancyRule, is_acting_user

COMMERCIAL_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN})


class FrameworkQuerySet(models.QuerySet["Framework"]):
    """Frameworks: the authority's own, the integrator's, and those others take part in."""

    def visible_to(self, user: Any) -> Self:
        if not is_acting_user(user):
            return self.none()
        if user.role == Role.AUTHORITY_ADMIN:
            return self.filter(authority_id=user.organisation_id)
        if user.role == Role.INTEGRATOR:
            return self.filter(integrator_id=user.organisation_id)
        return self.filter(pk__in=Framework.objects.filter(participants=user.organisation_id).values("pk"))


class Framework(models.Model):
    """A multi-year framework agreement with a value ceiling, let by one authority.

    `participants` lists every organisation enrolled in the framework (the
    authority, suppliers, integrator, members and their predecessors); it is
    what an authority admin's view of organisations is scoped by.
    """

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    authority = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="authority_frameworks")
    integrator = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integrated_frameworks",
    )
    suppliers = models.ManyToManyField(Organisation, related_name="supplied_frameworks")
    participants = models.ManyToManyField(Organisation, related_name="frameworks")
    start = models.DateField()
    end = models.DateField(help_text="Last day of the term")
    value_ceiling = models.DecimalField(max_digits=16, decimal_places=2)
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days from an invoice's issue date to when it is due"
    )
    invoiced_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoicing_frameworks",
        help_text="The organisation whose VAT invoices members receive; the sole supplier when empty",
    )

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="framework_end_after_start"),
            models.CheckConstraint(condition=Q(value_ceiling__gte=0), name="framework_ceiling_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class VatRate(models.Model):
    """The VAT rate in force from a date until the next rate of the same framework."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="vat_rates")
    start = models.DateField()
    rate = models.DecimalField(max_digits=6, decimal_places=4)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework")

    class Meta:
        ordering = ["framework", "start"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "start"], name="vat_rate_once_per_date"),
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lt=1), name="vat_rate_fraction"),
        ]

    def __str__(self) -> str:
        return f"{self.framework.code} VAT {self.rate} from {self.start}"


class Tower(models.Model):
    """A service tower (end user computing, hosting, ...) run by one supplier."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="towers")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="towers")

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework", supplier="supplier")

    class Meta:
        ordering = ["framework", "code"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="tower_code_unique_in_framework")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Category(models.TextChoices):
    CORE = "core", "Core"
    OPTION = "option", "Option"
    ADDITIONAL = "additional", "Additional"


class Unit(models.TextChoices):
    SEAT_MONTH = "seat-month", "per seat per month"
    UNIT_MONTH = "unit-month", "per unit per month"
    DAY = "day", "per day"
    FIXED = "fixed", "fixed"


class Classification(models.TextChoices):
    OFFICIAL = "OFFICIAL", "OFFICIAL"
    SECRET = "SECRET", "SECRET"
    TOP_SECRET = "TOP SECRET", "TOP SECRET"


class PricingModel(models.TextChoices):
    FLAT = "flat", "Flat"
    POOLED = "pooled-volume", "Pooled volume"


class Service(models.Model):
    """A catalogue service; its prices are its bands (a flat service has one, from 0)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="services")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=12, choices=Category.choices)
    unit = models.CharField(max_length=12, choices=Unit.choices)
    classification = models.CharField(max_length=12, choices=Classification.choices, default=Classification.OFFICIAL)
    pricing_model = models.CharField(max_length=16, choices=PricingModel.choices)
    ratchet = models.BooleanField(default=False)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework")

    class Meta:
        ordering = ["framework", "category", "code"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="service_code_unique_in_framework")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_recurring(self) -> bool:
        """Recurring services are charged per month on contract lines; the others by delivery."""
        return self.unit in (Unit.SEAT_MONTH, Unit.UNIT_MONTH)


class PriceBand(models.Model):
    """A price from a framework-wide quantity upward; prices are never shown to agents."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="bands")
    start = models.PositiveIntegerField(help_text="Framework-wide quantity at which the band starts")
    price = models.DecimalField(max_digits=14, decimal_places=4)  # up to four places: a fraction of a penny
    price_text = models.CharField(max_length=24, help_text="The price as written in the scenario")

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="service__framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["service", "start"]
        constraints = [
            models.UniqueConstraint(fields=["service", "start"], name="band_start_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="band_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.service.code} from {self.start}: {self.price_text}"


class CallOffContract(models.Model):
    """A member's call-off under a framework; committed value is fixed at signing."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="contracts")
    ref = models.CharField(max_length=64)
    member = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contracts")
    signed = models.DateField()
    start = models.DateField()
    end = models.DateField()
    committed_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    po_number = models.CharField("purchase-order number", max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="member", framework="framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["framework", "signed", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "ref"], name="contract_ref_unique_in_framework"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="contract_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.ref

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("contract-detail", kwargs={"pk": self.pk})


class ContractLine(models.Model):
    """At most one line per service, active from its start to its end (default: the contract's)."""

    contract = models.ForeignKey(CallOffContract, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="lines")
    quantity = models.PositiveIntegerField()
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="contract__member", framework="contract__framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["contract", "service__code"]
        constraints = [models.UniqueConstraint(fields=["contract", "service"], name="one_line_per_service")]

    def __str__(self) -> str:
        return f"{self.contract.ref} {self.service.code} x {self.quantity}"

    @property
    def effective_start(self) -> Any:
        return self.start or self.contract.start

    @property
    def effective_end(self) -> Any:
        return self.end or self.contract.end


class ContractChange(models.Model):
    """An effective-dated quantity change of one service on a contract (0 stops the line)."""

    contract = models.ForeignKey(CallOffContract, on_delete=models.CASCADE, related_name="changes")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    effective = models.DateField()
    quantity = models.PositiveIntegerField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="contract__member", framework="contract__framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["contract", "service__code", "effective"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "service", "effective"], name="one_change_per_service_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.contract.ref} {self.service.code} to {self.quantity} from {self.effective}"


class Delivery(models.Model):
    """Day-rate or fixed-price service actually delivered, billed in its month."""

    contract = models.ForeignKey(CallOffContract, on_delete=models.PROTECT, related_name="deliveries")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="deliveries")
    date = models.DateField()
    quantity = models.DecimalField(max_digits=14, decimal_places=2)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="contract__member", framework="contract__framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["contract", "date", "service__code"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["contract", "service", "date"], name="one_delivery_per_service_and_day"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.ref} {self.service.code} {self.quantity} on {self.date}"


class SeatChangeStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for the authority"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class SeatChangeRequest(models.Model):
    """A member admin's request to change a line's quantity from a date; the authority decides."""

    contract = models.ForeignKey(CallOffContract, on_delete=models.CASCADE, related_name="seat_requests")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    effective = models.DateField()
    quantity = models.PositiveIntegerField()
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=SeatChangeStatus.choices, default=SeatChangeStatus.REQUESTED)
    requested_by = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="contract__member", framework="contract__framework", roles=COMMERCIAL_ROLES)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.contract.ref} {self.service.code} to {self.quantity} from {self.effective}"
