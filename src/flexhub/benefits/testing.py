"""Benefits for the tenancy test world: a factor, a usage profile, each framework's targets and
data-centre share, and a baseline for every membership (so MBRB's and the other frameworks' are
there to stay unseen)."""

from __future__ import annotations

import io
from decimal import Decimal

from flexhub.assets.models import DeviceModel
from flexhub.assets.services import device_model_update
from flexhub.benefits import services
from flexhub.core.audit import Actor
from flexhub.core.testing.world import FRAMEWORK_MEMBERS, WORLD_BUILDERS, World
from flexhub.frameworks.models import Service


def build_benefits(world: World, actor: Actor) -> None:
    services.factors_load(
        actor=actor, binary=io.BytesIO(b"year,kg_co2e_per_kwh,source\n2020,0.23314,Test factor 2020\n")
    )
    services.usage_profile_save(actor=actor, kind="thin-client", hours_on=Decimal(2000), hours_sleep=Decimal(1000))
    thin = DeviceModel.objects.get(manufacturer="Fujitsu", model="Futro S740")
    device_model_update(actor=actor, device=thin, on_watts=Decimal(10), sleep_watts=Decimal(2))
    desktop = DeviceModel.objects.get(manufacturer="HP", model="Elite 600")
    device_model_update(actor=actor, device=desktop, tec_kwh=Decimal(194))
    for code, members in FRAMEWORK_MEMBERS.items():
        framework = world.frameworks[code]
        services.savings_target_save(
            actor=actor, framework=framework, it_percent=Decimal(20), desktop_percent=Decimal(40)
        )
        services.data_centre_share_save(
            actor=actor,
            service=Service.objects.get(framework=framework, code="CORE"),
            watts_per_seat=Decimal(5),
            pue=Decimal("1.5"),
        )
        for member in members:
            services.member_baseline_save(
                actor=actor,
                framework=framework,
                member=world.orgs[member],
                year=2019,
                annual_it_cost=Decimal("1000000.00"),
                annual_desktop_cost=Decimal("600000.00"),
                annual_saving_target=Decimal("100000.00"),
                baseline_device=desktop,
            )


WORLD_BUILDERS.append(build_benefits)
