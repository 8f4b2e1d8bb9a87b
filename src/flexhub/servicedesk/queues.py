"""Ticket lists as users see them: queues sorted by time to breach, with filters."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from flexhub.servicedesk.models import OPEN_STATES, Ticket


def ticket_queue(user: Any, filters: dict[str, Any]) -> QuerySet[Ticket]:
    """The tickets `user` may see, filtered, soonest breach first (paused tickets last).

    The sort and the filters use stored, indexed columns, so a page costs the same few
    queries however many tickets there are.
    """
    tickets = Ticket.objects.visible_to(user).select_related("member", "current_tower", "framework")
    state = filters.get("state") or ""
    if state == "all":
        pass
    elif state:
        tickets = tickets.filter(status=state)
    else:
        tickets = tickets.filter(status__in=OPEN_STATES)
    if filters.get("member"):
        tickets = tickets.filter(member__code=filters["member"].strip().upper())
    if filters.get("priority"):
        tickets = tickets.filter(priority=filters["priority"])
    if filters.get("tower"):
        tickets = tickets.filter(current_tower__code=filters["tower"].strip().upper())
    breached = Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)
    if filters.get("breached") == "yes":
        tickets = tickets.filter(breached)
    elif filters.get("breached") == "no":
        tickets = tickets.exclude(breached)
    return tickets.order_by(F("next_due_at").asc(nulls_last=True), "opened_at", "pk")
