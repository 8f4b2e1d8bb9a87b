"""Template context shared by every page: the navigation the user's role may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from flexhub.core.navigation import top_navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "two_factor_step", None):
        return {"nav_items": []}  # signed out, or still to give the second factor
    items = []
    for item in top_navigation_for(user):
        href = reverse(item.url_name)
        prefixes = [href, *(reverse(name) for name in item.sections)]
        active = request.path == href or any(p != "/" and request.path.startswith(p) for p in prefixes)
        items.append({"label": item.label, "href": href, "active": active})
    return {"nav_items": items}
