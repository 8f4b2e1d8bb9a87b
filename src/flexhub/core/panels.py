"""Panels that feature apps add to core's pages (the home page, the framework page).

Core owns the pages but knows no feature: each app registers, from its
AppConfig.ready, a template and a function that gives the panel's context for
the viewer (or None when the viewer has nothing to see in it), the way apps
register their navigation entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HOME = "home"
FRAMEWORK_HEAD = "framework-head"  # above the framework's particulars
FRAMEWORK_BODY = "framework-body"  # below them

PanelContext = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    page: str
    name: str
    template: str
    context: PanelContext
    order: int


@dataclass(frozen=True)
class ShownPanel:
    """A panel with its context for one viewer, ready for `{% include panel.template %}`."""

    name: str
    template: str
    context: dict[str, Any]


_REGISTRY: list[Panel] = []


def register(*, page: str, name: str, template: str, context: PanelContext, order: int) -> None:
    """Add a panel to a page (idempotent by page and name, as AppConfig.ready may run twice in tests)."""
    if any(p.page == page and p.name == name for p in _REGISTRY):
        return
    _REGISTRY.append(Panel(page, name, template, context, order))
    _REGISTRY.sort(key=lambda p: (p.page, p.order))


def panels_for(page: str, user: Any, subject: Any = None) -> list[ShownPanel]:
    """The page's panels that have something for this viewer, in order; `subject` is the
    page's object (the framework) where there is one."""
    shown = []
    for panel in _REGISTRY:
        if panel.page != page:
            continue
        context = panel.context(user) if subject is None else panel.context(user, subject)
        if context is not None:
            shown.append(ShownPanel(panel.name, panel.template, context))
    return shown
