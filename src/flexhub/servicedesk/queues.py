"""Ticket lists as users see them: queues sorted by time to breach, with filters."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from flexhub.core.models import Organisation
from flexhub.frameworks.models import Framework, Tower
from flexhub.servicedesk.models import OPEN_STATES, Ticket


def queue_filter_choices(user: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The members and towers a user can narrow its queue to, as (code, label) lists: the
    members of the frameworks it sees, and the towers it sees (an agent: its supplier's)."""
    frameworks = Framework.objects.visible_to(user)
    members = (
        Organisation.objects.filter(is_member=True, frameworks__in=frameworks)
        .distinct()
        .order_by("name")
        .values_list("code", "name")
    )
    names: dict[str, list[str]] = {}
    for code, name in Tower.objects.visible_to(user).order_by("code", "name").values_list("code", "name"):
        if name not in names.setdefault(code, []):
            names[code].append(name)
    towers = [(code, f"{' / '.join(labels)} ({code})") for code, labels in names.items()]
    return [(code, f"{name} ({code})") for code, name in members], towers


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
