"""Build the pure billing inputs straight from a scenario file (no database)."""

from __future__ import annotations

from pathlib import Path

from flexhub.rules.billing import (
    CreditTerms,
    DeliveryTerms,
    FrameworkTerms,
    MemberContract,
    ServiceTerms,
)
from flexhub.scenarios.schema import Scenario, validate
from flexhub.scenarios.yamlio import parse_yaml

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples"


def load_scenario(name: str) -> Scenario:
    return validate(parse_yaml((EXAMPLES / name).read_text()))


def terms_of(scenario: Scenario) -> FrameworkTerms:
    members = {c.ref: c.member for c in scenario.contracts}
    return FrameworkTerms(
        start=scenario.framework.start,
        end=scenario.framework.end,
        services={
            s.code: ServiceTerms(s.code, s.category, s.unit, s.pricing, tuple(b.text for b in s.bands))
            for s in scenario.services
        },
        contracts=[MemberContract(c.member, c.terms()) for c in scenario.contracts],
        deliveries=[
            DeliveryTerms(members[d.contract], d.contract, d.service, d.date, d.quantity) for d in scenario.deliveries
        ],
        vat_rates=[(v.start, v.rate) for v in scenario.framework.vat],
        credit_rules={
            p: CreditTerms(c.per_breach, c.cap) for p, c in (scenario.sla.credits if scenario.sla else {}).items()
        },
    )
