"""The home page's summary for each role: what needs attention first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from flexhub.core.roles import Role


def dashboard(user: Any) -> dict[str, Any]:
    """Figures the user may see, each from the same scoped querysets as the pages."""
    from flexhub.billing.models import Invoice
    from flexhub.frameworks.models import CallOffContract, Framework
    from flexhub.frameworks.selectors import ceiling_position
    from flexhub.servicedesk.models import OPEN_STATES, Ticket

    now = timezone.now()
    tickets = Ticket.objects.visible_to(user).filter(status__in=OPEN_STATES)
    breached = Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)
    result: dict[str, Any] = {
        "open_tickets": tickets.count(),
        "breached_tickets": tickets.filter(breached).count(),
        "due_soon": tickets.exclude(breached).filter(next_due_at__lte=now + dt.timedelta(hours=4)).count(),
    }
    if user.role == Role.MEMBER_USER:
        result["my_tickets"] = list(tickets.order_by("next_due_at")[:5])
    if user.role == Role.AUTHORITY_ADMIN:
        result["frameworks"] = [
            {"framework": f, "ceiling": ceiling_position(f)}
            for f in Framework.objects.visible_to(user).order_by("code")
        ]
    if user.role == Role.MEMBER_ADMIN:
        contracts = CallOffContract.objects.visible_to(user)
        result["contracts"] = contracts.count()
        result["committed"] = contracts.aggregate(total=Sum("committed_value"))["total"]
        result["latest_invoice"] = (
            Invoice.objects.visible_to(user)
            .filter(status="issued")
            .select_related("framework")
            .order_by("-period")
            .first()
        )
        result["saving"] = (
            Invoice.objects.visible_to(user).filter(status="issued").aggregate(total=Sum("pooling_saving"))["total"]
        )
    return result
