"""Service-desk records for the tenancy test world: SLA policy and a ticket per member."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flexhub.core.audit import Actor
from flexhub.core.testing.world import FRAMEWORK_MEMBERS, WORLD_BUILDERS, World
from flexhub.servicedesk.models import ServiceCreditRule, SlaPolicy, SlaTarget, Ticket, TicketEvent

UTC = dt.UTC


def build_servicedesk(world: World, actor: Actor) -> None:
    for code, members in FRAMEWORK_MEMBERS.items():
        framework = world.frameworks[code]
        policy = SlaPolicy.objects.create(
            framework=framework,
            timezone="Europe/London",
            business_days=["mon", "tue", "wed", "thu", "fri"],
            business_start=dt.time(8),
            business_end=dt.time(18),
        )
        for priority, respond, resolve, clock in (
            ("P1", 15, 240, "24x7"),
            ("P2", 30, 480, "business"),
            ("P3", 240, 1800, "business"),
            ("P4", 480, 3000, "business"),
        ):
            SlaTarget.objects.create(
                policy=policy, priority=priority, respond_minutes=respond, resolve_minutes=resolve, clock=clock
            )
        ServiceCreditRule.objects.create(policy=policy, priority="P1", per_breach=Decimal("5"), cap=Decimal("15"))
        tower = framework.towers.get(code="EUC")
        for member_code in members:
            user = world.users[f"{member_code.lower()}-user"]
            opened = dt.datetime(2021, 3, 1, 9, 0, tzinfo=UTC)
            ticket = Ticket.objects.create(
                framework=framework,
                ref=f"{code}-{member_code}-INC-1",
                member=world.orgs[member_code],
                kind="incident",
                priority="P2",
                title=f"{world.orgs[member_code].name} printer jam",
                raised_by=user,
                initial_tower=tower,
                current_tower=tower,
                opened_at=opened,
            )
            TicketEvent.objects.create(ticket=ticket, seq=0, at=opened, type="opened", tower=tower, actor=user)
            TicketEvent.objects.create(
                ticket=ticket,
                seq=1,
                at=opened + dt.timedelta(minutes=20),
                type="responded",
            )
            world.extra.setdefault(f"ticket-{member_code}", ticket)


WORLD_BUILDERS.append(build_servicedesk)
