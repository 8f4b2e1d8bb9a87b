"""Build the pure billing inputs straight from a scenario file (no database).

The scenario files are the repository's own test fixtures
(src/flexhub/scenarios/tests/fixtures/); they are read when a test asks for
one, never at import time.
"""

from __future__ import annotations

import functools
from pathlib import Path

import flexhub.scenarios.tests
from flexhub.rules.billing import (
    CreditTerms,
    DeliveryTerms,
    FrameworkTerms,
    MemberContract,
    ServiceTerms,
)
from flexhub.scenarios.schema import Scenario, validate
from flexhub.scenarios.yamlio import parse_yaml

FIXTURES = Path(flexhub.scenarios.tests.__file__).resolve().parent / "fixtures"
POOLED_FIXTURE = "pooled-framework.yaml"
TOWER_FIXTURE = "tower-framework.yaml"


@functools.cache
def load_scenario(name: str) -> Scenario:
    """A fixture scenario, validated (read once and reused: do not mutate it)."""
    return validate(parse_yaml((FIXTURES / name).read_text()))


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
