"""Rollout's panels: the way into the portfolio from the home page, and a framework's rollout
templates on its page. The service navigation has no room left for another section (an
authority admin's fits one row), so rollout is reached from these."""

from __future__ import annotations

from typing import Any

from flexhub.core.tenancy import is_authority_of
from flexhub.frameworks.models import Framework
from flexhub.rollout.models import ROLLOUT_ROLES, Programme, RolloutTemplate


def home_rollout(user: Any) -> dict[str, Any] | None:
    """How many programmes the admin may see (one count: the states are the portfolio's work)."""
    if user.role not in ROLLOUT_ROLES:
        return None
    return {"programmes": Programme.objects.visible_to(user).count()}


def framework_templates(user: Any, framework: Framework) -> dict[str, Any] | None:
    """The framework's rollout templates, for its authority to keep and its members to start from."""
    if user.role not in ROLLOUT_ROLES:
        return None
    templates = list(RolloutTemplate.objects.visible_to(user).filter(framework=framework))
    keeps = is_authority_of(user, framework)
    return {"templates": templates, "framework": framework, "keeps": keeps} if templates or keeps else None
