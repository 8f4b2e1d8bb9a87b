"""Assurance records for the tenancy test world: per framework, its supplier's US exposure, a
sub-processor, where the core service's data is, and each member's classification, allowed
countries and decision on the US exposure of its core service data."""

from __future__ import annotations

import datetime as dt

from flexhub.assurance import services
from flexhub.core.audit import Actor
from flexhub.core.testing.world import FRAMEWORK_MEMBERS, WORLD_BUILDERS, World


def build_assurance(world: World, actor: Actor) -> None:
    for code, member_codes in FRAMEWORK_MEMBERS.items():
        framework = world.frameworks[code]
        supplier = framework.suppliers.get()
        # The framework's integrator stands in as the supplier's sub-processor: the world's
        # organisations are fixed (other tests count them), and each framework has its own.
        sub = framework.integrator
        services.supplier_jurisdiction_save(
            actor=actor,
            framework=framework,
            organisation=supplier,
            jurisdiction="US",
            legal_basis=f"{supplier.code}'s parent group has US operations: USA PATRIOT Act, CLOUD Act",
            source="annual report",
            review_date=dt.date(2030, 1, 1),
        )
        services.sub_processor_save(
            actor=actor, framework=framework, supplier=supplier, sub_processor=sub, reviewed_on=dt.date(2020, 1, 1)
        )
        core = framework.services.get(code="CORE")
        services.service_handlers_set(actor=actor, service=core, organisations=[supplier])
        services.data_locations_set(
            actor=actor, service=core, locations=[("GB", f"{code} data centre", "held"), ("GB", "", "processed")]
        )
        for member_code in member_codes:
            member = world.orgs[member_code]
            services.member_data_policy_set(actor=actor, framework=framework, member=member, allowed_countries=["GB"])
            services.data_classification_set(
                actor=actor, member=member, service=core, classification="OFFICIAL", sensitive=True
            )
            services.exposure_decide(
                actor=actor,
                member=member,
                service=core,
                jurisdiction="US",
                outcome="accept-with-mitigations",
                mitigations=[f"{member_code} keys held in the UK"],
                reason=f"{member_code} board accepted the US exposure",
                decided_on=dt.date(2020, 2, 1),
                review_date=dt.date(2030, 2, 1),
            )


WORLD_BUILDERS.append(build_assurance)
