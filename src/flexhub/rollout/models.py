"""Rollout programmes: templates the authority keeps, programmes a member starts from one, their
stages with baseline and planned dates, and the waves that move seats to the framework by site."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import ScopedQuerySet, TenancyRule
from flexhub.frameworks.models import CallOffContract, Framework, SeatChangeRequest, Service

ROLLOUT_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN})


class RolloutTemplate(models.Model):
    """An authority's proven way to roll out: an ordered set of stages that members start from.

    Shared with everyone taking part in its framework, so a member admin can start from it; a
    change to it never reaches a programme already started (the programme copied its stages)."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="rollout_templates")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework", roles=ROLLOUT_ROLES)

    class Meta:
        ordering = ["framework", "code"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="rollout_template_code_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TemplateStage(models.Model):
    """A stage of a template: its typical duration, the stages it waits for, its checklist."""

    template = models.ForeignKey(RolloutTemplate, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    duration_days = models.PositiveIntegerField()
    depends_on = models.JSONField(default=list, blank=True)  # keys of stages of the same template
    checklist = models.JSONField(default=list, blank=True)  # the things to do, as plain lines
    is_waves = models.BooleanField(default=False, help_text="The stage in which the waves move seats")

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="template__framework", roles=ROLLOUT_ROLES)

    class Meta:
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "key"], name="template_stage_key_unique")]

    def __str__(self) -> str:
        return f"{self.template.code} {self.key}"


class Programme(models.Model):
    """A member's rollout programme (or technology project), started from a template's copy."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="programmes")
    member = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="programmes")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    template = models.ForeignKey(
        RolloutTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="programmes"
    )
    template_name = models.CharField(max_length=200, help_text="The template as it was named when started")
    start = models.DateField()
    contract = models.ForeignKey(
        CallOffContract, on_delete=models.PROTECT, null=True, blank=True, related_name="programmes"
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="The seat's service"
    )
    started_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="member", framework="framework", roles=ROLLOUT_ROLES)

    class Meta:
        ordering = ["member", "code"]
        constraints = [models.UniqueConstraint(fields=["member", "code"], name="programme_code_unique_per_member")]

    def __str__(self) -> str:
        return f"{self.member.code} {self.code}: {self.name}"


class ProgrammeStage(models.Model):
    """A programme's copy of a template stage, with its baseline dates (fixed at the start) and
    its planned dates (moved by re-plans); the difference is the slippage."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    duration_days = models.PositiveIntegerField()
    depends_on = models.JSONField(default=list, blank=True)
    checklist = models.JSONField(default=list, blank=True)
    # The checklist's items checked so far, in the checklist's order: all of them before the
    # stage can be marked complete.
    checklist_done = models.JSONField(default=list, blank=True)
    is_waves = models.BooleanField(default=False)
    not_before = models.DateField(null=True, blank=True)
    baseline_start = models.DateField()
    baseline_end = models.DateField()
    planned_start = models.DateField()
    planned_end = models.DateField()
    completed_on = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="programme__member", framework="programme__framework", roles=ROLLOUT_ROLES)

    class Meta:
        ordering = ["programme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "key"], name="programme_stage_key_unique"),
            models.CheckConstraint(condition=Q(planned_end__gte=models.F("planned_start")), name="stage_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.member.code} {self.programme.code} {self.key}"

    @property
    def slippage_days(self) -> int:
        return (self.planned_end - self.baseline_end).days

    @property
    def checklist_open(self) -> list[str]:
        """The checklist's items not yet checked."""
        return [item for item in self.checklist if item not in self.checklist_done]


class Wave(models.Model):
    """Seats moving to the framework at one site on a planned date; progress is measured from
    the asset register and the directory, never typed in."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveSmallIntegerField()
    site = models.CharField(max_length=200)
    seats = models.PositiveIntegerField()
    baseline_date = models.DateField()
    planned_date = models.DateField()
    seat_request = models.ForeignKey(
        SeatChangeRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(organisation="programme__member", framework="programme__framework", roles=ROLLOUT_ROLES)

    class Meta:
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="wave_number_unique"),
            models.UniqueConstraint(fields=["programme", "site"], name="wave_site_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.member.code} {self.programme.code} wave {self.number} ({self.site})"
