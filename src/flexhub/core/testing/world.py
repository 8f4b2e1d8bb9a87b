"""A small world of three frameworks and their members, for tenancy tests.

Framework ONE (authority AAUTH) has two members, MBRA and MBRB, a supplier
SUPA and an integrator; framework TWO (authority QUORN) has its own member
QUILL; framework THREE (authority WOLDS) shares member MBRB and supplier SUPA
with ONE and has its own member WREN. Tests act as the logins of the first
framework's side and check that nothing of member MBRB (for member roles), of
framework TWO (for everyone) or of framework THREE (for everyone but SUPA's
agents, who work its towers) ever shows: the marker strings below must never
appear.
Each app adds its own objects through `WORLD_BUILDERS` (the frameworks app first:
it creates ONE and TWO, which the others build on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules

from flexhub.core.audit import Actor
from flexhub.core.models import Organisation, User
from flexhub.core.roles import Role
from flexhub.core.services import organisation_save, user_create

MEMBER_B_MARKERS = ("Bramblewick", "MBRB", "mbrb-")
OTHER_FRAMEWORK_MARKERS = ("Quornshire", "Quillfield", "QUILL", "QUORN", "quill-", "quorn-")
SHARED_FRAMEWORK_MARKERS = ("Woldshire", "Wrenfield", "WREN", "WOLDS", "wren-", "wolds-")

# The members of each framework; THREE shares MBRB (and supplier SUPA) with ONE.
FRAMEWORK_MEMBERS = {"ONE": ("MBRA", "MBRB"), "TWO": ("QUILL",), "THREE": ("MBRB", "WREN")}
MEMBERS = ("MBRA", "MBRB", "QUILL", "WREN")


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    frameworks: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def foreign_markers(self, user: User) -> tuple[str, ...]:
        """Strings that must never appear in anything shown to `user`."""
        if user.role in (Role.MEMBER_ADMIN, Role.MEMBER_USER):
            return MEMBER_B_MARKERS + OTHER_FRAMEWORK_MARKERS + SHARED_FRAMEWORK_MARKERS
        if user.role == Role.AGENT:
            return OTHER_FRAMEWORK_MARKERS
        return OTHER_FRAMEWORK_MARKERS + SHARED_FRAMEWORK_MARKERS


WORLD_BUILDERS: list[Callable[[World, Actor], None]] = []

# The logins acting in tenancy tests: every role on framework ONE's side.
ACTING_LOGINS = ("aauth-admin", "mbra-admin", "mbra-user", "supa-agent", "inta-integrator")


def build_world() -> World:
    actor = Actor.system("test")
    world = World()

    vat_numbers = iter(["GB100000187", "GB100000285", "GB100000383", "GB100000481", "GB100000579", "GB100000677"])

    def org(code: str, name: str, roles: list[str]) -> Organisation:
        invoices = "supplier" in roles or "integrator" in roles
        world.orgs[code] = organisation_save(
            actor=actor,
            code=code,
            name=name,
            roles=roles,
            address=f"1 {name} Way\nLondon\nSW1A 1AA",
            vat_number=next(vat_numbers) if invoices else "",
            finance_email=f"finance@{code.lower()}.example.gov.uk",
        )
        return world.orgs[code]

    org("AAUTH", "Ashdown Authority", ["authority"])
    org("SUPA", "Sparrow Supplies", ["supplier"])
    org("INTA", "Ironbridge Integration", ["integrator"])
    org("MBRA", "Ashcombe Council", ["member"])
    org("MBRB", "Bramblewick Council", ["member"])
    org("QUORN", "Quornshire Authority", ["authority", "member"])
    org("QSUP", "Quornshire Supplies", ["supplier"])
    org("QINT", "Quornshire Integration", ["integrator"])
    org("QUILL", "Quillfield Agency", ["member"])
    org("WOLDS", "Woldshire Authority", ["authority"])
    org("WINT", "Woldshire Integration", ["integrator"])
    org("WREN", "Wrenfield Council", ["member"])

    logins = [
        ("AAUTH", Role.AUTHORITY_ADMIN, "aauth-admin"),
        ("MBRA", Role.MEMBER_ADMIN, "mbra-admin"),
        ("MBRA", Role.MEMBER_USER, "mbra-user"),
        ("MBRB", Role.MEMBER_ADMIN, "mbrb-admin"),
        ("MBRB", Role.MEMBER_USER, "mbrb-user"),
        ("SUPA", Role.AGENT, "supa-agent"),
        ("INTA", Role.INTEGRATOR, "inta-integrator"),
        ("QUORN", Role.AUTHORITY_ADMIN, "quorn-admin"),
        ("QUILL", Role.MEMBER_ADMIN, "quill-admin"),
        ("QUILL", Role.MEMBER_USER, "quill-user"),
        ("QSUP", Role.AGENT, "quorn-agent"),
        ("QINT", Role.INTEGRATOR, "quorn-integrator"),
        ("WOLDS", Role.AUTHORITY_ADMIN, "wolds-admin"),
        ("WREN", Role.MEMBER_ADMIN, "wren-admin"),
        ("WREN", Role.MEMBER_USER, "wren-user"),
    ]
    for code, role, username in logins:
        world.users[username] = user_create(
            actor=actor,
            username=username,
            organisation=world.orgs[code],
            role=role,
            password="test-password-123",
            email=f"{username}@example.gov.uk",
            check_password=False,
        )
    autodiscover_modules("testing")  # each app's testing.py adds its builder
    for builder in WORLD_BUILDERS:
        builder(world, actor)
    return world
