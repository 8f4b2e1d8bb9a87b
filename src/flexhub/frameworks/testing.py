"""Framework records for the tenancy test world: catalogue, contracts, deliveries, requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flexhub.core.audit import Actor
from flexhub.core.testing.world import FRAMEWORK_MEMBERS, WORLD_BUILDERS, World
from flexhub.frameworks import services
from flexhub.frameworks.services import LineInput


def create_frameworks(world: World, actor: Actor) -> None:
    """Framework ONE (authority AAUTH: members MBRA and MBRB), TWO (authority QUORN: member QUILL)
    and THREE (authority WOLDS: members MBRB, shared with ONE, and WREN; supplier SUPA, shared too)."""
    one = services.framework_save(
        actor=actor,
        code="ONE",
        name="Framework One",
        authority=world.orgs["AAUTH"],
        suppliers=[world.orgs["SUPA"]],
        integrator=world.orgs["INTA"],
        start=dt.date(2020, 1, 1),
        end=dt.date(2026, 12, 31),
        value_ceiling=Decimal("10000000.00"),
    )
    services.framework_enrol(actor=actor, framework=one, organisations=[world.orgs["MBRA"], world.orgs["MBRB"]])
    two = services.framework_save(
        actor=actor,
        code="TWO",
        name="Quornshire Framework",
        authority=world.orgs["QUORN"],
        suppliers=[world.orgs["QSUP"]],
        integrator=world.orgs["QINT"],
        start=dt.date(2020, 1, 1),
        end=dt.date(2026, 12, 31),
        value_ceiling=Decimal("5000000.00"),
    )
    services.framework_enrol(actor=actor, framework=two, organisations=[world.orgs["QUILL"], world.orgs["QUORN"]])
    three = services.framework_save(
        actor=actor,
        code="THREE",
        name="Woldshire Framework",
        authority=world.orgs["WOLDS"],
        suppliers=[world.orgs["SUPA"]],
        integrator=world.orgs["WINT"],
        start=dt.date(2020, 1, 1),
        end=dt.date(2026, 12, 31),
        value_ceiling=Decimal("5000000.00"),
    )
    services.framework_enrol(actor=actor, framework=three, organisations=[world.orgs["MBRB"], world.orgs["WREN"]])
    world.frameworks = {"ONE": one, "TWO": two, "THREE": three}


def build_frameworks(world: World, actor: Actor) -> None:
    for code, member_codes in FRAMEWORK_MEMBERS.items():
        framework = world.frameworks[code]
        supplier = framework.suppliers.first()
        services.vat_rates_set(actor=actor, framework=framework, rates=[(framework.start, Decimal("0.20"))])
        services.tower_save(
            actor=actor,
            framework=framework,
            code="EUC",
            name=f"{code} end user computing",
            supplier=supplier,
        )
        services.tower_save(actor=actor, framework=framework, code="NET", name=f"{code} network", supplier=supplier)
        core = services.service_save(
            actor=actor,
            framework=framework,
            code="CORE",
            name="Core seat",
            category="core",
            unit="seat-month",
            classification="OFFICIAL",
            pricing_model="pooled-volume",
            ratchet=False,
            bands=[(0, "90.00"), (1000, "80.00")],
        )
        services.service_save(
            actor=actor,
            framework=framework,
            code="TEL",
            name="Telephony",
            category="option",
            unit="seat-month",
            classification="OFFICIAL",
            pricing_model="flat",
            ratchet=False,
            bands=[(0, "6.50")],
        )
        consult = services.service_save(
            actor=actor,
            framework=framework,
            code="BCS",
            name="Business change",
            category="additional",
            unit="day",
            classification="OFFICIAL",
            pricing_model="flat",
            ratchet=False,
            bands=[(0, "850.00")],
        )
        for member_code in member_codes:
            contract = services.contract_sign(
                actor=actor,
                framework=framework,
                ref=f"{code}-{member_code}-1",
                member=world.orgs[member_code],
                signed=dt.date(2020, 1, 15),
                start=dt.date(2020, 2, 1),
                end=dt.date(2022, 1, 31),
                lines=[LineInput("CORE", 600), LineInput("TEL", 100, start=dt.date(2020, 3, 1))],
            )
            services.contract_change_record(
                actor=actor,
                contract=contract,
                service=core,
                effective=dt.date(2021, 1, 1),
                quantity=650,
            )
            services.delivery_record(
                actor=actor,
                contract=contract,
                service=consult,
                date=dt.date(2020, 5, 4),
                quantity=Decimal("2.5"),
            )
            services.seat_change_request(
                actor=actor,
                contract=contract,
                service=core,
                effective=dt.date(2021, 6, 1),
                quantity=700,
                reason=f"{member_code} growth",
            )
            world.extra.setdefault(f"contract-{member_code}", contract)


WORLD_BUILDERS.append(create_frameworks)
WORLD_BUILDERS.append(build_frameworks)
