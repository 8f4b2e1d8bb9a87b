"""The service desk's panel on the home page: open tickets, breaches, what falls due soon."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from flexhub.core.roles import Role
from flexhub.frameworks.models import Tower
from flexhub.servicedesk.models import OPEN_STATES, Ticket


def home_tickets(user: Any) -> dict[str, Any]:
    """Counts from the same scoped queryset as the queue, so the panel never shows more than the queue."""
    now = timezone.now()
    tickets = Ticket.objects.visible_to(user).filter(status__in=OPEN_STATES)
    if user.role == Role.AGENT:
        # Named towers (within the scope above): read through the queue's index, which holds
        # the breach times, instead of every supplier's open tickets.
        tickets = tickets.filter(current_tower__in=list(Tower.objects.visible_to(user).values_list("pk", flat=True)))
    breached = Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)
    counts = tickets.aggregate(
        open=Count("pk"),
        breached=Count("pk", filter=breached),
        due_soon=Count("pk", filter=~breached & Q(next_due_at__lte=now + dt.timedelta(hours=4))),
    )
    return {
        "open_tickets": counts["open"],
        "breached_tickets": counts["breached"],
        "due_soon": counts["due_soon"],
        "my_tickets": list(tickets.order_by("next_due_at")[:5]) if user.role == Role.MEMBER_USER else [],
        "can_raise": user.role in (Role.MEMBER_USER, Role.MEMBER_ADMIN),
    }
