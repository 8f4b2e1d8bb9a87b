"""Billing records for the tenancy test world: an issued month per framework and a credit note."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from flexhub.billing.services import billing_issue, billing_run, credit_note_issue, payment_record
from flexhub.core.audit import Actor
from flexhub.core.testing.world import FRAMEWORK_MEMBERS, WORLD_BUILDERS, World
from flexhub.rules.periods import Month


def build_billing(world: World, actor: Actor) -> None:
    for code in FRAMEWORK_MEMBERS:
        framework = world.frameworks[code]
        billing_run(actor=actor, framework=framework, month=Month(2020, 4))
        for invoice in billing_issue(actor=actor, framework=framework, month=Month(2020, 4)):
            world.extra.setdefault(f"invoice-{invoice.member.code}", invoice)
            credit_note_issue(
                actor=actor,
                invoice=invoice,
                net=Decimal("10.00"),
                reason=f"{invoice.member.name} goodwill",
            )
            payment_record(
                actor=actor,
                invoice=invoice,
                received_on=timezone.localdate(),
                amount=Decimal("100.00"),
                reference=f"BACS {invoice.member.code} 0001",
            )
        billing_run(actor=actor, framework=framework, month=Month(2020, 5))


WORLD_BUILDERS.append(build_billing)
