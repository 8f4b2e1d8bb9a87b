"""The assurance register: whose law reaches each member's data, and who accepted the risk.

Every record belongs to a framework: the authority keeps its own register of its suppliers and
their sub-processors (with its own review dates), each service of its catalogue records where
its data lives and who handles it, and each member records the classification of the data it
puts in and its decisions on each exposure. A service's accreditation is its `classification`
(frameworks.Service): the highest classification it is accredited for.
"""

from __future__ import annotations

from django.db import models

from flexhub.core.models import Organisation, User
from flexhub.core.roles import Role
from flexhub.core.tenancy import ScopedQuerySet, TenancyRule
from flexhub.frameworks.models import Classification, Framework, Service
from flexhub.rules import exposure as rules

# The register and the decisions are for the authority and the member's admins; member users,
# agents and the integrator neither see nor take them.
ASSURANCE_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN})


class SupplierJurisdiction(models.Model):
    """A jurisdiction whose law reaches a supplier or sub-processor, with the legal basis in words
    ("parent group has US operations: USA PATRIOT Act, CLOUD Act"), where that was found and when
    to look again."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.CharField(max_length=32, help_text="A country code, such as US")
    legal_basis = models.TextField()
    source = models.CharField(max_length=300, blank=True)
    review_date = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework", roles=ASSURANCE_ROLES)

    class Meta:
        ordering = ["organisation__code", "jurisdiction"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "organisation", "jurisdiction"], name="supplier_jurisdiction_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.jurisdiction} ({self.legal_basis})"


class SubProcessor(models.Model):
    """`sub_processor` handles data for `supplier`; `reviewed_on` is when the authority reviewed it
    (empty: not yet, which the exposure report shows as a mismatch)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    sub_processor = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework", roles=ASSURANCE_ROLES)

    class Meta:
        ordering = ["supplier__code", "sub_processor__code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "supplier", "sub_processor"], name="sub_processor_unique"),
            models.CheckConstraint(condition=~models.Q(supplier=models.F("sub_processor")), name="sub_processor_other"),
        ]

    def __str__(self) -> str:
        return f"{self.sub_processor.code} sub-processor of {self.supplier.code}"


class Activity(models.TextChoices):
    HELD = "held", "Held"
    PROCESSED = "processed", "Processed"


class DataLocation(models.Model):
    """A country and named site where a service's data is held or processed."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    country = models.CharField(max_length=32)
    site = models.CharField(max_length=200, blank=True)
    activity = models.CharField(max_length=10, choices=Activity.choices, default=Activity.HELD)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="service__framework", roles=ASSURANCE_ROLES)

    class Meta:
        ordering = ["service__code", "country", "site", "activity"]
        constraints = [
            models.UniqueConstraint(fields=["service", "country", "site", "activity"], name="data_location_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service.code}: {self.activity} in {self.country}" + (f" at {self.site}" if self.site else "")


class ServiceHandler(models.Model):
    """A supplier that handles a service's data (its sub-processors follow from the register).
    A service without any handles its data through the framework's suppliers."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="service__framework", roles=ASSURANCE_ROLES)

    class Meta:
        ordering = ["service__code", "organisation__code"]
        constraints = [models.UniqueConstraint(fields=["service", "organisation"], name="service_handler_unique")]

    def __str__(self) -> str:
        return f"{self.service.code} handled by {self.organisation.code}"


class MemberDataPolicy(models.Model):
    """The countries a member allows its data in this framework's services to be held or
    processed in (none listed: no limit set)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    allowed_countries = models.JSONField(default=list, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="member", framework="framework", roles=ASSURANCE_ROLES)

    class Meta:
        ordering = ["member__code"]
        constraints = [models.UniqueConstraint(fields=["framework", "member"], name="member_data_policy_unique")]

    def __str__(self) -> str:
        return f"{self.member.code} allows {', '.join(self.allowed_countries) or 'any country'}"


class DataClassification(models.Model):
    """The classification of the data a member puts into a service (OFFICIAL where none is
    recorded), with the OFFICIAL-SENSITIVE handling caveat where it applies."""

    member = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    classification = models.CharField(max_length=12, choices=Classification.choices, default=Classification.OFFICIAL)
    sensitive = models.BooleanField("OFFICIAL-SENSITIVE caveat", default=False)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="member", framework="service__framework", roles=ASSURANCE_ROLES)

    class Meta:
        ordering = ["member__code", "service__code"]
        constraints = [
            models.UniqueConstraint(fields=["member", "service"], name="data_classification_unique"),
            models.CheckConstraint(
                condition=models.Q(sensitive=False) | models.Q(classification=Classification.OFFICIAL),
                name="sensitive_caveat_on_official_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.code} data in {self.service.code}: {self.label}"

    @property
    def label(self) -> str:
        return rules.classification_label(self.classification, self.sensitive)


class Outcome(models.TextChoices):
    ACCEPT = rules.ACCEPT, "Accept"
    ACCEPT_WITH_MITIGATIONS = rules.ACCEPT_WITH_MITIGATIONS, "Accept with mitigations"
    REFUSE = rules.REFUSE, "Refuse"


class DecisionState(models.TextChoices):
    CURRENT = rules.CURRENT, "Current"
    TO_REVIEW = rules.TO_REVIEW, "To review"


class ExposureDecision(models.Model):
    """A member's decision on one exposure (its data in a service, reached by a jurisdiction):
    the outcome, the reason, who decided and when, when to look again, and the facts it was taken
    on. When those facts change the decision goes back to review; its history is the audit log."""

    member = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    jurisdiction = models.CharField(max_length=32)
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    mitigations = models.JSONField(default=list, blank=True)
    reason = models.TextField()
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by_label = models.CharField(max_length=200)
    decided_on = models.DateField()
    review_date = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=DecisionState.choices, default=DecisionState.CURRENT)
    facts = models.JSONField(default=dict)
    review_note = models.TextField(blank=True, help_text="What changed since the decision, when it is to review")

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="member", framework="service__framework", roles=ASSURANCE_ROLES)

    class Meta:
        ordering = ["member__code", "service__code", "jurisdiction"]
        constraints = [
            models.UniqueConstraint(fields=["member", "service", "jurisdiction"], name="exposure_decision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member.code} {self.service.code} {self.jurisdiction}: {self.get_outcome_display().lower()}"
