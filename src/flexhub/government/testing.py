"""A machinery-of-government change per member for the tenancy test world."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from flexhub.core.audit import Actor
from flexhub.core.testing.world import MEMBERS, WORLD_BUILDERS, World
from flexhub.government.models import MachineryChange


def build_changes(world: World, actor: Actor) -> None:
    for code in MEMBERS:
        org = world.orgs[code]
        change = MachineryChange.objects.create(
            kind="merge",
            successor=org,
            effective=dt.date(2020, 1, 1),
            reason=f"{org.name} reorganised",
            performed_by="test",
            performed_at=timezone.now(),
            moved={},
        )
        change.predecessors.set([org])


WORLD_BUILDERS.append(build_changes)
