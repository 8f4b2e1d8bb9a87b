"""The five roles a login can hold and which organisations may hold them."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """A login's role; what each may see is set out in DESIGN.md."""

    AUTHORITY_ADMIN = "authority-admin", "Authority admin"
    MEMBER_ADMIN = "member-admin", "Member admin"
    MEMBER_USER = "member-user", "Member user"
    AGENT = "agent", "Service desk agent"
    INTEGRATOR = "integrator", "Service integrator"


class OrganisationRole(models.TextChoices):
    """What an organisation is to a framework; one organisation may be several."""

    AUTHORITY = "authority", "Authority"
    MEMBER = "member", "Member"
    SUPPLIER = "supplier", "Supplier"
    INTEGRATOR = "integrator", "Integrator"


# The organisation role a login role needs: an agent works for a supplier, and so on.
ORGANISATION_ROLE_FOR: dict[str, str] = {
    Role.AUTHORITY_ADMIN: OrganisationRole.AUTHORITY,
    Role.MEMBER_ADMIN: OrganisationRole.MEMBER,
    Role.MEMBER_USER: OrganisationRole.MEMBER,
    Role.AGENT: OrganisationRole.SUPPLIER,
    Role.INTEGRATOR: OrganisationRole.INTEGRATOR,
}

ADMIN_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.MEMBER_ADMIN})
