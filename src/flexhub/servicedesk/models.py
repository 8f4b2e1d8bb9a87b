"""The service desk's records: the SLA policy of a framework, tickets and their events."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q

from flexhub.core.models import Organisation
from flexhub.core.roles import Role
from flexhub.core.tenancy import ScopedQuerySet, TenancyRule
from flexhub.frameworks.models import Framework, Service, Tower

PRIORITIES = ("P1", "P2", "P3", "P4")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Clock(models.TextChoices):
    BUSINESS = "business", "Business hours"
    ALWAYS = "24x7", "24x7"


class SlaPolicy(models.Model):
    """A framework's business hours, in its timezone, that the business clock runs on."""

    framework = models.OneToOneField(Framework, on_delete=models.CASCADE, related_name="sla")
    timezone = models.CharField(max_length=64, default="Europe/London")
    business_days = models.JSONField(default=list, help_text="Weekday names, mon to sun")
    business_start = models.TimeField()
    business_end = models.TimeField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="framework")

    class Meta:
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return f"SLA policy of {self.framework.code}"


class SlaTarget(models.Model):
    """Minutes to respond and to resolve for one priority, on the named clock."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=2)
    respond_minutes = models.PositiveIntegerField()
    resolve_minutes = models.PositiveIntegerField()
    clock = models.CharField(max_length=10, choices=Clock.choices, default=Clock.BUSINESS)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(framework="policy__framework")

    class Meta:
        ordering = ["policy", "priority"]
        constraints = [models.UniqueConstraint(fields=["policy", "priority"], name="one_target_per_priority")]

    def __str__(self) -> str:
        return f"{self.priority}: respond {self.respond_minutes}, resolve {self.resolve_minutes} ({self.clock})"


class ServiceCreditRule(models.Model):
    """Percent of the member's core charge per resolution breach, up to a cap, per priority."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="credits")
    priority = models.CharField(max_length=2)
    per_breach = models.DecimalField(max_digits=6, decimal_places=2)
    cap = models.DecimalField(max_digits=6, decimal_places=2)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(
        framework="policy__framework",
        roles=frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN, Role.INTEGRATOR}),
    )

    class Meta:
        ordering = ["policy", "priority"]
        constraints = [models.UniqueConstraint(fields=["policy", "priority"], name="one_credit_rule_per_priority")]

    def __str__(self) -> str:
        return f"{self.priority}: {self.per_breach}% per breach, cap {self.cap}%"


class TicketKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    REQUEST = "request", "Request"


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    AWAITING_CUSTOMER = "awaiting_customer", "Awaiting customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATES = (TicketStatus.OPEN, TicketStatus.AWAITING_CUSTOMER)


TITLE_LIMIT = 300  # characters of a ticket's summary, stated on the form and refused beyond


class Ticket(models.Model):
    """An incident or request of a member; its state follows from its events."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="tickets")
    ref = models.CharField(max_length=64)
    member = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tickets")
    kind = models.CharField(max_length=10, choices=TicketKind.choices)
    priority = models.CharField(max_length=2)
    title = models.CharField(max_length=TITLE_LIMIT)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    raised_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets_raised"
    )
    initial_tower = models.ForeignKey(Tower, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    current_tower = models.ForeignKey(Tower, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    opened_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The SLA position, kept up to date by every event and by the breach sweep, so queues can
    # sort by time to breach in the database.
    respond_due_at = models.DateTimeField(null=True, blank=True)
    resolve_due_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyRule(
        organisation="member",
        framework="framework",
        person="raised_by",
        supplier="current_tower__supplier",
    )

    class Meta:
        ordering = ["-opened_at", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "ref"], name="ticket_ref_unique_in_framework"),
            models.CheckConstraint(condition=Q(priority__in=PRIORITIES), name="ticket_priority_known"),
        ]
        indexes = [
            models.Index(fields=["framework", "status", "priority"]),
            # A queue's order within each tower and state (servicedesk.queues.queue_page); the
            # breach times at the end let the home page count a tower's open and breached
            # tickets from the index alone (servicedesk.panels.home_tickets).
            models.Index(
                fields=[
                    "current_tower",
                    "status",
                    "next_due_at",
                    "opened_at",
                    "id",
                    "response_breached_at",
                    "resolution_breached_at",
                ],
                name="ticket_queue_order",
            ),
            models.Index(fields=["status", "next_due_at"]),
            models.Index(fields=["member", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.ref}: {self.title}"


class EventType(models.TextChoices):
    OPENED = "opened", "Opened"
    RESPONDED = "responded", "Responded"
    AWAITING_CUSTOMER = "awaiting_customer", "Waiting for the customer"
    RESUMED = "resumed", "Resumed"
    REASSIGNED = "reassigned", "Reassigned"
    RESOLVED = "resolved", "Resolved"
    COMMENT = "comment", "Comment"
    REOPENED = "reopened", "Reopened"
    CLOSED = "closed", "Closure confirmed"


MEMBER_ROLES = frozenset({Role.MEMBER_ADMIN, Role.MEMBER_USER})
# Who works tickets: a supplier's agents, the integrator and the authority.
DESK_ROLES = frozenset({Role.AGENT, Role.INTEGRATOR, Role.AUTHORITY_ADMIN})


class TicketEventQuerySet(ScopedQuerySet["TicketEvent"]):
    """Events of visible tickets; internal notes are never shown to the member's people."""

    def visible_to(self, user: Any) -> Self:
        return super().visible_to(user).shown_to(user)

    def of_visible_ticket(self, ticket_pk: int, user: Any) -> Self:
        """The events `user` may see of a ticket it has already read through
        `Ticket.objects.visible_to(user)`: the ticket's scope is the events' scope, so it is
        not joined and checked again for each event."""
        return self.filter(ticket_id=ticket_pk).shown_to(user)

    def shown_to(self, user: Any) -> Self:
        """Less the internal notes, for the members' people: what `user` may see of the events
        of tickets it may see."""
        return self.exclude(internal=True) if getattr(user, "role", None) in MEMBER_ROLES else self


class TicketEvent(models.Model):
    """One step in a ticket's life, at its own timestamp (history keeps its original times)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    type = models.CharField(max_length=20, choices=EventType.choices)
    tower = models.ForeignKey(Tower, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)
    internal = models.BooleanField(default=False)

    objects = TicketEventQuerySet.as_manager()
    tenancy = TenancyRule(
        organisation="ticket__member",
        framework="ticket__framework",
        person="ticket__raised_by",
        supplier="ticket__current_tower__supplier",
    )

    class Meta:
        ordering = ["ticket", "seq"]
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.ticket.ref} {self.type} at {self.at.isoformat()}"
