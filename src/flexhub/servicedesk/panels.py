"""The service desk's panel on the home page: open tickets, breaches, what falls due soon."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from flexhub.core.roles import Role
from flexhub.servicedesk.models import OPEN_STATES, Ticket


def home_tickets(user: Any) -> dict[str, Any]:
    """Counts from the same scoped queryset as the queue, so the panel never shows more than the queue."""
    now = timezone.now()
    tickets = Ticket.objects.visible_to(user).filter(status__in=OPEN_STATES)
    breached = Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)
    return {
        "open_tickets": tickets.count(),
        "breached_tickets": tickets.filter(breached).count(),
        "due_soon": tickets.exclude(breached).filter(next_due_at__lte=now + dt.timedelta(hours=4)).count(),
        "my_tickets": list(tickets.order_by("next_due_at")[:5]) if user.role == Role.MEMBER_USER else [],
        "can_raise": user.role in (Role.MEMBER_USER, Role.MEMBER_ADMIN),
    }
