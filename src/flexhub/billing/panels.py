"""Billing's panels: a member's latest invoice and pooling saving on the home page; the
ceiling (committed and invoiced) and the price per seat on the framework page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from flexhub.billing.charts import ceiling_chart, price_chart
from flexhub.billing.models import Invoice, InvoiceStatus
from flexhub.billing.selectors import aged_debt, invoiced_to_date
from flexhub.core.roles import Role
from flexhub.core.tenancy import is_authority_of
from flexhub.frameworks.models import COMMERCIAL_ROLES, Framework
from flexhub.frameworks.selectors import ceiling_position
from flexhub.rules.billing import AGE_BUCKETS


def home_billing(user: Any) -> dict[str, Any] | None:
    """A member admin's latest issued invoice and what pooling has saved it so far."""
    if user.role != Role.MEMBER_ADMIN:
        return None
    issued = Invoice.objects.visible_to(user).filter(status=InvoiceStatus.ISSUED)
    return {
        "latest_invoice": issued.select_related("framework").order_by("-period").first(),
        "saving": issued.aggregate(total=Sum("pooling_saving"))["total"],
    }


def framework_ceiling(user: Any, framework: Framework) -> dict[str, Any] | None:
    """Committed and invoiced value against the ceiling: the framework's authority only."""
    if not is_authority_of(user, framework):
        return None
    return {
        "ceiling": ceiling_position(framework),
        "invoiced": invoiced_to_date(framework),
        "chart": ceiling_chart(framework),
    }


def framework_prices(user: Any, framework: Framework) -> dict[str, Any] | None:
    """How the price per seat fell as the pool grew: roles that may see prices."""
    if user.role not in COMMERCIAL_ROLES:
        return None
    chart = price_chart(framework)
    return {"chart": chart, "framework": framework} if chart else None


def home_aged_debt(user: Any) -> dict[str, Any] | None:
    """The authority's money owed and overdue, from the aged-debt report."""
    if user.role != Role.AUTHORITY_ADMIN:
        return None
    rows = aged_debt(Invoice.objects.visible_to(user), timezone.localdate())
    owed = sum((r.total for r in rows), Decimal("0.00"))
    overdue = sum((r.total - r.buckets[AGE_BUCKETS[0]] for r in rows), Decimal("0.00"))
    return {"owed": owed, "overdue": overdue, "members": len(rows)}
