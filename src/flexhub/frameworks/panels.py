"""The frameworks app's panels on the home page: the authority's ceilings, a member's contracts."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from flexhub.core.roles import Role
from flexhub.frameworks.models import CallOffContract, Framework
from flexhub.frameworks.selectors import ceiling_position


def home_frameworks(user: Any) -> dict[str, Any] | None:
    """Each framework the authority runs with its committed value and headroom."""
    if user.role != Role.AUTHORITY_ADMIN:
        return None
    return {
        "frameworks": [
            {"framework": f, "ceiling": ceiling_position(f)}
            for f in Framework.objects.visible_to(user).order_by("code")
        ]
    }


def home_contracts(user: Any) -> dict[str, Any] | None:
    """A member admin's call-off contracts and what they commit it to."""
    if user.role != Role.MEMBER_ADMIN:
        return None
    contracts = CallOffContract.objects.visible_to(user)
    return {"contracts": contracts.count(), "committed": contracts.aggregate(total=Sum("committed_value"))["total"]}
