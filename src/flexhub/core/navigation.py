"""Which sections each role may use; apps register their own entries here.

Sections of one group (the administration of organisations, people and the audit log) show as
a single entry leading to the group's page, so that the service navigation of even the role with
the most sections fits one row at desktop width (GOV.UK's guidance for service navigation)."""

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
    group: str = ""
    description: str = ""
    sections: tuple[str, ...] = ()  # a group's entry: the url names of its sections


ADMINISTRATION = "Administration"
# Each group's page (its url name) and its place in the navigation.
GROUP_PAGES = {ADMINISTRATION: ("administration", 100)}

_REGISTRY: list[NavItem] = []


def register(
    label: str, url_name: str, roles: Iterable[str], order: int, *, group: str = "", description: str = ""
) -> None:
    """Add a section to the service navigation for the given roles (called from AppConfig.ready);
    a section of a `group` shows on the group's page once the user may use two of its sections."""
    if any(item.url_name == url_name for item in _REGISTRY):
        return
    if group and group not in GROUP_PAGES:
        raise ValueError(f"{label}: no page for the navigation group {group!r}")
    _REGISTRY.append(NavItem(label, url_name, frozenset(roles), order, group, description))
    _REGISTRY.sort(key=lambda item: item.order)


def navigation_for(user: Any) -> list[NavItem]:
    """Every section the user's role may use."""
    return [item for item in _REGISTRY if user.role in item.roles]


def sections_of(user: Any, group: str) -> list[NavItem]:
    """The sections of `group` the user's role may use, for the group's page."""
    return [item for item in navigation_for(user) if item.group == group]


def top_navigation_for(user: Any) -> list[NavItem]:
    """The entries of the service navigation: the user's sections, with the sections of a group
    the user has two or more of replaced by one entry for the group's page."""
    entries = []
    for group in {item.group for item in navigation_for(user) if item.group}:
        sections = sections_of(user, group)
        if len(sections) > 1:
            url_name, order = GROUP_PAGES[group]
            roles = frozenset().union(*(item.roles for item in sections))
            entries.append(NavItem(group, url_name, roles, order, sections=tuple(i.url_name for i in sections)))
    grouped = {name for entry in entries for name in entry.sections}
    entries += [item for item in navigation_for(user) if item.url_name not in grouped]
    return sorted(entries, key=lambda item: item.order)


ALL = frozenset(Role)
ADMINS = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN})
