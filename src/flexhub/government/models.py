"""The register of machinery-of-government changes."""

from __future__ import annotations

from django.db import models

from flexhub.core.models import Organisation
from flexhub.core.tenancy import ScopedQuerySet, TenancyRule
from flexhub.directory.models import ADMIN_ROLES


class ChangeKind(models.TextChoices):
    FORM = "form", "New organisation formed from predecessors"
    MERGE = "merge", "Organisation merged into another"


class MachineryChange(models.Model):
    """A machinery-of-government change: who did it, why, when it took effect and what moved."""

    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    successor = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    predecessors = models.ManyToManyField(Organisation, related_name="+")
    effective = models.DateField()
    reason = models.TextField()
    performed_by = models.CharField(max_length=200)
    performed_at = models.DateTimeField()
    moved = models.JSONField(default=dict, help_text="Counts and keys of what moved, by kind")

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="successor", roles=ADMIN_ROLES)

    class Meta:
        ordering = ["-effective", "-pk"]
        db_table = "directory_machinerychange"  # the table it had when the directory held it

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.successor.code} on {self.effective}"
