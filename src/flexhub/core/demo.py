"""The demonstration data behind `flexhub demo` and `make run`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from flexhub.core import services
from flexhub.core.audit import Actor
from flexhub.core.models import Organisation, User
from flexhub.core.roles import Role

DEMO_PASSWORD = "flexhub-demo-2026"

# (organisation code, role, username) for every demo login.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("CO", Role.AUTHORITY_ADMIN, "co-authority"),
    ("CO", Role.MEMBER_ADMIN, "co-admin"),
    ("CO", Role.MEMBER_USER, "co-user"),
    ("DIUS", Role.MEMBER_ADMIN, "dius-admin"),
    ("DIUS", Role.MEMBER_USER, "dius-user"),
    ("ONS", Role.MEMBER_ADMIN, "ons-admin"),
    ("ONS", Role.MEMBER_USER, "ons-user"),
    ("FJ", Role.AGENT, "fj-agent"),
    ("MPS", Role.AUTHORITY_ADMIN, "mps-authority"),
    ("MPS", Role.MEMBER_ADMIN, "mps-admin"),
    ("MPS", Role.MEMBER_USER, "mps-user"),
    ("CSC", Role.AGENT, "csc-agent"),
    ("NETCO", Role.AGENT, "netco-agent"),
    ("ATOS", Role.INTEGRATOR, "atos-integrator"),
]


def demo_scenario_load(actor: Actor) -> None:
    """Load the demonstration frameworks (organisations, framework headers)."""
    from flexhub.frameworks.services import framework_save

    orgs = {
        "CO": ("Cabinet Office", ["authority", "member"], "ENG", []),
        "FJ": ("Fujitsu Services", ["supplier"], "ENG", []),
        "DTI": ("Department of Trade and Industry", ["member"], "ENG", []),
        "DFES": ("Department for Education and Skills", ["member"], "ENG", []),
        "DIUS": (
            "Department for Innovation, Universities and Skills",
            ["member"],
            "ENG",
            ["DTI", "DFES"],
        ),
        "ONS": ("Office for National Statistics", ["member"], "ENG", []),
        "MPS": ("Metropolitan Police Service", ["authority", "member"], "ENG", []),
        "CSC": ("CSC", ["supplier"], "ENG", []),
        "NETCO": ("Example Network Supplier", ["supplier"], "ENG", []),
        "ATOS": ("Atos", ["integrator"], "ENG", []),
    }
    saved: dict[str, Organisation] = {}
    for code, (name, roles, region, preds) in orgs.items():
        saved[code] = services.organisation_save(
            actor=actor,
            code=code,
            name=name,
            roles=roles,
            region=region,
            predecessors=[saved[p] for p in preds],
        )
    psf = framework_save(
        actor=actor,
        code="PSF",
        name="Public Sector Flex",
        authority=saved["CO"],
        suppliers=[saved["FJ"]],
        start=dt.date(2007, 6, 1),
        end=dt.date(2014, 5, 31),
        value_ceiling=Decimal("61000000.00"),
    )
    from flexhub.frameworks.services import framework_enrol

    framework_enrol(
        actor=actor,
        framework=psf,
        organisations=[saved[c] for c in ("DTI", "DFES", "DIUS", "ONS", "CO")],
    )
    mps = framework_save(
        actor=actor,
        code="MPSTT",
        name="MPS Total Technology",
        authority=saved["MPS"],
        suppliers=[saved["CSC"], saved["NETCO"]],
        integrator=saved["ATOS"],
        start=dt.date(2016, 4, 1),
        end=dt.date(2022, 3, 31),
        value_ceiling=Decimal("250000000.00"),
    )
    framework_enrol(actor=actor, framework=mps, organisations=[saved["MPS"]])


@transaction.atomic
def demo_create() -> list[dict[str, str]]:
    """Load the demo scenario and make sure every demo login exists; returns the logins."""
    actor = Actor.for_cli()
    demo_scenario_load(actor)
    logins = []
    for code, role, username in DEMO_LOGINS:
        organisation = Organisation.objects.get(code=code)
        if not User.objects.filter(username=username).exists():
            services.user_create(
                actor=actor,
                username=username,
                organisation=organisation,
                role=role,
                password=DEMO_PASSWORD,
                email=f"{username}@example.gov.uk",
                first_name=username.split("-")[0].upper(),
                last_name=Role(role).label,
            )
        logins.append(
            {
                "username": username,
                "role": str(role),
                "organisation": f"{organisation.name} ({code})",
            }
        )
    return logins
