"""Which sections each role may use; apps register their own entries here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flexhub.core.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int


_REGISTRY: list[NavItem] = []


def register(label: str, url_name: str, roles: Iterable[str], order: int) -> None:
    """Add a section to the service navigation for the given roles (called from AppConfig.ready)."""
    if any(item.url_name == url_name for item in _REGISTRY):
        return
    _REGISTRY.append(NavItem(label, url_name, frozenset(roles), order))
    _REGISTRY.sort(key=lambda item: item.order)


def navigation_for(user: Any) -> list[NavItem]:
    return [item for item in _REGISTRY if user.role in item.roles]


ALL = frozenset(Role)
ADMINS = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN})
