"""Frameworks: the agreement an authority lets, and who takes part in it."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q

from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import is_acting_user


class FrameworkQuerySet(models.QuerySet["Framework"]):
    """Frameworks: the authority's own, the integrator's, and those others take part in."""

    def visible_to(self, user: Any) -> Self:
        if not is_acting_user(user):
            return self.none()
        if user.role == Role.AUTHORITY_ADMIN:
            return self.filter(authority_id=user.organisation_id)
        if user.role == Role.INTEGRATOR:
            return self.filter(integrator_id=user.organisation_id)
        return self.filter(
            pk__in=Framework.objects.filter(participants=user.organisation_id).values("pk")
        )


class Framework(models.Model):
    """A multi-year framework agreement with a value ceiling, let by one authority.

    `participants` lists every organisation enrolled in the framework (the
    authority, suppliers, integrator, members and their predecessors); it is
    what an authority admin's view of organisations is scoped by.
    """

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    authority = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="authority_frameworks"
    )
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

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="framework_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(value_ceiling__gte=0), name="framework_ceiling_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
