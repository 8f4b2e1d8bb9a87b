"""Template context shared by every page: the navigation the user's role may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from flexhub.core.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "two_factor_step", None):
        return {"nav_items": []}  # signed out, or still to give the second factor
    items = []
    for item in navigation_for(user):
        href = reverse(item.url_name)
        active = request.path == href or (href != "/" and request.path.startswith(href))
        items.append({"label": item.label, "href": href, "active": active})
    return {"nav_items": items}
