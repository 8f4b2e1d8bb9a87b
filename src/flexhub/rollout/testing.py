"""Rollout records for the tenancy test world: a template in each framework and a programme for
each member, with a wave per directory site (London's complete, from the asset register)."""

from __future__ import annotations

import datetime as dt

from flexhub.core.audit import Actor
from flexhub.core.testing.world import WORLD_BUILDERS, World
from flexhub.frameworks.models import Service
from flexhub.rollout.services import ProgrammeInput, StageInput, WaveInput, programme_start, template_save

STAGES = [
    StageInput("survey", "Site survey", 30, checklist=("Count desks and network points",)),
    StageInput("pilot", "Pilot", 45, ("survey",), ("Twenty users for a month",)),
    StageInput("build", "Build", 60, ("survey",)),
    StageInput("waves", "Waves", 120, ("pilot", "build"), is_waves=True),
    StageInput("close", "Close-down", 20, ("waves",), ("Dispose of old desktops securely",)),
]
TEMPLATE_NAMES = {"ONE": "Ashdown rollout", "TWO": "Quornshire rollout", "THREE": "Woldshire rollout"}
PROGRAMMES = {"MBRA": "ONE", "MBRB": "ONE", "QUILL": "TWO", "WREN": "THREE"}


def build_rollout(world: World, actor: Actor) -> None:
    templates = {
        code: template_save(actor=actor, framework=world.frameworks[code], code="DESKTOP", name=name, stages=STAGES)
        for code, name in TEMPLATE_NAMES.items()
    }
    for member_code, framework_code in PROGRAMMES.items():
        contract = world.extra[f"contract-{member_code}"]
        programme = programme_start(
            actor=actor,
            template=templates[framework_code],
            member=world.orgs[member_code],
            programme=ProgrammeInput(
                code="DESK-1",
                name=f"{world.orgs[member_code].name} desktops",
                start=dt.date(2020, 3, 1),
                waves=[WaveInput("London"), WaveInput("Leeds")],
                contract=contract,
                service=Service.objects.get(framework=contract.framework, code="CORE"),
            ),
        )
        world.extra.setdefault(f"programme-{member_code}", programme)


WORLD_BUILDERS.append(build_rollout)
